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

A bigger CNN (the issue allows one as a further row) is the same network with more channels
per convolution and, optionally, a 2 x 2 max-pool after the fourth (`CnnArchitecture`; e.g.
channels (16, 16, 32, 48) with the final pool: Mode 2 is again 4 x 4 x 48 = 768 features). The
architecture is saved in the checkpoint and read back with it, so the front end follows the
checkpoint it is given.
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
MODES = (1, 2)
DEFAULT_CNN_CHECKPOINT = "results/cnn/cnn.npz"  # experiments/train_cnn.py


@dataclasses.dataclass(frozen=True)
class CnnArchitecture:
    """channels: output channels of the four 3x3 valid convolutions (the slides': 5, 5, 12, 12);
    final_pool: a 2x2 max-pool after the fourth (ours, for wider networks; Mode 2 reads after
    it). Static: it fixes the parameter shapes and the feature sizes."""

    channels: tuple = (5, 5, 12, 12)
    final_pool: bool = False

    def __post_init__(self):
        channels = tuple(self.channels)
        if len(channels) != 4 or not all(isinstance(c, int) and c >= 1 for c in channels):
            raise ValueError(f"CNN channels = {self.channels!r} is out of range: allowed four "
                             "integers >= 1 (the output channels of the four convolutions)")
        object.__setattr__(self, "channels", channels)
        object.__setattr__(self, "final_pool", bool(self.final_pool))

    def feature_shape(self, mode: int) -> tuple[int, int, int]:
        """(channels, height, width) of the features of `mode` (1: after the first max-pool,
        2: after the fourth convolution, and its pool if final_pool)."""
        if mode == 1:
            return self.channels[1], 12, 12
        side = 4 if self.final_pool else 8
        return self.channels[3], side, side

    def feature_size(self, mode: int) -> int:
        c, h, w = self.feature_shape(mode)
        return c * h * w

    def to_metadata(self) -> dict:
        return {"channels": list(self.channels), "final_pool": self.final_pool}

    @classmethod
    def from_metadata(cls, metadata: dict) -> CnnArchitecture:
        """The architecture a checkpoint's metadata records (the slides' when it records none,
        as the checkpoints written before this field)."""
        record = metadata.get("architecture", {})
        return cls(tuple(record.get("channels", cls.channels)),
                   record.get("final_pool", cls.final_pool))


SLIDES = CnnArchitecture()
FEATURES = {mode: SLIDES.feature_size(mode) for mode in MODES}  # the slides' 720 and 768


class SlidesCnn(nn.Module):
    """The slides' CNN (`arch`: its channels, or a wider one); `mode` 1 or 2 returns those
    features (channel-major), None the logits."""

    arch: CnnArchitecture = SLIDES

    @nn.compact
    def __call__(self, x, mode: int | None = None):
        c1, c2, c3, c4 = self.arch.channels
        x = nn.relu(nn.Conv(c1, (3, 3), padding="VALID")(x))
        x = nn.relu(nn.Conv(c2, (3, 3), padding="VALID")(x))
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
        if mode == 1:
            return jnp.transpose(x, (0, 3, 1, 2)).reshape(x.shape[0], -1)
        x = nn.relu(nn.Conv(c3, (3, 3), padding="VALID")(x))
        x = nn.relu(nn.Conv(c4, (3, 3), padding="VALID")(x))
        if self.arch.final_pool:
            x = nn.max_pool(x, (2, 2), strides=(2, 2))
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


def init_cnn(key, arch: CnnArchitecture = SLIDES) -> Any:
    """Fresh parameters of SlidesCnn(arch)."""
    return SlidesCnn(arch).init(key, jnp.zeros((1, 28, 28, 1)))["params"]


def predict(cnn_params, images, batch_size: int = 1000,
            arch: CnnArchitecture = SLIDES) -> np.ndarray:
    """int32 [N] classes by the CNN's own dense layers."""
    apply = jax.jit(lambda p, x: jnp.argmax(SlidesCnn(arch).apply({"params": p}, x), axis=1))
    x = _images(images)
    return np.concatenate([np.asarray(apply(cnn_params, x[i:i + batch_size]))
                           for i in range(0, x.shape[0], batch_size)]).astype(np.int32)


def features(cnn_params, images, mode: int, batch_size: int = 1000,
             arch: CnnArchitecture = SLIDES) -> np.ndarray:
    """float32 [N, arch.feature_size(mode)] unscaled ReLU features."""
    apply = jax.jit(lambda p, x: SlidesCnn(arch).apply({"params": p}, x, mode))
    x = _images(images)
    return np.concatenate([np.asarray(apply(cnn_params, x[i:i + batch_size]))
                           for i in range(0, x.shape[0], batch_size)])


def train_cnn(key, images, labels, *, epochs: int = 3, batch_size: int = 128,
              learning_rate: float = 1e-3, progress=None,
              arch: CnnArchitecture = SLIDES) -> Any:
    """SlidesCnn(arch) trained with Adam and cross-entropy on `images` (uint8 or float
    [N, 28, 28] or [N, 784]) and `labels`; `progress(epoch, batch, n_batches)` is called per
    batch."""
    x, y = _images(images), jnp.asarray(labels, jnp.int32)
    params = init_cnn(jax.random.fold_in(key, 0), arch)
    optimizer = optax.adam(learning_rate)
    state = optimizer.init(params)

    @jax.jit
    def step(params, state, xb, yb):
        def loss(params):
            logits = SlidesCnn(arch).apply({"params": params}, xb)
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


def feature_scales(cnn_params, images, mode: int, percentile: float = 99.0,
                   arch: CnnArchitecture = SLIDES) -> np.ndarray:
    """float32 [features]: each feature's `percentile` over `images` (1 where it is 0)."""
    values = features(cnn_params, images, mode, arch=arch)
    scales = np.percentile(values, percentile, axis=0).astype(np.float32)
    return np.where(scales > 0, scales, 1.0).astype(np.float32)


def save_cnn(path, cnn_params, scales: dict[int, np.ndarray], metadata: dict,
             arch: CnnArchitecture = SLIDES) -> Path:
    """Atomic, checksummed checkpoint: the parameters, the scales of both modes and the
    architecture (in the metadata, "architecture")."""
    tree = {"cnn": cnn_params, "scales": {str(m): np.asarray(s) for m, s in scales.items()}}
    return checkpoint.save(path, tree, {"format": FORMAT, **metadata,
                                        "architecture": arch.to_metadata()})


def load_cnn(path) -> tuple[Any, dict[int, np.ndarray], dict]:
    """(cnn params, {mode: scales}, metadata); the architecture is
    `CnnArchitecture.from_metadata(metadata)`. ValueError for a file that is not one."""
    try:
        arch = CnnArchitecture.from_metadata(checkpoint.read_metadata(path))
        like = {"cnn": init_cnn(jax.random.key(0), arch),
                "scales": {str(m): np.zeros(arch.feature_size(m), np.float32) for m in MODES}}
        tree, metadata = checkpoint.load(path, like)
    except ValueError as e:
        raise ValueError(f"{path} is not a SlidesCnn checkpoint: {e}") from e
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path} is not a SlidesCnn checkpoint (format "
                         f"{metadata.get('format')!r})")
    return tree["cnn"], {int(m): s for m, s in tree["scales"].items()}, metadata


@dataclasses.dataclass(frozen=True)
class CnnFeatures(FrontEnd):
    """The CNN's Mode 1 or Mode 2 features as data neurons (the slides' CNN: 720 or 768;
    module docstring). arch: the CNN's architecture, as its checkpoint records it."""

    mode: int = 2
    arch: CnnArchitecture = SLIDES
    name: str = "cnn"

    def input_size(self, spec) -> int:
        return 784

    def output_size(self, spec) -> int:
        return self.arch.feature_size(self.mode) if self.mode in MODES else -1

    @classmethod
    def section_defaults(cls) -> dict:
        """mode and the checkpoint (the architecture is the checkpoint's)."""
        return {"mode": 2, "checkpoint": DEFAULT_CNN_CHECKPOINT}

    @classmethod
    def from_section(cls, values: dict, seed) -> tuple[CnnFeatures, CnnParams]:
        mode = values.get("mode", 2)
        if mode not in MODES:
            raise ValueError(f"config.front_end.mode: {mode!r} is out of range: allowed 1 (the "
                             "features after the max-pool: 720 for the slides' CNN) or 2 (after "
                             "conv 4: 768)")
        return cnn_from_checkpoint(values.get("checkpoint", DEFAULT_CNN_CHECKPOINT), mode)

    @classmethod
    def default_n_data(cls) -> int:
        return SLIDES.feature_size(2)  # the default checkpoint is the slides' CNN

    def validate(self, spec, params) -> None:
        if self.mode not in MODES:
            raise ValueError(f"config.front_end.mode = {self.mode!r} is out of range: allowed 1 "
                             "(the features after the max-pool) or 2 (after conv 4)")
        if not isinstance(params.front_end, CnnParams):
            raise ValueError("Params.front_end is out of range for front end 'cnn': allowed "
                             "CnnParams (load_cnn)")
        super().validate(spec, params)

    def probabilities(self, pixels, params, spec):
        batch_shape = pixels.shape[:-1]
        x = pixels.reshape(-1, 28, 28, 1)
        values = SlidesCnn(self.arch).apply({"params": params.front_end.cnn}, x, self.mode)
        values = jnp.clip(values / params.front_end.scales[None, :], 0.0, 1.0)
        values = values.reshape(*batch_shape, -1)
        p_on = params.spike_rate_hz * spec.dt_ms * 1e-3
        if spec.input_coding == "threshold":
            return thresholded(values, params.input_threshold, p_on)
        return (values * p_on).astype(jnp.float32)


def cnn_from_checkpoint(path, mode: int) -> tuple[CnnFeatures, CnnParams]:
    """(the front end, with the architecture the checkpoint records; its CnnParams of `mode`)
    from a `save_cnn` checkpoint."""
    cnn, scales, metadata = load_cnn(path)
    if mode not in scales:
        raise ValueError(f"config.front_end.mode = {mode!r} is out of range: allowed 1 or 2")
    arch = CnnArchitecture.from_metadata(metadata)
    return CnnFeatures(mode, arch), CnnParams(cnn, jnp.asarray(scales[mode]))


def cnn_params_from_checkpoint(path, mode: int) -> CnnParams:
    """CnnParams of `mode` from a `save_cnn` checkpoint (`cnn_from_checkpoint`)."""
    return cnn_from_checkpoint(path, mode)[1]
