"""Checkpoints without pickle: one `.npz` of numeric leaves, JSON metadata and a SHA-256.

    save(path, tree, metadata)            # atomic: temp file in the same directory + os.replace
    tree, metadata = load(path, like)     # like: a pytree of the expected structure

File layout (an uncompressed `np.savez` archive, read back with `allow_pickle=False`):
  leaf_00000, leaf_00001, ...  the pytree's leaves in `jax.tree_util` flattening order;
  __header__                   JSON: format tag, number of leaves, the tree structure (as text),
                               each leaf's dtype and shape, and the caller's metadata;
  __sha256__                   SHA-256 over the header and every leaf's dtype, shape and bytes.
bfloat16 leaves (numpy has no such dtype of its own) are stored as their uint16 bit patterns and
listed in the header's "bfloat16_leaves"; `load` views them back as bfloat16.
Any unreadable, truncated, tampered or mismatching file raises ValueError naming the file; a
missing file raises FileNotFoundError.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax.files import atomic_write

FORMAT = "srbm_jax.checkpoint/1"
_BFLOAT16 = np.dtype(jnp.bfloat16)
_HEADER, _DIGEST = "__header__", "__sha256__"


def _leaf_name(index: int) -> str:
    return f"leaf_{index:05d}"


def _digest(header: str, leaves: list[np.ndarray]) -> str:
    h = hashlib.sha256(header.encode())
    for leaf in leaves:
        h.update(f"{leaf.dtype.str}{leaf.shape}".encode())
        h.update(np.ascontiguousarray(leaf).tobytes())
    return h.hexdigest()


def _as_numeric(leaf: Any, index: int) -> np.ndarray:
    array = np.asarray(leaf)
    if array.dtype == _BFLOAT16:
        return array
    if array.dtype.kind not in "biufc":
        raise ValueError(f"checkpoint leaf {index} has dtype {array.dtype}: allowed bool, integer, "
                         "float or complex arrays (no objects, no typed PRNG keys)")
    return array


def save(path, tree: Any, metadata: dict) -> Path:
    """Write `tree` (a pytree of numeric arrays) and `metadata` (JSON-serialisable) to `path`.

    The file appears atomically: a reader sees either the old file or the complete new one, and no
    temporary file is left behind, even if writing fails.
    """
    path = Path(path)
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    leaves = [_as_numeric(leaf, i) for i, leaf in enumerate(leaves)]
    bfloat16_leaves = [i for i, leaf in enumerate(leaves) if leaf.dtype == _BFLOAT16]
    leaves = [leaf.view(np.uint16) if leaf.dtype == _BFLOAT16 else leaf for leaf in leaves]
    header = json.dumps({
        "format": FORMAT,
        "n_leaves": len(leaves),
        "bfloat16_leaves": bfloat16_leaves,
        "treedef": str(treedef),
        "leaves": [[leaf.dtype.str, list(leaf.shape)] for leaf in leaves],
        "metadata": metadata,
    }, sort_keys=True)
    arrays = {_leaf_name(i): leaf for i, leaf in enumerate(leaves)}
    with atomic_write(path) as f:
        np.savez(f, **arrays, **{_HEADER: np.array(header),
                                 _DIGEST: np.array(_digest(header, leaves))})
    return path


def _read(path: Path) -> tuple[dict, list[np.ndarray]]:
    """Header and leaves of a verified checkpoint file."""
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            header_text = str(archive[_HEADER])
            stored = str(archive[_DIGEST])
            header = json.loads(header_text)
            leaves = [archive[_leaf_name(i)] for i in range(int(header["n_leaves"]))]
            extra = set(archive.files) - {_HEADER, _DIGEST} - {_leaf_name(i) for i in range(len(leaves))}
    except Exception as e:  # zip, zlib, EOF, JSON, missing-member and format errors alike
        raise ValueError(f"corrupt checkpoint {path}: {type(e).__name__}: {e}") from e
    if header.get("format") != FORMAT:
        raise ValueError(f"checkpoint {path}: format {header.get('format')!r}, expected {FORMAT!r}")
    if extra:
        raise ValueError(f"checkpoint {path}: unexpected members {sorted(extra)}")
    if _digest(header_text, leaves) != stored:
        raise ValueError(f"checkpoint {path}: SHA-256 of its contents does not match the stored one "
                         "(corrupt or modified)")
    for i in header.get("bfloat16_leaves", []):
        if not (isinstance(i, int) and 0 <= i < len(leaves) and leaves[i].dtype == np.uint16):
            raise ValueError(f"checkpoint {path}: bfloat16 leaf {i!r} is not a stored uint16 leaf")
        leaves[i] = leaves[i].view(_BFLOAT16)
    return header, leaves


def read_metadata(path) -> dict:
    """The metadata of a verified checkpoint (reads and checks the whole file)."""
    return _read(Path(path))[0]["metadata"]


def load(path, like: Any = None) -> tuple[Any, dict]:
    """Read a checkpoint: (tree, metadata).

    like: a pytree with the expected structure, leaf shapes and dtypes (its values are ignored);
    the result has its structure, with numpy leaves. A mismatch raises ValueError naming the file.
    With like=None the tree is returned as the flat list of leaves.
    """
    path = Path(path)
    header, leaves = _read(path)
    if like is None:
        return leaves, header["metadata"]
    like_leaves, like_def = jax.tree_util.tree_flatten(like)
    if str(like_def) != header["treedef"] or len(like_leaves) != len(leaves):
        raise ValueError(f"checkpoint {path}: tree structure {header['treedef']} does not match the "
                         f"expected {like_def}")
    for i, (leaf, expected) in enumerate(zip(leaves, like_leaves, strict=False)):
        expected = np.asarray(expected) if not hasattr(expected, "dtype") else expected
        if leaf.shape != tuple(expected.shape) or leaf.dtype != np.dtype(expected.dtype):
            raise ValueError(f"checkpoint {path}: leaf {i} is {leaf.dtype}{list(leaf.shape)}, "
                             f"expected {np.dtype(expected.dtype)}{list(expected.shape)}")
    return jax.tree_util.tree_unflatten(like_def, leaves), header["metadata"]
