"""Shared fixtures for the srbm_jax core test suite.

Strict rank promotion is on for the whole suite (`jax_numpy_rank_promotion = "raise"`): an
accidental broadcast between arrays of different rank is an error, not a silently wrong shape.
"""
from __future__ import annotations

import jax
import numpy as np
import pytest

import srbm_jax

jax.config.update("jax_numpy_rank_promotion", "raise")

SMALL_SIZES = {"n_data": 16, "n_label": 10, "n_visible_bias": 2, "n_hidden": 12, "n_hidden_bias": 2}


def small_spec(**changes) -> srbm_jax.Spec:
    """The small network used throughout the tests (34 visible x 14 hidden)."""
    return srbm_jax.Spec(**{**SMALL_SIZES, **changes})


@pytest.fixture
def spec() -> srbm_jax.Spec:
    return small_spec()


@pytest.fixture
def params(spec):
    return srbm_jax.default_params(spec)


@pytest.fixture
def key():
    return jax.random.key(0)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
