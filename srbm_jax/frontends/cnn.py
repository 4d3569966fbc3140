"""The seed slides' small CNN as a feature front end ("CNN + sRBM").

The network (Flax, `SlidesCnn`), as the slides' Keras summary lists it: conv 3x3x5, conv 3x3x5
(valid padding, ReLU), 2x2 max-pool, conv 3x3x12, conv 3x3x12, flatten (768), dense 128 (ReLU),
dense 10; 101,862 parameters. It is trained once on MNIST's training split with Optax
(`train_cnn`) and saved with per-feature scales (`save_cnn`). The sRBM then reads its features,
never its dense layers:

* Mode 1: the 720 features after the max-pool (12 x 12 x 5);
* Mode 2: the 768 features after the fourth convolution (8 x 8 x 12);

channel-major (feature index c * h * w + i * w + j, as the slides' `pixel[64 m + 8 i + j]`).
Each feature is divided by its scale (its 99th percentile over the training images, so most of
its range maps into [0, 1]), clipped to [0, 1], and coded like a pixel by `Spec.input_coding`:
threshold (> input_threshold spikes at spike_rate_hz) or rate (p = value * spike_rate * dt).
The CNN's parameters and scales are `Params.front_end` (`CnnParams`), traced with the run.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct

from srbm_jax import checkpoint
from srbm_jax.frontends.base import FrontEnd, thresholded

FORMAT = "srbm_jax.cnn/1"
FEATURES = {1: 720, 2: 768}


class SlidesCnn(nn.Module):
    """The slides' CNN; `mode` 1 or 2 returns those features (channel-major), None the logits."""

    @nn.compact
    def __call__(self, x, mode: int | None = None):
        x = nn.relu(nn.Conv(5, (3, 3), padding="VALID")(x))
        x = nn.relu(nn.Conv(5, (3, 3), padding="VALID")(x))
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
        if mode == 1:
            return jnp.transpose(x, (0, 3, 1, 2)).reshape(x.shape[0], -1)
        x = nn.relu(nn.Conv(12, (3, 3), padding="VALID")(x))
        x = nn.relu(nn.Conv(12, (3, 3), padding="VALID")(x))
        if mode == 2:
            return jnp.transpose(x, (0, 3, 1, 2)).reshape(x.shape[0], -1)
        x = nn.relu(nn.Dense(128)(x.reshape(x.shape[0], -1)))
        return nn.Dense(10)(x)


@struct.dataclass
class CnnParams:
    """cnn: the Flax parameters of `SlidesCnn`; scales: float32 [features of the mode]."""

    cnn: Any
    scales: Any


def _images(pixels) -> jnp.ndarray:
    pixels = np.asarray(pixels)
    pixels = pixels / 255.0 if pixels.dtype == np.uint8 else pixels
    return jnp.asarray(pixels, jnp.float32).reshape(-1, 28, 28, 1)


def init_cnn(key) -> Any:
    """Fresh parameters of SlidesCnn."""
    return SlidesCnn().init(key, jnp.zeros((1, 28, 28, 1)))["params"]


def predict(cnn_params, images, batch_size: int = 1000) -> np.ndarray:
    """int32 [N] classes by the CNN's own dense layers."""
    apply = jax.jit(lambda p, x: jnp.argmax(SlidesCnn().apply({"params": p}, x), axis=1))
    x = _images(images)
    return np.concatenate([np.asarray(apply(cnn_params, x[i:i + batch_size]))
                           for i in range(0, x.shape[0], batch_size)]).astype(np.int32)


def features(cnn_params, images, mode: int, batch_size: int = 1000) -> np.ndarray:
    """float32 [N, FEATURES[mode]] unscaled ReLU features."""
    apply = jax.jit(lambda p, x: SlidesCnn().apply({"params": p}, x, mode))
    x = _images(images)
    return np.concatenate([np.asarray(apply(cnn_params, x[i:i + batch_size]))
                           for i in range(0, x.shape[0], batch_size)])


def train_cnn(key, images, labels, *, epochs: int = 3, batch_size: int = 128,
              learning_rate: float = 1e-3, progress=None) -> Any:
    """SlidesCnn trained with Adam and cross-entropy on `images` (uint8 or float [N, 28, 28] or
    [N, 784]) and `labels`; `progress(epoch, batch, n_batches)` is called per batch."""
    x, y = _images(images), jnp.asarray(labels, jnp.int32)
    params = init_cnn(jax.random.fold_in(key, 0))
    optimizer = optax.adam(learning_rate)
    state = optimizer.init(params)

    @jax.jit
    def step(params, state, xb, yb):
        def loss(params):
            logits = SlidesCnn().apply({"params": params}, xb)
            return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()
        grads = jax.grad(loss)(params)
        updates, state = optimizer.update(grads, state)
        return optax.apply_updates(params, updates), state

    n_batches = max(x.shape[0] // batch_size, 1)
    for epoch in range(epochs):
        order = jax.random.permutation(jax.random.fold_in(key, epoch + 1), x.shape[0])
        for b in range(n_batches):
            take = order[b * batch_size:(b + 1) * batch_size]
            params, state = step(params, state, x[take], y[take])
            if progress is not None:
                progress(epoch, b, n_batches)
    return params


def feature_scales(cnn_params, images, mode: int, percentile: float = 99.0) -> np.ndarray:
    """float32 [features]: each feature's `percentile` over `images` (1 where it is 0)."""
    values = features(cnn_params, images, mode)
    scales = np.percentile(values, percentile, axis=0).astype(np.float32)
    return np.where(scales > 0, scales, 1.0).astype(np.float32)


def save_cnn(path, cnn_params, scales: dict[int, np.ndarray], metadata: dict) -> Path:
    """Atomic, checksummed checkpoint: the parameters and the scales of both modes."""
    tree = {"cnn": cnn_params, "scales": {str(m): np.asarray(s) for m, s in scales.items()}}
    return checkpoint.save(path, tree, {"format": FORMAT, **metadata})


def load_cnn(path) -> tuple[Any, dict[int, np.ndarray], dict]:
    """(cnn params, {mode: scales}, metadata); ValueError for a file that is not one."""
    like = {"cnn": init_cnn(jax.random.key(0)),
            "scales": {str(m): np.zeros(n, np.float32) for m, n in FEATURES.items()}}
    try:
        tree, metadata = checkpoint.load(path, like)
    except ValueError as e:
        raise ValueError(f"{path} is not a SlidesCnn checkpoint: {e}") from e
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path} is not a SlidesCnn checkpoint (format "
                         f"{metadata.get('format')!r})")
    return tree["cnn"], {int(m): s for m, s in tree["scales"].items()}, metadata


@dataclasses.dataclass(frozen=True)
class CnnFeatures(FrontEnd):
    """The CNN's Mode 1 (720) or Mode 2 (768) features as data neurons (module docstring)."""

    mode: int = 2
    name: str = "cnn"

    def input_size(self, spec) -> int:
        return 784

    def output_size(self, spec) -> int:
        return FEATURES.get(self.mode, -1)

    def validate(self, spec, params) -> None:
        if self.mode not in FEATURES:
            raise ValueError(f"config.front_end.mode = {self.mode!r} is out of range: allowed 1 "
                             "(720 features after the max-pool) or 2 (768 after conv 4)")
        if not isinstance(params.front_end, CnnParams):
            raise ValueError("Params.front_end is out of range for front end 'cnn': allowed "
                             "CnnParams (load_cnn)")
        super().validate(spec, params)

    def probabilities(self, pixels, params, spec):
        batch_shape = pixels.shape[:-1]
        x = pixels.reshape(-1, 28, 28, 1)
        values = SlidesCnn().apply({"params": params.front_end.cnn}, x, self.mode)
        values = jnp.clip(values / params.front_end.scales[None, :], 0.0, 1.0)
        values = values.reshape(*batch_shape, -1)
        p_on = params.spike_rate_hz * spec.dt_ms * 1e-3
        if spec.input_coding == "threshold":
            return thresholded(values, params.input_threshold, p_on)
        return (values * p_on).astype(jnp.float32)


def cnn_params_from_checkpoint(path, mode: int) -> CnnParams:
    """CnnParams of `mode` from a `save_cnn` checkpoint."""
    cnn, scales, _ = load_cnn(path)
    if mode not in scales:
        raise ValueError(f"config.front_end.mode = {mode!r} is out of range: allowed 1 or 2")
    return CnnParams(cnn, jnp.asarray(scales[mode]))
