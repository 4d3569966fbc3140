"""Tests for srbm_jax.checkpoint: round trip, integrity checks, atomic writes."""
from __future__ import annotations

import zipfile
from typing import NamedTuple

import numpy as np
import pytest

from srbm_jax import checkpoint


class Pair(NamedTuple):
    a: np.ndarray
    b: np.ndarray


def make_tree(seed=0):
    rng = np.random.default_rng(seed)
    return {"device": Pair(rng.normal(size=(5, 3)).astype(np.float32),
                           rng.normal(size=(5, 3)).astype(np.float32)),
            "stats": {"x": np.arange(4, dtype=np.int32), "y": np.zeros((0,), np.float32)},
            "flag": np.array(True)}


def assert_tree_equal(got, expected):
    import jax

    got_leaves, got_def = jax.tree_util.tree_flatten(got)
    exp_leaves, exp_def = jax.tree_util.tree_flatten(expected)
    assert got_def == exp_def
    for g, e in zip(got_leaves, exp_leaves, strict=False):
        assert g.dtype == e.dtype and g.shape == e.shape and np.array_equal(g, e)


def leftovers(directory):
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_round_trip(tmp_path):
    tree, meta = make_tree(), {"epoch": 3, "config": {"seed": 2, "name": "x"}}
    path = checkpoint.save(tmp_path / "ckpt.npz", tree, meta)
    loaded, loaded_meta = checkpoint.load(path, like=make_tree(1))
    assert_tree_equal(loaded, tree)
    assert isinstance(loaded["device"], Pair)
    assert loaded_meta == meta
    assert checkpoint.read_metadata(path) == meta
    leaves, _ = checkpoint.load(path)  # like=None: the flat leaves
    assert len(leaves) == 5
    assert leftovers(tmp_path) == []


def test_overwrite_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    checkpoint.save(path, make_tree(0), {"n": 0})
    checkpoint.save(path, make_tree(1), {"n": 1})
    assert checkpoint.read_metadata(path) == {"n": 1}
    assert_tree_equal(checkpoint.load(path, make_tree())[0], make_tree(1))

    # A write that fails half way keeps the old file and removes its temp file.
    def broken_savez(f, **arrays):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(path, make_tree(2), {"n": 2})
    monkeypatch.undo()
    assert checkpoint.read_metadata(path) == {"n": 1}
    assert leftovers(tmp_path) == []


def test_rejects_non_numeric_leaves(tmp_path):
    with pytest.raises(ValueError, match="leaf 0"):
        checkpoint.save(tmp_path / "c.npz", [np.array(["a"], object)], {})
    assert list(tmp_path.iterdir()) == []


def test_truncated_file_raises_naming_the_file(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt.npz", make_tree(), {})
    data = path.read_bytes()
    for size in (0, 10, len(data) // 2, len(data) - 5):
        path.write_bytes(data[:size])
        with pytest.raises(ValueError, match="ckpt.npz"):
            checkpoint.load(path, make_tree())


def test_flipped_byte_raises(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt.npz", make_tree(), {})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:  # flip a byte inside the first leaf's array data
        info = zf.getinfo("leaf_00000.npy")
    data[info.header_offset + 30 + len(info.filename) + 150] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="ckpt.npz"):
        checkpoint.load(path, make_tree())


def test_tampered_leaf_fails_the_sha256(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt.npz", make_tree(), {})
    with np.load(path, allow_pickle=False) as z:  # a well-formed archive with one value changed
        arrays = {k: z[k] for k in z.files}
    arrays["leaf_00000"] = arrays["leaf_00000"] + 1
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"ckpt\.npz.*SHA-256"):
        checkpoint.load(path, make_tree())


def test_structure_mismatch(tmp_path):
    path = checkpoint.save(tmp_path / "ckpt.npz", make_tree(), {})
    other = make_tree()
    other["stats"]["z"] = np.zeros(2)
    with pytest.raises(ValueError, match="structure"):
        checkpoint.load(path, other)
    wrong_shape = make_tree()
    wrong_shape["stats"]["x"] = np.arange(5, dtype=np.int32)
    with pytest.raises(ValueError, match="leaf"):
        checkpoint.load(path, wrong_shape)
    wrong_dtype = make_tree()
    wrong_dtype["stats"]["x"] = np.arange(4, dtype=np.int64)
    with pytest.raises(ValueError, match="int32"):
        checkpoint.load(path, wrong_dtype)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        checkpoint.load(tmp_path / "nope.npz", make_tree())


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path):
    from srbm_jax.files import atomic_write

    path = tmp_path / "sub" / "table.md"
    with atomic_write(path, "w") as handle:
        handle.write("first")
    assert path.read_text() == "first" and (path.stat().st_mode & 0o777) == 0o644
    with pytest.raises(RuntimeError, match="midway"):
        with atomic_write(path, "w") as handle:
            handle.write("half of the second")
            raise RuntimeError("midway")
    assert path.read_text() == "first"  # untouched, and no temporary file left beside it
    assert sorted(p.name for p in path.parent.iterdir()) == ["table.md"]
