"""A fixed reference classifier for judging completed and generated images: multinomial
logistic regression on the pixels, trained once on clean MNIST with Optax and saved as a
checksummed checkpoint (`srbm_jax.checkpoint`).

    reference = train_reference(jax.random.key(0), train_images, train_labels)
    save_reference(path, reference); reference = load_reference(path)
    predictions = predict(reference, images)          # int32 [N]

softmax(x W + b), x = pixels in [0, 1]; Adam (lr 1e-3), mini-batches of 256, cross-entropy.
About 92 % on the MNIST test set after 5 epochs: a plain, well-known yardstick that does not
share the sRBM's weights or coding, so a completion that it reads as the right digit has
restored the digit's shape, not only the sRBM's own features.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from srbm_jax import checkpoint

FORMAT = "srbm_jax.reference_classifier/1"


class Reference(NamedTuple):
    """weight float32 [n_pixels, 10], bias float32 [10]."""

    weight: jax.Array
    bias: jax.Array


def _pixels(images) -> jnp.ndarray:
    images = np.asarray(images)
    images = images.reshape(images.shape[0], -1)
    return jnp.asarray(images / 255.0 if images.dtype == np.uint8 else images, jnp.float32)


def logits(reference: Reference, images) -> jax.Array:
    """float32 [N, 10] class scores x W + b."""
    return _pixels(images) @ reference.weight + reference.bias[None, :]


def predict(reference: Reference, images) -> np.ndarray:
    """int32 [N] classes."""
    return np.asarray(jnp.argmax(logits(reference, images), axis=1), np.int32)


def train_reference(key, images, labels, *, epochs: int = 5, batch_size: int = 256,
                    learning_rate: float = 1e-3) -> Reference:
    """Logistic regression on `images` (uint8 or float [N, ...]) and `labels` (int [N])."""
    x, y = _pixels(images), jnp.asarray(labels, jnp.int32)
    if x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(f"images ({x.shape[0]}) and labels ({y.shape[0]}) must be non-empty "
                         "and of one length")
    reference = Reference(jnp.zeros((x.shape[1], 10), jnp.float32), jnp.zeros((10,), jnp.float32))
    optimizer = optax.adam(learning_rate)
    state = optimizer.init(reference)

    @jax.jit
    def step(reference, state, xb, yb):
        def loss(reference):
            scores = xb @ reference.weight + reference.bias[None, :]
            return optax.softmax_cross_entropy_with_integer_labels(scores, yb).mean()
        grads = jax.grad(loss)(reference)
        updates, state = optimizer.update(grads, state)
        return optax.apply_updates(reference, updates), state

    n_batches = x.shape[0] // batch_size
    for epoch in range(epochs):
        order = jax.random.permutation(jax.random.fold_in(key, epoch), x.shape[0])
        for b in range(max(n_batches, 1)):
            take = order[b * batch_size:(b + 1) * batch_size]
            reference, state = step(reference, state, x[take], y[take])
    return reference


def save_reference(path, reference: Reference, metadata: dict | None = None) -> Path:
    """Atomic, checksummed checkpoint of the classifier."""
    return checkpoint.save(path, tuple(reference), {"format": FORMAT, **(metadata or {})})


def load_reference(path) -> tuple[Reference, dict]:
    """(classifier, metadata); ValueError for a file that is not a reference classifier."""
    leaves, metadata = checkpoint.load(path)
    if metadata.get("format") != FORMAT or len(leaves) != 2:
        raise ValueError(f"{path} is not a reference classifier checkpoint (format "
                         f"{metadata.get('format')!r}, {len(leaves)} arrays)")
    return Reference(jnp.asarray(leaves[0]), jnp.asarray(leaves[1])), metadata
