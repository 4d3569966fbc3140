"""Reading MNIST's IDX files (plain or gzip): the byte format of LeCun's distribution."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

IDX_FILES = {  # split -> (images file, labels file)
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_MAGIC = {"images": 2051, "labels": 2049}


def read_idx(path: Path, kind: str) -> np.ndarray:
    """Parse one IDX file (optionally .gz) of unsigned bytes; `kind` is "images" or "labels"."""
    try:
        with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"IDX file {path} is unreadable or truncated: {e}") from e
    if len(data) < 4 or int.from_bytes(data[:4], "big") != IDX_MAGIC[kind]:
        raise ValueError(f"IDX file {path}: magic is not {IDX_MAGIC[kind]} ({kind}, uint8)")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f"IDX file {path}: truncated header")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    if (expected := 4 + 4 * ndim + int(np.prod(dims))) != len(data):
        raise ValueError(f"IDX file {path}: {len(data)} bytes, header says {expected} (truncated?)")
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)
