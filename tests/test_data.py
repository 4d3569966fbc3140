"""Tests for srbm_jax.data (MNIST loading) on tiny synthetic data sets; no network except `slow`."""
import gzip
import hashlib
import os
import zipfile

import numpy as np
import pytest

from srbm_jax.data import MnistSplits, load_mnist, mnist

TINY_COUNTS = {"train": (2,) * 10, "test": (1,) * 10}


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
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist("idx", data_dir=tmp_path, verbose=False)


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
def test_real_mnist():
    """Full MNIST via source="auto" (cache dir from $SRBM_JAX_CACHE or the default; may download)."""
    splits = load_mnist("auto", cache_dir=os.environ.get("SRBM_JAX_CACHE"))
    assert splits.train_images.shape == (60000, 28, 28) and splits.train_images.dtype == np.uint8
    assert splits.test_images.shape == (10000, 28, 28) and splits.test_images.dtype == np.uint8
    for split in ("train", "test"):
        counts = np.bincount(getattr(splits, f"{split}_labels"), minlength=10)
        assert tuple(counts.tolist()) == mnist.LABEL_COUNTS[split]
