"""Experiments: thin absl entry points over `srbm_jax.run` (the run driver), with commented configs."""
