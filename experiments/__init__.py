"""Experiments: thin absl entry points over `srbm_jax.experiment`, with commented configs."""
