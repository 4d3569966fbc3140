"""Tests for srbm_jax.data (MNIST loading) on tiny synthetic data sets; no network except `slow`."""
import gzip
import hashlib
import os
import zipfile

import numpy as np
import pytest

from srbm_jax.data import MnistSplits, load_mnist, mnist

TINY_COUNTS = {"train": (2,) * 10, "test": (1,) * 10}
REAL_COUNTS = dict(mnist.MNIST_LABEL_COUNTS)


@pytest.fixture
def tiny(monkeypatch):
    """Shrink the expected MNIST to 20 train / 10 test images; never touch tfds or the network."""
    monkeypatch.setattr(mnist, "LABEL_COUNTS", TINY_COUNTS)

    def no_tfds():
        raise ImportError("tfds disabled in tests")

    def no_download(*a, **k):
        raise AssertionError("tests must not run pip")

    monkeypatch.setattr(mnist, "_load_tfds", no_tfds)
    monkeypatch.setattr(mnist.subprocess, "run", no_download)
    rng = np.random.default_rng(0)
    arrays = {}
    for split, counts in TINY_COUNTS.items():
        labels = rng.permutation(np.repeat(np.arange(10), counts)).astype(np.int32)
        arrays[f"{split}_images"] = rng.integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
        arrays[f"{split}_labels"] = labels
    return arrays


def assert_same(splits, arrays, source):
    assert isinstance(splits, MnistSplits) and splits.source == source
    for k, v in arrays.items():
        got = getattr(splits, k)
        assert got.dtype == v.dtype and np.array_equal(got, v), k


def write_idx(path, array, gz=False):
    magic = 2051 if array.ndim == 3 else 2049
    data = magic.to_bytes(4, "big") + np.asarray(array.shape, ">u4").tobytes()
    data += array.astype(np.uint8).tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)


def write_idx_dir(d, arrays, gz=False):
    for split, (img_name, lbl_name) in mnist.IDX_FILES.items():
        suffix = ".gz" if gz else ""
        write_idx(d / f"{img_name}{suffix}", arrays[f"{split}_images"], gz)
        write_idx(d / f"{lbl_name}{suffix}", arrays[f"{split}_labels"], gz)


def csv_bytes(images, labels):
    header = "label," + ",".join(f"{r}x{c}" for r in range(1, 29) for c in range(1, 29))
    rows = [",".join(map(str, [lbl, *img.ravel().tolist()])) for img, lbl in zip(images, labels, strict=False)]
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def write_wheel(cache, arrays, monkeypatch, corrupt_test_csv=False):
    """A tiny zip with the wheel's internal CSV paths; patches the checksum constants to match."""
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / mnist.WHEEL_NAME
    shas = {}
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for split, (member, _) in mnist.CSV_SHA256.items():
            raw = csv_bytes(arrays[f"{split}_images"], arrays[f"{split}_labels"])
            shas[split] = (member, hashlib.sha256(raw).hexdigest())
            if corrupt_test_csv and split == "test":
                raw = raw.replace(b"\r\n3,", b"\r\n4,", 1)
            zf.writestr(member, raw)
    monkeypatch.setattr(mnist, "CSV_SHA256", shas)
    monkeypatch.setattr(mnist, "WHEEL_SHA256", mnist._sha256_file(wheel))
    return wheel


def test_unknown_source():
    with pytest.raises(ValueError, match="allowed: auto, npz, idx, tfds, wheel"):
        load_mnist(source="mnist.org")


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, tiny, gz):
    write_idx_dir(tmp_path, tiny, gz)
    assert_same(load_mnist("idx", data_dir=tmp_path, verbose=False), tiny, "idx")


@pytest.mark.parametrize("gz", [False, True])
def test_idx_truncated(tmp_path, tiny, gz):
    write_idx_dir(tmp_path, tiny, gz)
    name = f"{mnist.IDX_FILES['test'][0]}{'.gz' if gz else ''}"
    path = tmp_path / name
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(ValueError, match=name):
        load_mnist("idx", data_dir=tmp_path, verbose=False)


def test_idx_bad_magic_and_size(tmp_path, tiny):
    write_idx_dir(tmp_path, tiny)
    lbl = tmp_path / mnist.IDX_FILES["train"][1]
    write_idx(lbl, tiny["train_labels"][:, None, None])  # a 3-d "images" file in place of labels
    with pytest.raises(ValueError, match="magic"):
        load_mnist("idx", data_dir=tmp_path, verbose=False)
    write_idx(lbl, tiny["train_labels"][:-1])  # consistent file, wrong number of labels
    with pytest.raises(ValueError, match=r"expected int32\[20\]"):
        load_mnist("idx", data_dir=tmp_path, verbose=False)


def test_idx_needs_data_dir_and_files(tmp_path, tiny):
    with pytest.raises(ValueError, match="data_dir"):
        load_mnist("idx", verbose=False)
    with pytest.raises(ValueError, match=r"data_dir = .* holds no MNIST IDX file"):
        load_mnist("idx", data_dir=tmp_path, verbose=False)
    write_idx(tmp_path / mnist.IDX_FILES["train"][1], tiny["train_labels"])  # one of four files
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist("idx", data_dir=tmp_path, verbose=False)


def test_given_data_dir_is_never_ignored(tmp_path, tiny):
    """data_dir that does not exist or holds no IDX file is refused even when "auto" would find a
    valid cache first (it used to be ignored silently); sources that do not read data_dir refuse
    it rather than ignore it."""
    mnist._write_npz(tmp_path / "mnist.npz", MnistSplits(**tiny, source="x"))
    missing = tmp_path / "nonexistent"
    for source in ("auto", "idx"):
        with pytest.raises(ValueError, match=r"data_dir = '.*nonexistent' does not exist.*allowed"):
            load_mnist(source, data_dir=missing, cache_dir=tmp_path, verbose=False)
        with pytest.raises(ValueError, match=r"data_dir = '.*empty' holds no MNIST IDX file"):
            (tmp_path / "empty").mkdir(exist_ok=True)
            load_mnist(source, data_dir=tmp_path / "empty", cache_dir=tmp_path, verbose=False)
    idx_dir = tmp_path / "idx"
    idx_dir.mkdir()
    write_idx_dir(idx_dir, tiny)
    assert_same(load_mnist("auto", data_dir=idx_dir, cache_dir=tmp_path, verbose=False), tiny,
                "npz")  # the documented order: a valid cache first
    for source in ("npz", "wheel", "tfds"):
        with pytest.raises(ValueError, match=f"data_dir = .* is not read by source '{source}'"):
            load_mnist(source, data_dir=idx_dir, cache_dir=tmp_path, verbose=False)
    assert (tmp_path / "mnist.npz").exists()  # no source above touched the cache


def test_npz_round_trip(tmp_path, tiny):
    path = tmp_path / "mnist.npz"
    mnist._write_npz(path, MnistSplits(**tiny, source="x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist.npz"]  # no temp file left
    assert_same(load_mnist("npz", cache_dir=tmp_path, verbose=False), tiny, "npz")
    with pytest.raises(FileNotFoundError):
        load_mnist("npz", cache_dir=tmp_path / "empty", verbose=False)


@pytest.mark.parametrize("damage", ["truncate", "flip", "content"])
def test_npz_corrupt(tmp_path, tiny, damage):
    path = tmp_path / "mnist.npz"
    mnist._write_npz(path, MnistSplits(**tiny, source="x"))
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "flip":
        raw[len(raw) // 3] ^= 0xFF
    else:  # a well-formed npz whose arrays do not match the stored hash
        arrays = dict(tiny, content_sha256=np.array("0" * 64))
        np.savez_compressed(path, **arrays)
        raw = path.read_bytes()
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="mnist.npz"):
        load_mnist("npz", cache_dir=tmp_path, verbose=False)
    # under "auto" the bad cache is deleted and data come from the next source (here: IDX files)
    idx_dir = tmp_path / "idx"
    idx_dir.mkdir()
    write_idx_dir(idx_dir, tiny, gz=True)
    with pytest.warns(UserWarning, match="deleting it"):
        splits = load_mnist("auto", data_dir=idx_dir, cache_dir=tmp_path, verbose=False)
    assert_same(splits, tiny, "idx")
    assert not path.exists()


@pytest.fixture
def tiny_as_mnist(tiny, monkeypatch):
    """The tiny data set stands in for MNIST itself: its counts and array hashes become the
    MNIST_* constants, so every load runs the full content check (counts and SHA-256)."""
    monkeypatch.setattr(mnist, "MNIST_LABEL_COUNTS", TINY_COUNTS)
    monkeypatch.setattr(mnist, "MNIST_SHA256", {k: mnist._sha256_array(v) for k, v in tiny.items()})
    return tiny


def tampered_cache(path, arrays):
    """Rewrite the npz cache with every label shifted by one (digit d -> d + 1 mod 10) and a
    recomputed internal hash: a file that its own checksum accepts."""
    shifted = dict(arrays, **{f"{split}_labels": ((arrays[f"{split}_labels"] + 1) % 10)
                              .astype(np.int32) for split in ("train", "test")})
    np.savez(path, **shifted, content_sha256=np.array(mnist._content_sha256(shifted)))
    return shifted


def test_tampered_cache_with_self_consistent_hash_is_refused(tmp_path, tiny_as_mnist,
                                                              monkeypatch, capsys):
    """Shifted labels keep the tiny set's uniform per-class counts, so only the SHA-256 of the
    labels can tell; under "npz" the error names the file, the array and how to rebuild; under
    "auto" the bad cache is deleted and rebuilt from the wheel."""
    path = tmp_path / "mnist.npz"
    tampered_cache(path, tiny_as_mnist)
    expected = mnist.MNIST_SHA256["train_labels"]
    with pytest.raises(ValueError, match=rf"mnist.npz does not hold MNIST: train labels: SHA-256 "
                                         rf"[0-9a-f]{{64}} expected {expected}; test labels: "
                                         rf"SHA-256 .*delete .*mnist.npz to rebuild it") as error:
        load_mnist("npz", cache_dir=tmp_path, verbose=False)
    assert "images" not in str(error.value).split("does not hold MNIST")[1]  # images are intact
    monkeypatch.setenv("SRBM_JAX_CACHE", str(tmp_path))  # the cache found through the variable
    with pytest.raises(ValueError, match="train labels: SHA-256"):
        load_mnist("npz", verbose=False)
    write_wheel(tmp_path, tiny_as_mnist, monkeypatch)
    with pytest.warns(UserWarning, match="train labels: SHA-256.*deleting it"):
        assert_same(load_mnist("auto", verbose=False), tiny_as_mnist, "wheel")
    assert_same(load_mnist("npz", verbose=False), tiny_as_mnist, "npz")  # the rebuilt cache


@pytest.mark.parametrize("source", ["idx", "npz"])
def test_content_is_checked_for_every_source(tmp_path, tiny_as_mnist, monkeypatch, source):
    """One changed pixel or label is refused from IDX files and from the cache alike; a changed
    label also moves the per-class counts, which are checked by themselves."""
    images = tiny_as_mnist["test_images"].copy()
    images[3, 14, 14] ^= 1
    labels = tiny_as_mnist["train_labels"].copy()
    labels[0] = (labels[0] + 1) % 10
    for changed, pattern in ((dict(tiny_as_mnist, test_images=images), r"test images: SHA-256"),
                             (dict(tiny_as_mnist, train_labels=labels),
                              r"train labels: per-class counts \[.*\] expected \[2, 2, .*\]; "
                              r"train labels: SHA-256")):
        if source == "idx":
            write_idx_dir(tmp_path, changed)
            origin = "IDX files in"
        else:
            mnist._write_npz(tmp_path / "mnist.npz", MnistSplits(**changed, source="x"))
            origin = "MNIST cache"
        with pytest.raises(ValueError, match=f"{origin} .*does not hold MNIST: {pattern}"):
            load_mnist(source, data_dir=tmp_path if source == "idx" else None,
                       cache_dir=tmp_path, verbose=False)
    # With only LABEL_COUNTS substituted (the synthetic-data opt-out of the `tiny` fixture) the
    # SHA-256 check is off, the per-class counts are still checked.
    monkeypatch.setattr(mnist, "MNIST_LABEL_COUNTS", REAL_COUNTS)
    with pytest.raises(ValueError, match="train labels: per-class counts"):
        mnist._validate(MnistSplits(**dict(tiny_as_mnist, train_labels=labels), source="x"), "x")
    mnist._validate(MnistSplits(**dict(tiny_as_mnist, test_images=images), source="x"), "x")


def test_real_mnist_sized_data_are_always_hash_checked():
    """With the module's own constants (no substitution), data of MNIST's size and per-class
    counts but other content are refused for their SHA-256 -- no network needed."""
    assert mnist.LABEL_COUNTS == mnist.MNIST_LABEL_COUNTS
    assert [sum(mnist.LABEL_COUNTS[s]) for s in ("train", "test")] == [60000, 10000]
    arrays = {}
    for split, counts in mnist.MNIST_LABEL_COUNTS.items():
        arrays[f"{split}_labels"] = np.repeat(np.arange(10, dtype=np.int32), counts)
        arrays[f"{split}_images"] = np.zeros((sum(counts), 28, 28), np.uint8)
    with pytest.raises(ValueError, match="fake: does not hold MNIST: train images: SHA-256 .*; "
                                         "train labels: SHA-256 .*; test images: .*; test labels"):
        mnist._validate(MnistSplits(**arrays, source="x"), "fake:")


def test_wheel_builds_cache_then_auto_uses_it(tmp_path, tiny, monkeypatch, capsys):
    write_wheel(tmp_path, tiny, monkeypatch)
    assert_same(load_mnist("auto", cache_dir=tmp_path), tiny, "wheel")
    assert "source 'wheel'" in capsys.readouterr().out
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(["mnist.npz", mnist.WHEEL_NAME])  # atomic write left no temp file
    assert_same(load_mnist("auto", cache_dir=tmp_path), tiny, "npz")
    assert "source 'npz'" in capsys.readouterr().out
    assert_same(load_mnist("wheel", cache_dir=tmp_path, verbose=False), tiny, "wheel")


def test_wheel_checksums_and_counts(tmp_path, tiny, monkeypatch):
    wheel = write_wheel(tmp_path, tiny, monkeypatch, corrupt_test_csv=True)
    with pytest.raises(ValueError, match="mnist_test.csv: SHA-256"):
        load_mnist("wheel", cache_dir=tmp_path, verbose=False)
    member, _ = mnist.CSV_SHA256["test"]
    with zipfile.ZipFile(wheel) as zf:
        sha = hashlib.sha256(zf.read(member)).hexdigest()
    monkeypatch.setitem(mnist.CSV_SHA256, "test", (member, sha))  # accept the altered CSV
    with pytest.raises(ValueError, match="label counts"):
        load_mnist("wheel", cache_dir=tmp_path, verbose=False)
    monkeypatch.setattr(mnist, "WHEEL_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="wheel .*SHA-256"):
        load_mnist("wheel", cache_dir=tmp_path, verbose=False)
    assert not (tmp_path / "mnist.npz").exists()


def test_parse_csv_rejects_ragged_rows():
    good = csv_bytes(np.zeros((2, 28, 28), np.uint8), [1, 2])
    images, labels = mnist._parse_csv(good, "x")
    assert images.shape == (2, 28, 28) and labels.tolist() == [1, 2]
    with pytest.raises(ValueError, match="785"):
        mnist._parse_csv(good.replace(b",0\r\n", b"\r\n", 1), "x")
    with pytest.raises(ValueError, match="unparsable"):
        mnist._parse_csv(good.replace(b",0,", b",a,", 1), "x")


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("SRBM_JAX_CACHE", str(tmp_path))
    assert mnist.default_cache_dir() == tmp_path
    monkeypatch.delenv("SRBM_JAX_CACHE")
    assert mnist.default_cache_dir() == mnist.Path.home() / ".cache" / "srbm_jax"


@pytest.mark.slow
def test_real_mnist_cache_with_shifted_labels_is_refused(tmp_path, monkeypatch):
    """The real cache (built first if needed; may download) rewritten in a tmp dir with every
    label shifted by one and its internal hash recomputed is refused, naming what differs."""
    real = load_mnist("auto", cache_dir=os.environ.get("SRBM_JAX_CACHE"), verbose=False)
    arrays = {k: getattr(real, k) for k in mnist.KEYS}
    tampered_cache(tmp_path / "mnist.npz", arrays)
    monkeypatch.setenv("SRBM_JAX_CACHE", str(tmp_path))
    counts = np.roll(mnist.MNIST_LABEL_COUNTS["train"], 1).tolist()
    with pytest.raises(ValueError) as error:
        load_mnist("npz", verbose=False)
    message = str(error.value)
    assert f"train labels: per-class counts {counts} expected" in message
    for split in ("train", "test"):
        assert f"{split} labels: SHA-256 " in message and f"{split} images" not in message
        assert mnist.MNIST_SHA256[f"{split}_labels"] in message
    assert f"delete {tmp_path / 'mnist.npz'} to rebuild it" in message


@pytest.mark.slow
def test_real_mnist():
    """Full MNIST via source="auto" (cache dir from $SRBM_JAX_CACHE or the default; may download)."""
    splits = load_mnist("auto", cache_dir=os.environ.get("SRBM_JAX_CACHE"))
    assert splits.train_images.shape == (60000, 28, 28) and splits.train_images.dtype == np.uint8
    assert splits.test_images.shape == (10000, 28, 28) and splits.test_images.dtype == np.uint8
    for split in ("train", "test"):
        counts = np.bincount(getattr(splits, f"{split}_labels"), minlength=10)
        assert tuple(counts.tolist()) == mnist.LABEL_COUNTS[split]
        for kind in ("images", "labels"):
            array = getattr(splits, f"{split}_{kind}")
            digest = hashlib.sha256(array.astype(np.uint8).tobytes()).hexdigest()
            assert digest == mnist.MNIST_SHA256[f"{split}_{kind}"]
