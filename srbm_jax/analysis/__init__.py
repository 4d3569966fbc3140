"""Plots of a training run and the spike raster of one training image, as matplotlib Figures.

    read_metrics(path)                                         -> list of dicts from metrics.jsonl
    plot_accuracy(records, out=None, *, ax=None)               test accuracy per epoch
    plot_device_comparison(results, out=None)                  accuracy per epoch and after drift, per device
    plot_study(records, fields, out=None, *, ax=None)          final accuracy against a swept field
    plot_receptive_fields(weight, spec, out=None, n_units=64)  hidden units' weights to the data neurons
    plot_confusion(labels, predictions, out=None, *, ax=None)  10 x 10 confusion matrix
    spike_raster(key, device_state, pixels, label, params, spec)  -> SpikeRaster
    plot_raster(raster, spec, out=None, label=None)            visible and hidden spikes vs time
    plot_image_grid(rows, row_titles, out=None, ...)           completed / generated images
    plot_occlusion(curves, out=None, *, ax=None)               accuracy against the fraction masked
    plot_kl_curves(rows, out=None, *, ax=None)                 sampling fidelity: KL vs samples
    plot_image_record(record, out=None)                        a monitored image: membranes, walk, windows, weights
    plot_inference_record(record, spec, out=None)              a monitored test image: raster, label-group counts
    plot_population_rates(record, spec, out=None)              data / label / hidden rates per phase
    plot_conductance_histograms(device_state, out=None)        histograms of Gp, Gm (each [V, H] field)
    plot_weight_change(before, after, spec, out=None)          weights before / after training, difference
    plot_pixel_histogram(images, threshold, out=None)          pixel values and the input threshold
    plot_calibration(drives, p_on, d0, beta, rms, out=None)    a neuron's activation and its fit

Every plot function returns its `matplotlib.figure.Figure` and writes a file only when it is given
a path `out` (atomically, creating the parent folder; the format follows the suffix, `.png`,
`.pdf`, `.svg`, ...). The single-axes plots take `ax=` to draw into an Axes of the caller's and
return the (root) figure that holds it; `out` then saves that whole figure.

Display: importing this module selects no backend and never imports `matplotlib.pyplot`. The
figures it makes are built without pyplot (`Figure(...)`, the object-oriented API), so they need
no backend at all: they render and save the same headless (no DISPLAY, no MPLBACKEND), in threads
and in scripts, and nothing piles up in pyplot's list of open figures. A bare `Figure` does not
render inline in Jupyter or Colab by itself (IPython registers its PNG formatter for figures only
once pyplot has loaded the inline backend), so they are instances of `InlineFigure`, a `Figure`
subclass whose only addition is `_repr_png_`: a figure that is the last expression of a cell, or is
passed to `IPython.display.display`, shows inline, and once only (pyplot never auto-shows it).
In a plain script, save it (`out=...` or `fig.savefig`); `plt.show()` does not know about it.

`spike_raster` re-runs one image of on-line training with `srbm_jax.train.train_images`
(`keep_rasters=True`) and keeps the rasters that training discards. With `key = image_key(root, e, n)` and the
device state before image n it reproduces that image's spikes (tests/test_run_driver.py checks the
rates against `train_image`'s statistics).
"""
from srbm_jax.analysis.figures import DPI, InlineFigure, read_metrics
from srbm_jax.analysis.generative_plots import (
    plot_calibration,
    plot_image_grid,
    plot_kl_curves,
    plot_occlusion,
)
from srbm_jax.analysis.monitor_plots import (
    plot_conductance_histograms,
    plot_image_record,
    plot_inference_record,
    plot_pixel_histogram,
    plot_population_rates,
    plot_weight_change,
)
from srbm_jax.analysis.network_plots import plot_confusion, plot_receptive_fields
from srbm_jax.analysis.rasters import SpikeRaster, plot_raster, spike_raster
from srbm_jax.analysis.run_plots import plot_accuracy, plot_device_comparison, plot_study

__all__ = ["DPI", "InlineFigure", "SpikeRaster", "plot_accuracy", "plot_calibration",
           "plot_conductance_histograms", "plot_confusion", "plot_device_comparison",
           "plot_image_grid", "plot_image_record", "plot_inference_record", "plot_kl_curves",
           "plot_occlusion", "plot_pixel_histogram", "plot_population_rates", "plot_raster",
           "plot_receptive_fields", "plot_study", "plot_weight_change", "read_metrics",
           "spike_raster"]
