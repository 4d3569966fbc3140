"""srbm_jax.generative.sampling: exact enumeration, Gibbs reference, the neuron's calibration and
the spiking sampler's convergence towards its own distribution (tests that can fail)."""
from __future__ import annotations

import math

import jax
import numpy as np
import pytest

import srbm_jax
from srbm_jax.generative import sampling

GIBBS_KL_AT_100K = 0.02  # nats: 32 states, 1e5 correlated samples
SPEC = srbm_jax.Spec()
PARAMS = srbm_jax.default_params(SPEC)


@pytest.fixture(scope="module")
def calibration():
    return sampling.calibrate(jax.random.key(0), PARAMS, SPEC, n_ticks=5000)


def test_states_and_codes_round_trip():
    states = sampling.all_states(4)
    assert states.shape == (16, 4)
    np.testing.assert_array_equal(sampling.state_codes(states), np.arange(16))


def test_exact_distribution_by_hand():
    machine = sampling.BoltzmannMachine(np.array([[1.0]]), np.array([0.5]), np.array([-0.3]))
    # states (v, h): (0,0), (1,0), (0,1), (1,1) in all_states order (v = bit 0)
    weights = [math.exp(0), math.exp(0.5), math.exp(-0.3), math.exp(0.5 - 0.3 + 1.0)]
    expected = np.array(weights) / sum(weights)
    np.testing.assert_allclose(sampling.exact_distribution(machine), expected, rtol=1e-12)


def test_too_large_machines_are_refused():
    machine = sampling.random_machine(jax.random.key(0), 10, 7)
    with pytest.raises(ValueError, match="at most 16 units"):
        sampling.exact_distribution(machine)


def test_gibbs_converges_to_the_exact_distribution():
    machine = sampling.random_machine(jax.random.key(1), 3, 2, scale=1.0)
    exact = sampling.exact_distribution(machine)
    samples = sampling.gibbs_samples(jax.random.key(2), machine, 100000)
    short, long = sampling.kl_curve(samples, exact, [300, 100000])
    assert long < GIBBS_KL_AT_100K < short


def test_the_neuron_activation_rises_and_the_fit_follows_it(calibration):
    assert np.all(np.diff(calibration.p_on) > -0.02)  # monotone up to sampling noise
    assert calibration.p_on[0] < 0.05 and calibration.p_on[-1] > 0.8
    assert calibration.beta > 0 and calibration.rms < 0.15
    assert calibration.tau_on == 4  # 4 ms refractory at dt = 1 ms
    with pytest.raises(ValueError, match="do not span the activation"):
        sampling.calibrate(jax.random.key(0), PARAMS, SPEC, drives=[1.0, 1.5, 2.0], n_ticks=500)


@pytest.mark.parametrize("psp", ["rectangular", "jump"])
def test_the_spiking_sampler_samples_its_own_machine(calibration, psp):
    """It converges as samples grow, and ends closer to its machine's distribution than to that
    of the machine with every coupling's sign flipped (so the couplings shape what it samples)."""
    machine = sampling.random_machine(jax.random.key(3), 3, 2, scale=1.5)
    flipped = machine._replace(weight=-machine.weight)
    exact, other = sampling.exact_distribution(machine), sampling.exact_distribution(flipped)
    samples = sampling.spiking_samples(jax.random.key(4), machine, calibration, PARAMS, SPEC,
                                       40000, psp=psp)
    early, late = sampling.kl_curve(samples, exact, [100, 40000])
    assert late < early
    assert late < sampling.kl_divergence(samples, other)
    with pytest.raises(ValueError, match="psp = 'alpha' is out of range"):
        sampling.spiking_samples(jax.random.key(4), machine, calibration, PARAMS, SPEC, 10,
                                 psp="alpha")


def test_logistic_fit_recovers_a_logistic():
    drives = np.linspace(-2, 2, 21)
    d0, beta, rms = sampling.fit_logistic(drives, 1 / (1 + np.exp(-3.0 * (drives - 0.4))))
    assert d0 == pytest.approx(0.4, abs=0.02) and beta == pytest.approx(3.0, rel=0.02)
    assert rms < 1e-3
