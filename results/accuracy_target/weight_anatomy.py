"""Where the extreme weights of the accuracy-target networks sit, and what the one always-on
hidden unit per network does (RESULTS 11, "the saturated units").

  python results/accuracy_target/weight_anatomy.py <workdir of a run or study> [images]

For every network of the checkpoint: the pixel weights below -5 and above +5 (counts, units,
and how often their pixels spike in the 50,000 training images at the run's threshold), the
bias weights (are they at the device bound?), and the validation accuracy of the network as
trained and with its most extreme hidden unit silenced (its column set to Gp = Gm = the
device's mid conductance), on the first `images` validation images (default 2,000), at the
run's presentation time and at 100 ms. Prints one JSON line per network.
"""
from __future__ import annotations

import json
import sys

import jax
import numpy as np

import srbm_jax
from srbm_jax import run
from srbm_jax.run.saved_runs import load_trained_networks

EXTREME = 5.0  # |w| beyond which a weight counts as extreme (the device bound is +-10)


def main(workdir: str, n_images: int = 2000) -> None:
    networks, config, metadata = load_trained_networks(workdir)
    data = run.load_data(config, verbose=False)
    train = np.asarray(data.train_x, np.float32).reshape(len(data.train_x), -1)
    train = train / 255.0 if train.max() > 1.5 else train
    p_on = (train > config.input_threshold).mean(0)  # strict rule, as encoding does
    images, labels = data.validation_x[:n_images], data.validation_y[:n_images]
    n_data, n_hidden = config.n_data, config.n_hidden
    n_visible = n_data + config.n_label
    key = jax.random.key(0)
    for label, spec, params, state in networks:
        g_plus, g_minus = np.asarray(state.g_plus), np.asarray(state.g_minus)
        weight = g_plus - g_minus
        pixels = weight[:n_data, :n_hidden]
        low, high = pixels < -EXTREME, pixels > EXTREME
        unit = int(np.argmax(high.sum(0) + low.sum(0)))
        others = np.setdiff1d(np.arange(n_hidden), [unit])
        hidden_bias = weight[n_visible:, :n_hidden].sum(0)
        mid = 0.5 * (float(config.device.g_min) + float(config.device.g_max))
        silenced = state._replace(
            g_plus=jax.numpy.asarray(g_plus).at[:, unit].set(mid),
            g_minus=jax.numpy.asarray(g_minus).at[:, unit].set(mid))
        trained = srbm_jax.evaluate(key, state, images, labels, params, spec)
        without = srbm_jax.evaluate(key, silenced, images, labels, params, spec)
        short = spec.ticks(100.0) - 1
        print(json.dumps({
            **label, "epoch": metadata["epoch"],
            "pixel_weights_below_-5": int(low.sum()),
            "units_with_weights_below_-5": int(low.any(0).sum()),
            "extreme_unit": unit,
            "extreme_unit_weights_above_+5": int(high[:, unit].sum()),
            "extreme_unit_weights_below_-5": int(low[:, unit].sum()),
            "extreme_unit_hidden_bias_sum": float(hidden_bias[unit]),
            "hidden_bias_sum_others_mean": float(hidden_bias[others].mean()),
            "hidden_bias_sum_others_max": float(hidden_bias[others].max()),
            "extreme_unit_label_weight_per_class": np.round(
                weight[n_data:n_visible, unit].reshape(10, -1).mean(1), 2).tolist(),
            "p_on_where_extreme_unit_above_+5": float(np.median(p_on[high[:, unit]])),
            "p_on_where_extreme_unit_below_-5": float(np.median(p_on[low[:, unit]])),
            "other_units_with_weights_below_-5": int(low[:, others].any(0).sum()),
            "p_on_where_other_units_below_-5": float(np.median(
                np.broadcast_to(p_on[:, None], low.shape)[:, others][low[:, others]])),
            "p_on_all_pixels_median": float(np.median(p_on)),
            "visible_bias_weights_at_bound_fraction": float(
                (np.abs(weight[:n_visible, n_hidden:]) > 9.5).mean()),
            "validation_images": len(labels),
            "accuracy": trained["accuracy"],
            "accuracy_100ms": float(trained["accuracy_vs_time"][short]),
            "accuracy_extreme_unit_silenced": without["accuracy"],
            "accuracy_100ms_extreme_unit_silenced": float(without["accuracy_vs_time"][short]),
        }), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
