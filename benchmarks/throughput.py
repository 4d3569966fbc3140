"""Training and inference throughput of the default network; one JSON line per measurement.

Usage (the figures in RESULTS.md were produced by exactly these commands):
  python -m benchmarks.throughput                      # on-line, mini-batch, inference, vmapped seeds
  python -m benchmarks.throughput --modes=online --images=200
  python -m benchmarks.throughput --modes=networks --networks=1,2,4,8,16
  python -m benchmarks.throughput --checkpoint=<run or study dir> --modes=online,minibatch,inference,early

--checkpoint measures the regime that matters: a trained network's weights (network --network of
a study) on real MNIST images (the run's validation split, else its test images), whose firing
rates set the cost of the sparse paths; without it, fresh weights on synthetic digits.

Stable figures: after one warm-up call (compilation), each measurement is --repeats windows of at
least --window_s seconds of back-to-back calls; images_per_s is the median window, with min and
max beside it (windows: every window's figure).

Fields: mode ("online", "minibatch", "inference", "early", "networks", "epoch_memory"),
networks (vmapped count), batch (images sharing the weights per step; the lanes of inference),
images_per_s (median window, summed over networks) with _min, _max and windows, ticks_per_s
(simulated ticks of one network per second), peak_rss_mb (process peak resident memory so far),
source, device, jax_version, the spec, and for inference the accuracy (early: with the mean
decision time and the fraction of the fixed path's ticks computed). Without --checkpoint the
images are synthetic MNIST-like digits (19 % of pixels above threshold, the MNIST mean at 0.5), so
no data set is needed; compile time is excluded (one warm-up call of the same shapes).
"""
from __future__ import annotations

import dataclasses
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
from srbm_jax.run import saved_runs
from srbm_jax.schedule import inference_segment, training_segments

FLAGS = flags.FLAGS
flags.DEFINE_list("modes", ["online", "minibatch", "inference", "networks", "epoch_memory"],
                  "What to measure: online, minibatch, inference, early (early-decision "
                  "inference, srbm_jax.decision), networks, epoch_memory.")
flags.DEFINE_list("epoch_images", ["500", "2000"],
                  "epoch_memory: data set sizes streamed through train_epoch, smallest first.")
flags.DEFINE_integer("images", 200, "Images per timed training call (per network).")
flags.DEFINE_integer("test_images", 1000, "Images per timed inference measurement.")
flags.DEFINE_list("batches", ["8", "32"], "Mini-batch sizes to measure.")
flags.DEFINE_integer("inference_batch", 250, "Test images run side by side.")
flags.DEFINE_list("networks", ["1", "2", "4", "8", "16"], "vmapped network counts.")
flags.DEFINE_integer("network_images", 50, "Images per network in the vmapped measurement.")
flags.DEFINE_integer("network_batch", 1, "mode networks: images sharing each network's weights "
                     "per step (1 = on-line; the studies of best.py use 8).")
flags.DEFINE_integer("drive_chunk", 16, "Spec.drive_chunk (0 = dense drive).")
flags.DEFINE_integer("batch_drive_chunk", 0, "Spec.batch_drive_chunk: drive_chunk of images side "
                     "by side (mini-batch, inference, early-decision lanes; 0 = dense drive).")
flags.DEFINE_string("random_source", "hash", "Spec.random_source.")
flags.DEFINE_enum("conductance", "float32", ["float32", "bfloat16_nearest", "bfloat16_stochastic"],
                  "Storage of the gpgm_linear conductances (GpGmLinear storage_dtype, rounding).")
flags.DEFINE_string("checkpoint", "", "A train_mnist run or study directory: time its trained "
                    "weights on real MNIST instead of fresh weights on synthetic digits.")
flags.DEFINE_integer("network", 0, "With --checkpoint of a study: which network.")
flags.DEFINE_multi_string("set", [], "field=value: a numeric neuron or input field changed for "
                          "every measurement (e.g. walk_up=0.03 at inference); "
                          "srbm_jax.run.saved_runs.INFERENCE_FIELDS.")
flags.DEFINE_float("window_s", 3.0, "Seconds per timing window (back-to-back calls).")
flags.DEFINE_integer("repeats", 5, "Timing windows per measurement (median, min, max).")
flags.DEFINE_float("inference_ms", None, "Presentation time of inference (fixed; the longest "
                   "early one); default: the network's own (a checkpoint's config, else 100 ms).")
flags.DEFINE_enum("counting", None, ["packed", "dense"], "The coincidence rule's counting "
                  "(default: the network's own; srbm_jax.rules.PulseCoincidence).")
flags.DEFINE_float("early_margin", 6.0, "mode early: EarlyDecision.margin (spikes).")
flags.DEFINE_float("early_min_ms", 10.0, "mode early: EarlyDecision.min_ms.")
flags.DEFINE_float("init_std", None, "Device init std (default: the device's own, IBM 1.06). The "
                   "sparse drive's cost follows the firing rates, which depend on it: 0.1 gives "
                   "rates close to those of a trained network.")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def windows(step) -> list[float]:
    """Seconds per call of `step` in each of --repeats windows of >= --window_s seconds of
    back-to-back calls, after one warm-up call (compilation)."""
    jax.block_until_ready(step())
    per_call = []
    for _ in range(max(1, FLAGS.repeats)):
        calls, start = 0, time.perf_counter()
        while True:
            jax.block_until_ready(step())
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= FLAGS.window_s:
                break
        per_call.append(elapsed / calls)
    return per_call


def emit(mode: str, networks: int, batch: int, images: int, seconds: list[float],
         ticks_per_image: int, spec: srbm_jax.Spec, source: str, **extra) -> None:
    """One JSON line: images/s (median window; min, max and every window beside it)."""
    rates = sorted(images / s for s in seconds)
    median = float(np.median(rates))
    record = dict(mode=mode, networks=networks, batch=batch, images_per_call=images,
                  images_per_s=round(median, 2), images_per_s_min=round(rates[0], 2),
                  images_per_s_max=round(rates[-1], 2),
                  windows=[round(r, 2) for r in rates], window_s=FLAGS.window_s,
                  ticks_per_s=round(median * ticks_per_image / networks, 1),
                  peak_rss_mb=round(peak_rss_mb(), 1), source=source,
                  device=str(jax.devices()[0].device_kind), backend=jax.default_backend(),
                  jax_version=jax.__version__,
                  spec=dict(n_visible=spec.n_visible, n_hidden=spec.n_hidden_total,
                            dt_ms=spec.dt_ms, drive_chunk=spec.drive_chunk,
                            batch_drive_chunk=spec.batch_drive_chunk,
                            random_source=spec.random_source, device=spec.device.name,
                            rule=spec.rule.name,
                            counting=getattr(spec.rule, "counting", None),
                            init_std=FLAGS.init_std, conductance=FLAGS.conductance), **extra)
    print(json.dumps(record), flush=True)


def training_step(spec, params, state, pixels, labels, batch: int):
    """(one train_chunk call over the images in mini-batches of `batch`, images per call)."""
    key = jax.random.key(0)
    n = pixels.shape[0] - pixels.shape[0] % batch
    shaped = (jnp.asarray(pixels[:n].reshape(-1, batch, spec.n_data), jnp.float32),
              jnp.asarray(labels[:n].reshape(-1, batch)),
              jnp.arange(n, dtype=jnp.int32).reshape(-1, batch))
    return (lambda: srbm_jax.train_chunk(key, state, *shaped, jnp.int32(1), params, spec)), n


def network_and_images(count: int):
    """(spec, params, device state, pixels float [count, n_data], labels, source) for the
    measurement: a trained checkpoint on real MNIST (--checkpoint), else fresh weights on
    synthetic digits."""
    if FLAGS.checkpoint:
        from srbm_jax import encoding, run
        networks, config, metadata = run.load_trained_networks(FLAGS.checkpoint)
        if not 0 <= FLAGS.network < len(networks):
            raise ValueError(f"--network={FLAGS.network} is out of range: allowed [0, "
                             f"{len(networks)})")
        labels_of, spec, params, state = networks[FLAGS.network]
        data = run.load_data(config, verbose=False)
        images, labels = ((data.validation_x, data.validation_y) if len(data.validation_y)
                          else (data.test_x, data.test_y))
        pixels = np.asarray(encoding.to_pixels(images[:count]))
        source = (f"checkpoint {FLAGS.checkpoint} (epoch {metadata['epoch']}, "
                  f"{json.dumps(labels_of)}), MNIST "
                  f"{'validation' if len(data.validation_y) else 'test'} images")
        return spec, params, state, pixels, np.asarray(labels[:count]), source
    storage_dtype, _, rounding = FLAGS.conductance.partition("_")
    spec = srbm_jax.Spec(drive_chunk=FLAGS.drive_chunk, random_source=FLAGS.random_source,
                         device=GpGmLinear(storage_dtype=storage_dtype,
                                           rounding=rounding or "nearest"))
    params = srbm_jax.default_params(spec)
    if FLAGS.init_std is not None:
        params = params.replace(device=params.device.replace(init_std=FLAGS.init_std))
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels, labels = synthetic_digits(count, spec.n_data)
    return spec, params, state, pixels, labels, "fresh weights, synthetic digits"


def main(argv):
    del argv
    spec, params, state, pixels, labels, source = network_and_images(
        max(FLAGS.images, FLAGS.test_images))
    if FLAGS.inference_ms is not None:
        spec = spec.replace(inference_ms=FLAGS.inference_ms)
    spec = spec.replace(batch_drive_chunk=FLAGS.batch_drive_chunk)
    overrides = saved_runs.parse_inference_overrides(FLAGS.set)
    params = saved_runs.with_inference_overrides(params, overrides)
    if overrides:
        source += f", settings {json.dumps(overrides)}"
    if FLAGS.counting is not None:
        if not hasattr(spec.rule, "counting"):
            raise ValueError(f"--counting: the rule {spec.rule.name!r} has no counting option")
        spec = spec.replace(rule=dataclasses.replace(spec.rule, counting=FLAGS.counting))
    train_ticks = sum(segment.n_ticks for segment in training_segments(spec))
    infer_ticks = inference_segment(spec).n_ticks

    if "online" in FLAGS.modes:
        step, n = training_step(spec, params, state, pixels[:FLAGS.images],
                                labels[:FLAGS.images], 1)
        emit("online", 1, 1, n, windows(step), train_ticks, spec, source)
    if "minibatch" in FLAGS.modes:
        for batch in map(int, FLAGS.batches):
            step, n = training_step(spec, params, state, pixels[:FLAGS.images],
                                    labels[:FLAGS.images], batch)
            emit("minibatch", 1, batch, n, windows(step), train_ticks, spec, source)
    test, test_labels = pixels[:FLAGS.test_images], labels[:FLAGS.test_images]
    key = jax.random.key(0)
    if "inference" in FLAGS.modes:
        result = {}

        def infer():
            result.update(srbm_jax.evaluate(key, state, test, test_labels, params, spec,
                                            batch_size=FLAGS.inference_batch))
            return result["counts"]
        seconds = windows(infer)
        emit("inference", 1, FLAGS.inference_batch, test.shape[0], seconds, infer_ticks, spec,
             source, accuracy=result["accuracy"],
             accuracy_100ms=float(result["accuracy_vs_time"][min(spec.ticks(100.0),
                                                                 infer_ticks) - 1]))
    if "early" in FLAGS.modes:
        from srbm_jax.decision import EarlyDecision, evaluate_early
        rule = EarlyDecision(FLAGS.early_margin, FLAGS.early_min_ms)
        result = {}

        def early():
            result.update(evaluate_early(key, state, test, test_labels, params, spec, rule,
                                         batch_size=FLAGS.inference_batch,
                                         chunk=test.shape[0]))
            return result["counts"]
        seconds = windows(early)
        emit("early", 1, FLAGS.inference_batch, test.shape[0], seconds, infer_ticks, spec,
             source, accuracy=result["accuracy"], mean_decision_ms=result["mean_decision_ms"],
             ticks_run_fraction=result["ticks_run_fraction"], margin=rule.margin,
             min_ms=rule.min_ms)
    if "epoch_memory" in FLAGS.modes:
        # train_epoch streams uint8 images to the device chunk by chunk: the process's peak RSS
        # after a 4x larger data set should grow by no more than the uint8 images themselves.
        for count in sorted(map(int, FLAGS.epoch_images)):
            images, image_labels = synthetic_digits(count, spec.n_data, seed=1)
            images = (images * 255).astype(np.uint8)
            start = time.perf_counter()
            jax.block_until_ready(srbm_jax.train_epoch(key, state, images, image_labels, params,
                                                       spec, chunk_size=250)[0])
            emit("epoch_memory", 1, 1, count, [time.perf_counter() - start], train_ticks, spec,
                 source, uint8_images_mb=round(images.nbytes / 2**20, 2))
    if "networks" in FLAGS.modes:
        batch = FLAGS.network_batch
        n = FLAGS.network_images - FLAGS.network_images % batch
        if n < batch:
            raise ValueError(f"network_images = {FLAGS.network_images} is out of range: allowed "
                             f">= network_batch ({batch})")
        shaped = (jnp.asarray(pixels[:n].reshape(n // batch, batch, -1), jnp.float32),
                  jnp.asarray(labels[:n].reshape(n // batch, batch)),
                  jnp.arange(n, dtype=jnp.int32).reshape(n // batch, batch))
        vmapped = jax.jit(jax.vmap(train_lib.train_chunk.__wrapped__,
                                   in_axes=(0, 0, None, None, None, None, None, None)),
                          static_argnames=("spec",))
        for count in map(int, FLAGS.networks):
            # Split over the local devices when there are several (sweep.network_sharding), e.g.
            # XLA_FLAGS=--xla_force_host_platform_device_count=2 on a 2-core CPU.
            sharding = sweep.network_sharding(count)
            keys = sweep.shard_networks(jax.random.split(jax.random.key(1), count), sharding)
            states = sweep.shard_networks(
                jax.tree_util.tree_map(lambda leaf, count=count: jnp.broadcast_to(
                    leaf, (count,) + leaf.shape), state), sharding)
            seconds = windows(lambda keys=keys, states=states: vmapped(
                keys, states, *shaped, jnp.int32(1), params, spec))
            emit("networks", count, batch, n * count, seconds, train_ticks, spec, source,
                 sharded_over=1 if sharding is None else len(sharding.device_set))


if __name__ == "__main__":
    app.run(main)
