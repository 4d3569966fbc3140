"""Training and inference throughput of the default network; one JSON line per measurement.

Usage (the figures in RESULTS.md were produced by exactly these commands):
  python -m benchmarks.throughput                      # on-line, mini-batch, inference, vmapped seeds
  python -m benchmarks.throughput --modes=online --images=200
  python -m benchmarks.throughput --modes=networks --networks=1,2,4,8,16

Fields: mode ("online", "minibatch", "inference", "networks"), networks (vmapped count),
batch (images sharing the weights per step), images_per_s (summed over networks), ticks_per_s
(simulated ticks of one network per second), peak_rss_mb (process peak resident memory so far),
device, jax_version, and the spec. Images are synthetic MNIST-like digits (19 % of pixels above
threshold, the MNIST mean at 0.5), so no data set is needed; compile time is excluded (one warm-up
call of the same shapes).
"""
from __future__ import annotations

import json
import resource
import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags

import srbm_jax
from srbm_jax import sweep
from srbm_jax import train as train_lib
from srbm_jax.data import synthetic_digits
from srbm_jax.devices import GpGmLinear
from srbm_jax.schedule import inference_segment, training_segments

FLAGS = flags.FLAGS
flags.DEFINE_list("modes", ["online", "minibatch", "inference", "networks", "epoch_memory"],
                  "What to measure.")
flags.DEFINE_list("epoch_images", ["500", "2000"],
                  "epoch_memory: data set sizes streamed through train_epoch, smallest first.")
flags.DEFINE_integer("images", 200, "Images per timed training call (per network).")
flags.DEFINE_integer("test_images", 1000, "Images per timed inference measurement.")
flags.DEFINE_list("batches", ["8", "32"], "Mini-batch sizes to measure.")
flags.DEFINE_integer("inference_batch", 250, "Test images run side by side.")
flags.DEFINE_list("networks", ["1", "2", "4", "8", "16"], "vmapped network counts.")
flags.DEFINE_integer("network_images", 50, "Images per network in the vmapped measurement.")
flags.DEFINE_integer("drive_chunk", 16, "Spec.drive_chunk (0 = dense drive).")
flags.DEFINE_string("random_source", "hash", "Spec.random_source.")
flags.DEFINE_enum("conductance", "float32", ["float32", "bfloat16_nearest", "bfloat16_stochastic"],
                  "Storage of the gpgm_linear conductances (GpGmLinear storage_dtype, rounding).")
flags.DEFINE_float("init_std", None, "Device init std (default: the device's own, IBM 1.06). The "
                   "sparse drive's cost follows the firing rates, which depend on it: 0.1 gives "
                   "rates close to those of a trained network.")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(mode: str, networks: int, batch: int, images: int, seconds: float, ticks_per_image: int,
         spec: srbm_jax.Spec, **extra) -> None:
    record = dict(mode=mode, networks=networks, batch=batch,
                  images_per_s=round(images / seconds, 2),
                  ticks_per_s=round(images * ticks_per_image / seconds / networks, 1),
                  seconds=round(seconds, 3), peak_rss_mb=round(peak_rss_mb(), 1),
                  device=str(jax.devices()[0].device_kind), backend=jax.default_backend(),
                  jax_version=jax.__version__,
                  spec=dict(n_visible=spec.n_visible, n_hidden=spec.n_hidden_total,
                            dt_ms=spec.dt_ms, drive_chunk=spec.drive_chunk,
                            random_source=spec.random_source, device=spec.device.name,
                            init_std=FLAGS.init_std, conductance=FLAGS.conductance), **extra)
    print(json.dumps(record), flush=True)


def time_training(spec, params, pixels, labels, batch: int) -> float:
    key = jax.random.key(0)
    state = srbm_jax.init_device(key, params, spec)
    n = pixels.shape[0] - pixels.shape[0] % batch
    shaped = (jnp.asarray(pixels[:n].reshape(-1, batch, spec.n_data)),
              jnp.asarray(labels[:n].reshape(-1, batch)),
              jnp.arange(n, dtype=jnp.int32).reshape(-1, batch))
    jax.block_until_ready(srbm_jax.train_chunk(key, state, *shaped, jnp.int32(0), params, spec))
    start = time.perf_counter()
    jax.block_until_ready(srbm_jax.train_chunk(key, state, *shaped, jnp.int32(1), params, spec))
    return time.perf_counter() - start, n


def main(argv):
    del argv
    storage_dtype, _, rounding = FLAGS.conductance.partition("_")
    spec = srbm_jax.Spec(drive_chunk=FLAGS.drive_chunk, random_source=FLAGS.random_source,
                         device=GpGmLinear(storage_dtype=storage_dtype,
                                           rounding=rounding or "nearest"))
    params = srbm_jax.default_params(spec)
    if FLAGS.init_std is not None:
        params = params.replace(device=params.device.replace(init_std=FLAGS.init_std))
    train_ticks = sum(segment.n_ticks for segment in training_segments(spec))
    pixels, labels = synthetic_digits(max(FLAGS.images, FLAGS.test_images), spec.n_data)

    if "online" in FLAGS.modes:
        seconds, n = time_training(spec, params, pixels[:FLAGS.images], labels[:FLAGS.images], 1)
        emit("online", 1, 1, n, seconds, train_ticks, spec)
    if "minibatch" in FLAGS.modes:
        for batch in map(int, FLAGS.batches):
            seconds, n = time_training(spec, params, pixels[:FLAGS.images],
                                       labels[:FLAGS.images], batch)
            emit("minibatch", 1, batch, n, seconds, train_ticks, spec)
    if "inference" in FLAGS.modes:
        key = jax.random.key(0)
        state = srbm_jax.init_device(key, params, spec)
        test = pixels[:FLAGS.test_images]
        srbm_jax.evaluate(key, state, test[:FLAGS.inference_batch], None, params, spec,
                          batch_size=FLAGS.inference_batch)
        start = time.perf_counter()
        srbm_jax.evaluate(key, state, test, None, params, spec, batch_size=FLAGS.inference_batch)
        emit("inference", 1, FLAGS.inference_batch, test.shape[0], time.perf_counter() - start,
             inference_segment(spec).n_ticks, spec)
    if "epoch_memory" in FLAGS.modes:
        # train_epoch streams uint8 images to the device chunk by chunk: the process's peak RSS
        # after a 4x larger data set should grow by no more than the uint8 images themselves.
        key = jax.random.key(0)
        for count in sorted(map(int, FLAGS.epoch_images)):
            images, image_labels = synthetic_digits(count, spec.n_data, seed=1)
            images = (images * 255).astype(np.uint8)
            state = srbm_jax.init_device(key, params, spec)
            start = time.perf_counter()
            jax.block_until_ready(srbm_jax.train_epoch(key, state, images, image_labels, params,
                                                       spec, chunk_size=250)[0])
            emit("epoch_memory", 1, 1, count, time.perf_counter() - start, train_ticks, spec,
                 uint8_images_mb=round(images.nbytes / 2**20, 2))
    if "networks" in FLAGS.modes:
        n = FLAGS.network_images
        shaped = (jnp.asarray(pixels[:n].reshape(n, 1, -1)), jnp.asarray(labels[:n].reshape(n, 1)),
                  jnp.arange(n, dtype=jnp.int32).reshape(n, 1))
        vmapped = jax.jit(jax.vmap(train_lib.train_chunk.__wrapped__,
                                   in_axes=(0, 0, None, None, None, None, None, None)),
                          static_argnames=("spec",))
        for count in map(int, FLAGS.networks):
            # Split over the local devices when there are several (sweep.network_sharding), e.g.
            # XLA_FLAGS=--xla_force_host_platform_device_count=2 on a 2-core CPU.
            sharding = sweep.network_sharding(count)
            keys = sweep.shard_networks(jax.random.split(jax.random.key(1), count), sharding)
            states = sweep.shard_networks(
                jax.vmap(lambda k: srbm_jax.init_device(k, params, spec))(keys), sharding)
            jax.block_until_ready(vmapped(keys, states, *shaped, jnp.int32(0), params, spec))
            start = time.perf_counter()
            jax.block_until_ready(vmapped(keys, states, *shaped, jnp.int32(1), params, spec))
            emit("networks", count, 1, n * count, time.perf_counter() - start, train_ticks, spec,
                 sharded_over=1 if sharding is None else len(sharding.device_set))


if __name__ == "__main__":
    app.run(main)
