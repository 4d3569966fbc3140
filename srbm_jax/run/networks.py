"""The networks a run trains: one network, or N side by side (seeds, hyperparameters, devices'
seeds) along a leading axis, and the three things the run driver does with them (init, train a
range of images, evaluate), each with the one-network and the N-network code path.

One network runs the plain `train.train_epoch` / `infer.evaluate` path (the on-line path uses the
sparse synaptic drive); N networks run `srbm_jax.sweep` (vmapped, sharded over the local devices
when there are several). The two agree to float rounding (tests/test_sweep.py), and each path is
bit-identical to itself across checkpoints and resumes, so a run keeps the path it started with.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from srbm_jax import infer, sweep, train
from srbm_jax.config import Params, Spec


@dataclasses.dataclass
class Networks:
    """What the run driver trains.

    spec: shared static structure (one device). params: one network's Params, or stacked with a
    leading axis of N (`sweep.stack_params`), or unstacked and shared by N networks.
    keys: {"init", "train", "evaluate"}: one key each (stacked=False) or [N] keys.
    stacked: whether the states carry a leading network axis (the sweep path).
    labels: one dict per network naming it in the metrics, e.g. {"seed": 3, "spike_rate_hz": 220}.
    """

    spec: Spec
    params: Params
    keys: dict[str, jax.Array]
    stacked: bool
    labels: list[dict]

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def params_stacked(self) -> bool:
        return self.stacked and sweep._is_stacked(self.params, self.n)

    def params_of(self, index: int) -> Params:
        """Network `index`'s Params (unstacked)."""
        if not self.params_stacked:
            return self.params
        return jax.tree_util.tree_map(lambda leaf: leaf[index], self.params)

    def state_of(self, states: Any, index: int) -> Any:
        """Network `index`'s device state."""
        return jax.tree_util.tree_map(lambda leaf: leaf[index], states) if self.stacked else states


def one_network(spec: Spec, params: Params, seed: int) -> Networks:
    """A single network with the keys of `sweep.network_keys(seed)` (train_mnist's keys)."""
    return Networks(spec, params, sweep.network_keys(seed), False, [{"seed": int(seed)}])


def side_by_side(spec: Spec, params: Params, keys: dict[str, jax.Array],
                 labels: list[dict]) -> Networks:
    """N networks with [N] keys per stream (e.g. `sweep.init_networks`' keys)."""
    for name in ("init", "train", "evaluate"):
        if keys[name].shape[0] != len(labels):
            raise ValueError(f"keys[{name!r}] holds {keys[name].shape[0]} keys for "
                             f"{len(labels)} networks")
    return Networks(spec, params, keys, True, labels)


def seed_networks(spec: Spec, params: Params, seeds) -> Networks:
    """N networks with the keys of `sweep.network_keys(seed)` for each seed."""
    per_seed = [sweep.network_keys(int(seed)) for seed in seeds]
    keys = {name: jax.numpy.stack([k[name] for k in per_seed]) for name in per_seed[0]}
    return side_by_side(spec, params, keys, [{"seed": int(seed)} for seed in seeds])


def init_states(networks: Networks) -> Any:
    """Initial device states (leading axis N when stacked; sharded over local devices when
    there are several and N is a multiple of their number)."""
    spec, params = networks.spec, networks.params
    if not networks.stacked:
        return train.init_device(networks.keys["init"], params, spec)
    states = jax.vmap(lambda k, p: train.init_device(k, p, spec),
                      in_axes=(0, 0 if networks.params_stacked else None))(
        networks.keys["init"], params)
    return sweep.shard_networks(states, sweep.network_sharding(networks.n))


def epoch_orders(networks: Networks, epoch: int, n_images: int) -> np.ndarray:
    """Each network's order of the training images in `epoch` (`train.epoch_order` of its
    train key): [n_images], or [N, n_images] when stacked."""
    if not networks.stacked:
        return train.epoch_order(networks.keys["train"], epoch, n_images)
    return np.stack([train.epoch_order(key, epoch, n_images) for key in networks.keys["train"]])


def train_range(networks: Networks, states, images, labels, *, epoch: int, start: int,
                chunk_size: int, batch_size: int, params_at: Callable[[int], Params] | None,
                progress: Callable[[int, int], None] | None, order=None):
    """Train positions [start, M) of `epoch` (M = len(images), or the length of `order`, the
    images' order: `epoch_orders`): (states, {stat: [N, images] or [images]})."""
    if not networks.stacked:
        return train.train_epoch(networks.keys["train"], states, images, labels, networks.params,
                                 networks.spec, epoch=epoch, start=start, chunk_size=chunk_size,
                                 batch_size=batch_size, progress=progress, params_at=params_at,
                                 order=order)
    return sweep.train_networks(networks.keys["train"], states, images, labels, networks.params,
                                networks.spec, epoch=epoch, start=start, chunk_size=chunk_size,
                                batch_size=batch_size, params_at=params_at, progress=progress,
                                orders=order)


# fold_in data of the validation set's evaluation keys (the test set uses the evaluate key).
VALIDATION_STREAM = 2 ** 31 - 2


def evaluation_keys(networks: Networks, split: str) -> jax.Array:
    """The root evaluation key(s) of a split: the evaluate key for "test", fold_in(evaluate
    key, VALIDATION_STREAM) for "validation"; the evaluation after epoch e folds in e."""
    keys = networks.keys["evaluate"]
    if split == "test":
        return keys
    if split != "validation":
        raise ValueError(f"split = {split!r} is out of range: allowed 'test' or 'validation'")
    fold = lambda key: jax.random.fold_in(key, VALIDATION_STREAM)  # noqa: E731
    return jax.vmap(fold)(keys) if networks.stacked else fold(keys)


def evaluate(networks: Networks, states, images, labels, *, epoch: int, batch_size: int,
             split: str = "test", progress: Callable[[int, int], None] | None = None
             ) -> list[dict]:
    """`infer.evaluate`'s result for each network on a split, with key fold_in(root, epoch)
    (`evaluation_keys`); the N networks run side by side (vmapped) when stacked."""
    batch_size = min(batch_size, len(labels))
    roots = evaluation_keys(networks, split)
    if not networks.stacked:
        return [infer.evaluate(jax.random.fold_in(roots, epoch), states, images, labels,
                               networks.params, networks.spec, batch_size=batch_size,
                               progress=progress)]
    return sweep.evaluate_networks_full(roots, states, images, labels, networks.params,
                                        networks.spec, epoch=epoch, batch_size=batch_size,
                                        progress=progress)


def empty_stats(networks: Networks) -> dict[str, np.ndarray]:
    """Per-image statistics of no images ([N, 0] when stacked, else [0])."""
    shape = (networks.n, 0) if networks.stacked else (0,)
    return {name: np.zeros(shape, np.float32) for name in train.ImageStats._fields}


def stats_like(networks: Networks, images: int) -> dict[str, np.ndarray]:
    """The shapes of the statistics of `images` images (for checkpoint.load)."""
    shape = (networks.n, images) if networks.stacked else (images,)
    return {name: np.zeros(shape, np.float32) for name in train.ImageStats._fields}


def network_stats(networks: Networks, stats: dict, index: int) -> dict[str, np.ndarray]:
    """Network `index`'s per-image statistics."""
    return {k: (v[index] if networks.stacked else v) for k, v in stats.items()}
