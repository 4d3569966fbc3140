"""srbm_jax.monitors: one training image replayed with monitors equals training, and its traces
obey the neuron model (membranes below threshold, 0 after a spike, nothing while clamped)."""
from __future__ import annotations

import jax
import numpy as np
import pytest
from conftest import small_spec

import srbm_jax
from srbm_jax import monitors, train
from srbm_jax.schedule import training_segments


@pytest.fixture(scope="module")
def replay():
    spec = small_spec()
    params = srbm_jax.default_params(spec)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels = np.random.default_rng(0).random(16).astype(np.float32)
    key = train.image_key(jax.random.key(1), 0, 3)
    record = monitors.record_image(key, state, pixels, 4, params, spec, visible=(0, 5, 17),
                                   hidden=(0, 1, 2, 3), synapses=((0, 0), (5, 2), (17, 3)))
    trained, _ = train.train_image(key, state, pixels, 4, params, spec)
    return spec, params, state, trained, record


def test_the_replay_ends_where_training_ends(replay):
    spec, params, _, trained, record = replay
    weight = np.asarray(spec.device.read(trained, params.device))
    np.testing.assert_array_equal(record.weights[2], weight[[0, 5, 17], [0, 2, 3]])
    np.testing.assert_array_equal(record.conductances["g_plus"][2],
                                  np.asarray(trained.g_plus)[[0, 5, 17], [0, 2, 3]])


def test_the_phases_change_the_weights_by_their_events(replay):
    spec, params, _, _, record = replay
    step = float(params.device.set_step + params.device.reset_step)
    np.testing.assert_allclose(record.weights[1] - record.weights[0],
                               step * record.potentiation, atol=1e-5)
    np.testing.assert_allclose(record.weights[2] - record.weights[1],
                               -step * record.depression, atol=1e-5)


def test_traces_obey_the_neuron_model(replay):
    spec, params, _, _, record = replay
    data, model = training_segments(spec)
    assert record.gate.shape == (data.n_ticks + model.n_ticks,)
    assert record.hidden_membrane.shape == (record.gate.size, 4)
    assert np.all(record.hidden_membrane < float(params.firing_threshold))
    spiked = record.hidden_spikes[:, :4]
    assert np.all(record.hidden_membrane[spiked] == 0.0)  # reset at a spike
    assert np.all(record.visible_membrane[:data.n_ticks] == 0.0)  # clamped in the data segment
    assert np.any(record.visible_membrane[data.n_ticks:] != 0.0)  # free in the model segment
    labels = record.visible_spikes[:, spec.label_slice].sum()
    assert record.label_counts.sum() == labels


def test_bad_indices_name_themselves(replay):
    spec, params, state, _, _ = replay
    with pytest.raises(ValueError, match="hidden = \\[12\\] is out of range"):
        monitors.record_image(jax.random.key(0), state, np.zeros(16), 0, params, spec,
                              hidden=(12,))


def test_the_record_plots(replay, tmp_path):
    from srbm_jax import analysis
    *_, record = replay
    figure = analysis.plot_image_record(record, tmp_path / "record.png")
    assert len(figure.axes) == 3 and (tmp_path / "record.png").stat().st_size > 0
