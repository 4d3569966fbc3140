"""srbm_jax: a spiking RBM trained on-line by event-driven contrastive divergence, in JAX.

Data path: pixels -> encoding (spike probabilities) -> network (LIF ticks in `lax.scan`) ->
plasticity (pulse coincidences) -> devices (Gp - Gm conductances) -> weights -> next image.
The model, its equations and every default: docs/model.md.

Submodules for users: `run` (configs -> runs: `run.train_and_evaluate`, the run driver, saved
runs), `sweep` (many networks vmapped), `study` and `compare` (studies and device comparisons),
`analysis` (plots that return matplotlib figures), `data` (MNIST), `devices`, `checkpoint`.
"""
from srbm_jax import (
    analysis,
    checkpoint,
    compare,
    data,
    decay,
    devices,
    encoding,
    network,
    neurons,
    plasticity,
    run,
    schedule,
    study,
    sweep,
)
from srbm_jax.config import Params, Spec, default_params, validate, validate_spec
from srbm_jax.devices import DEVICES, GpGmLinear, IdealWeight, make_device, register_device
from srbm_jax.infer import evaluate, label_counts, label_counts_batch, label_counts_per_tick
from srbm_jax.train import ImageStats, image_key, init_device, train_chunk, train_epoch, train_image

__version__ = "0.2.0"

__all__ = ["DEVICES", "GpGmLinear", "IdealWeight", "ImageStats", "Params", "Spec", "analysis",
           "checkpoint", "compare", "data", "decay", "default_params", "devices", "encoding", "evaluate",
           "image_key", "init_device", "label_counts", "label_counts_batch",
           "label_counts_per_tick", "make_device", "network", "neurons", "plasticity",
           "register_device", "run", "schedule", "study", "sweep", "train_chunk", "train_epoch",
           "train_image", "validate", "validate_spec"]
