"""Many networks side by side: seeds and numeric hyperparameters along one leading axis (`vmap`).

    values = sweep.product(spike_rate_hz=[150.0, 200.0, 250.0], seed=[1, 2])  # 6 networks
    params_n = sweep.stack_params(params, spike_rate_hz=values["spike_rate_hz"])
    keys, states = sweep.init_networks(values["seed"], params_n, spec)
    states, stats = sweep.train_networks(keys, states, images, labels, params_n, spec)
    accuracy = sweep.evaluate_networks(keys, states, test_images, test_labels, params_n, spec)

Every network n gets the same images in the same order; its random numbers come from its own
seed (`network_keys(seed)`: the init, train and evaluation keys of experiments/train_mnist.py with
that config.seed). Because `Params` leaves are traced, a sweep over any numeric field (a rate, a
threshold, a device step `device__set_step`) is one compiled program; sizes and choices (`Spec`)
stay shared. Network n of a sweep gives what `train.train_epoch` and `infer.evaluate` give with
its keys and values (tests/test_sweep.py). On an accelerator the networks run in parallel; on a 2-core CPU one
network already keeps both cores busy, so N networks cost about N times one (RESULTS.md 2).
"""
from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import infer, train
from srbm_jax.config import Params, Spec, validate
from srbm_jax.updates.layer import LayerParams

_STREAMS = ("init", "train", "evaluate")


def product(**axes: Sequence[Any]) -> dict[str, list]:
    """The Cartesian product of named value lists, as equal-length lists (last name fastest).

    product(a=[1, 2], b=[10, 20, 30]) == {"a": [1, 1, 1, 2, 2, 2], "b": [10, 20, 30, 10, 20, 30]}.
    """
    for name, values in axes.items():
        if len(values) == 0:
            raise ValueError(f"sweep axis {name} is empty: allowed a non-empty list of values")
    rows = list(itertools.product(*axes.values()))
    return {name: [row[i] for row in rows] for i, name in enumerate(axes)}


def stack_params(params: Params, **values: Sequence[float]) -> Params:
    """`params` with the named fields replaced by float32 arrays of one value per network.

    Names are Params fields (`spike_rate_hz`, `walk_up`, ...), device fields written
    `device__set_step` (`device.set_step`) or, behind an update layer, optimiser
    hyperparameters written `optimizer__learning_rate`. All lists must have the same length N; every other
    leaf is repeated N times, so the result has a leading network axis on every leaf (a front
    end's arrays, Params.front_end, included: a study of a CNN or lower-sRBM front end).
    """
    if not values:
        raise ValueError("stack_params needs at least one field=values pair")
    lengths = {name: len(v) for name, v in values.items()}
    n = next(iter(lengths.values()))
    if any(length != n for length in lengths.values()) or n == 0:
        raise ValueError(f"sweep values must be non-empty lists of one length: got {lengths}")
    layered = isinstance(params.device, LayerParams)  # a device behind an update layer
    device_params = params.device.inner if layered else params.device
    top, device, optimizer = {}, {}, {}
    for name, value in values.items():
        array = jnp.asarray(np.asarray(value, np.float64), jnp.float32)
        if name.startswith("device__"):
            field = name[len("device__"):]
            if not hasattr(device_params, field):
                raise ValueError(f"sweep field device.{field} does not exist: allowed one of "
                                 f"{sorted(vars(device_params))}")
            device[field] = array
        elif name.startswith("optimizer__") and layered:
            field = name[len("optimizer__"):]
            if not hasattr(params.device.optimizer, field):
                raise ValueError(f"sweep field optimizer.{field} does not exist: allowed one of "
                                 f"{sorted(vars(params.device.optimizer))}")
            optimizer[field] = array
        elif name in Params.__dataclass_fields__ and name != "device":
            top[name] = array
        else:
            raise ValueError(f"sweep field {name} does not exist: allowed one of "
                             f"{sorted(f for f in Params.__dataclass_fields__ if f != 'device')}"
                             " or device__<field>"
                             + (" or optimizer__<field>" if layered else ""))
    # Every leaf is a scalar, except the arrays a front end holds (a CNN's weights, a lower
    # sRBM's weight matrix: Params.front_end), which every network shares; they are repeated too.
    if any(np.ndim(leaf) for leaf in jax.tree_util.tree_leaves(params.replace(front_end=None))):
        raise ValueError("stack_params needs unstacked params (scalar leaves, e.g. default_params)")
    stacked = jax.tree_util.tree_map(
        lambda leaf: jnp.broadcast_to(jnp.asarray(leaf), (n,) + np.shape(leaf)), params)
    if layered:
        return stacked.replace(**top, device=stacked.device.replace(
            inner=stacked.device.inner.replace(**device),
            optimizer=stacked.device.optimizer.replace(**optimizer)))
    return stacked.replace(**top, device=stacked.device.replace(**device))


def network_keys(seed: int) -> dict[str, jax.Array]:
    """Root keys of one network: split(key(seed), 3) -> init, train, evaluate, the keys of
    `srbm_jax.run.train_and_evaluate` (experiments/train_mnist.py) for config.seed = seed."""
    return dict(zip(_STREAMS, jax.random.split(jax.random.key(seed), 3), strict=True))


def network_sharding(n: int, jax_devices: Sequence[jax.Device] | None = None):
    """A sharding that splits a leading axis of n networks over `jax_devices` (accelerators;
    default: all local ones), or None when there is one or n is not a multiple of their number.

    With it, each accelerator trains its own n / len(jax_devices) networks (the jitted, vmapped step is
    partitioned along the network axis; the images are replicated): a Colab TPU's 8 cores, several
    GPUs, or CPU "devices" (XLA_FLAGS=--xla_force_host_platform_device_count=k)."""
    jax_devices = list(jax_devices if jax_devices is not None else jax.local_devices())
    if len(jax_devices) < 2 or n % len(jax_devices):
        return None
    mesh = jax.sharding.Mesh(np.asarray(jax_devices), ("networks",))
    return jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("networks"))


def shard_networks(tree, sharding):
    """`tree` (keys, states or stacked params: every leaf with the network axis first) placed
    with `sharding` (`network_sharding`); unchanged when sharding is None."""
    return tree if sharding is None else jax.device_put(tree, sharding)


def init_networks(seeds: Sequence[int], params: Params, spec: Spec, *, sharding="auto"):
    """(keys, device states) of one network per seed; keys is a dict of [N] key arrays
    ("init", "train", "evaluate"), states have a leading axis N. params: stacked (leading
    axis N, `stack_params`) or shared by all networks.

    sharding: "auto" spreads the networks over all local devices when there are several and N
    is a multiple of their number (`network_sharding`), None keeps them on the default device,
    or a sharding of your own. (Stacked params are small: jit moves them where the states are.)"""
    if len(seeds) == 0:
        raise ValueError("init_networks needs at least one seed")
    per_seed = [network_keys(int(seed)) for seed in seeds]
    keys = {name: jnp.stack([k[name] for k in per_seed]) for name in _STREAMS}
    if sharding == "auto":
        sharding = network_sharding(len(seeds))
    keys = shard_networks(keys, sharding)
    stacked = _is_stacked(params, len(seeds))
    states = jax.vmap(lambda k, p: train.init_device(k, p, spec),
                      in_axes=(0, 0 if stacked else None))(keys["init"], params)
    return keys, shard_networks(states, sharding)


def _is_stacked(params: Params, n: int) -> bool:
    """True when every leaf of params has a leading axis of length n (`stack_params`)."""
    leaves = jax.tree_util.tree_leaves(params)
    shapes = [np.shape(leaf) for leaf in leaves]
    if all(len(s) >= 1 and s[0] == n for s in shapes):
        return True
    if all(len(s) == 0 for s in shapes):
        return False
    raise ValueError(f"params leaves have shapes {shapes}: allowed all scalars (shared by the "
                     f"networks) or all with a leading axis of {n} networks (sweep.stack_params)")


@functools.partial(jax.jit, static_argnames=("spec", "params_stacked", "images_stacked"))
def _train_chunk_networks(roots, states, pixels, labels, indices, epoch, params, spec,
                          params_stacked, images_stacked=False):
    images_axis = 0 if images_stacked else None
    return jax.vmap(train.train_chunk.__wrapped__,
                    in_axes=(0, 0, images_axis, images_axis, None, None,
                             0 if params_stacked else None, None))(
        roots, states, pixels, labels, indices, epoch, params, spec)


def train_networks(keys, states, images, labels, params: Params, spec: Spec, *, epoch: int = 0,
                   start: int = 0, chunk_size: int = 500, batch_size: int = 1,
                   params_at: Callable[[int], Params] | None = None,
                   progress: Callable[[int, int], None] | None = None, orders=None):
    """One epoch of N networks side by side: `train.train_epoch` vmapped over networks.

    keys: the dict from `init_networks` (or [N] train root keys); states: leading axis N;
    params: stacked (leading axis N) or shared; params_at(begin) as in `train_epoch` (same
    stacking); start: the first image (a resumed epoch); orders: None, or int [N, M], each
    network's own image order (shuffled epochs, `train.epoch_order`). Returns (states, dict of per-image
    stats, numpy [N, images - start]).
    """
    roots = keys["train"] if isinstance(keys, dict) else keys
    n = roots.shape[0]
    stacked = _is_stacked(params, n)
    collected = []
    for inputs, chunk_params in train.epoch_chunks(
            images, labels, params, spec, start=start, chunk_size=chunk_size,
            batch_size=batch_size, params_at=params_at, progress=progress, order=orders):
        states, stats = _train_chunk_networks(roots, states, *inputs, jnp.int32(epoch),
                                              chunk_params, spec, stacked, orders is not None)
        collected.append({name: np.asarray(getattr(stats, name)).reshape(n, -1)
                          for name in train.ImageStats._fields})
    merged = {name: np.concatenate([c[name] for c in collected], axis=1) if collected
              else np.zeros((n, 0), np.float32) for name in train.ImageStats._fields}
    return states, merged


def evaluate_networks(keys, states, images, labels, params: Params, spec: Spec, *,
                      epoch: int = 0, batch_size: int = 250) -> np.ndarray:
    """Test accuracy of each of N networks (float64 [N]); see `evaluate_networks_full`."""
    results = evaluate_networks_full(keys, states, images, labels, params, spec, epoch=epoch,
                                     batch_size=batch_size)
    return np.asarray([result["accuracy"] for result in results], np.float64)


@functools.partial(jax.jit, static_argnames=("spec", "params_stacked"))
def _label_counts_networks(keys, states, pixels, indices, params, spec, params_stacked):
    return jax.vmap(infer.label_counts_batch.__wrapped__,
                    in_axes=(0, 0, None, None, 0 if params_stacked else None, None))(
        keys, states, pixels, indices, params, spec)


def evaluate_networks_full(keys, states, images, labels, params: Params, spec: Spec, *,
                           epoch: int = 0, batch_size: int = 250,
                           progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """`infer.evaluate`'s result dict for each of N networks, with evaluation key
    fold_in(keys["evaluate"][n], epoch) (or keys[n] for an array of keys). The networks run
    side by side in one vmapped call per batch of images (sharded like the states when there
    are several accelerators). `batch_size` bounds the network-images of one call: each call
    runs max(1, batch_size // N) images of every network, so memory (the random words of one
    presentation, ~2.6 MB per image at the default size) does not grow with N."""
    eval_roots = keys["evaluate"] if isinstance(keys, dict) else keys
    n = eval_roots.shape[0]
    stacked = _is_stacked(params, n)
    train.check_int_argument(batch_size, "batch_size", 1)
    validate(spec, params)
    images, labels = train.check_data_set(images, labels, spec)
    epoch_keys = jax.vmap(lambda k: jax.random.fold_in(k, epoch))(eval_roots)
    return infer.classify_batches(
        lambda batch, indices: _label_counts_networks(epoch_keys, states, batch, indices, params,
                                                      spec, stacked),
        images, labels, spec, max(1, batch_size // n), progress, networks=n)
