"""srbm_jax.run.averaging: the EMA and the tail average in closed form."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from srbm_jax.run.averaging import WeightAverages, average_states


def _state(value):
    return {"g": jnp.full((2, 3), value, jnp.float32)}


def test_ema_follows_the_half_life_in_images():
    averages = WeightAverages(half_life_images=20, tail_epochs=0)
    carry = averages.init(_state(0.0))
    carry = averages.update(carry, _state(4.0), epoch=0, images=10)  # the first point: itself
    np.testing.assert_allclose(averages.states(carry)["ema"]["g"], 4.0)
    carry = averages.update(carry, _state(8.0), epoch=0, images=10)
    d = 0.5 ** (10 / 20)
    np.testing.assert_allclose(averages.states(carry)["ema"]["g"], d * 4.0 + (1 - d) * 8.0,
                               rtol=1e-6)
    carry = averages.update(carry, _state(0.0), epoch=1, images=40)  # two half-lives: 1/4 left
    np.testing.assert_allclose(averages.states(carry)["ema"]["g"],
                               0.25 * (d * 4.0 + (1 - d) * 8.0), rtol=1e-6)
    assert "tail" not in averages.states(carry)


def test_tail_average_is_the_mean_over_the_last_epochs():
    averages = WeightAverages(half_life_images=0, tail_epochs=2)
    carry = averages.init(_state(0.0))
    for epoch, values in enumerate(([1.0, 3.0], [5.0], [7.0, 9.0])):
        for value in values:
            carry = averages.update(carry, _state(value), epoch=epoch, images=10)
        expected = {0: 2.0, 1: 3.0, 2: 7.0}[epoch]  # epochs (0), (0, 1), (1, 2)
        np.testing.assert_allclose(averages.states(carry)["tail"]["g"], expected, rtol=1e-6)
    assert "ema" not in averages.states(carry)
    assert WeightAverages(0, 0).init(_state(1.0)) == {}


def test_average_states_keeps_dtypes():
    mean = average_states([{"g": jnp.float32(1.0)}, {"g": jnp.float32(2.0)}])
    assert float(mean["g"]) == pytest.approx(1.5) and mean["g"].dtype == jnp.float32
    with pytest.raises(ValueError, match="no states"):
        average_states([])
