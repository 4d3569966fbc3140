"""srbm_jax.monitors: one training image replayed with monitors equals training, its traces
obey the neuron model (membranes below threshold, 0 after a spike, nothing while clamped, u =
leak + input + walk), known values on tiny cases (a neuron with no input and no walk stays at
rest; a clamped neuron's spikes are its input), the rule's per-tick changes add up to its counts,
inference records equal evaluation, monitors off change nothing, and the plots return figures."""
from __future__ import annotations

import jax
import jax.numpy as jnp
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


def test_the_membrane_is_leak_plus_input_plus_walk(replay):
    """u_k = u_{k-1} exp(-dt / tau) + input_k + walk_k in every tick without a spike."""
    spec, params, _, _, record = replay
    decay = np.exp(-spec.dt_ms / float(params.membrane_tau_ms))
    u = record.hidden_membrane
    previous = np.concatenate([np.zeros((1, u.shape[1]), np.float32), u[:-1]])
    expected = previous * decay + record.hidden_drive + record.hidden_walk
    quiet = ~record.hidden_spikes[:, record.hidden]
    np.testing.assert_allclose(u[quiet], expected[quiet], atol=1e-5)
    assert np.any(record.hidden_walk != 0.0) and np.any(record.hidden_drive != 0.0)


def test_a_neuron_with_no_input_and_no_walk_stays_at_rest():
    spec = small_spec()
    params = srbm_jax.default_params(spec, walk_up=0.0, walk_down=0.0, alpha=0.0)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    record = monitors.record_image(jax.random.key(1), state, np.ones(16, np.float32), 2, params,
                                   spec, visible=(0, 20), hidden=(0, 5, 11))
    for trace in (record.hidden_membrane, record.hidden_walk, record.hidden_drive,
                  record.visible_membrane, record.visible_walk):
        assert np.all(trace == 0.0)
    assert not record.hidden_spikes[:, :spec.n_hidden].any()


def test_a_clamped_neuron_spikes_as_its_input_says():
    """At 1000 Hz and dt 1 ms an active pixel spikes in every tick of the data segment, a pixel
    at or below the threshold never; and the record's raster is the analysis raster."""
    from srbm_jax import analysis
    spec = small_spec()
    params = srbm_jax.default_params(spec, spike_rate_hz=1000.0)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels = np.zeros(16, np.float32)
    pixels[3] = 1.0
    key = jax.random.key(7)
    record = monitors.record_image(key, state, pixels, 1, params, spec)
    data, _ = training_segments(spec)
    assert record.visible_spikes[:data.n_ticks, 3].all()
    assert not record.visible_spikes[:data.n_ticks, 4].any()
    raster = analysis.spike_raster(key, state, pixels, 1, params, spec)
    np.testing.assert_array_equal(record.visible_spikes, raster.visible)
    np.testing.assert_array_equal(record.hidden_spikes, raster.hidden)


@pytest.mark.parametrize("rule", [srbm_jax.rules.PulseCoincidence(), pytest.param(
    srbm_jax.rules.TraceECD(), marks=pytest.mark.slow)], ids=lambda rule: rule.name)
def test_the_per_tick_changes_add_up_to_the_rule_counts(rule):
    spec = small_spec(rule=rule)
    params = srbm_jax.default_params(spec)
    state = srbm_jax.init_device(jax.random.key(0), params, spec)
    pixels = np.random.default_rng(1).random(16).astype(np.float32)
    synapses = [(i, j) for i in range(spec.n_visible) for j in range(spec.n_hidden_total)]
    record = monitors.record_image(jax.random.key(3), state, pixels, 5, params, spec,
                                   synapses=synapses)
    data, _ = training_segments(spec)
    visible, hidden = record.visible_spikes[None], record.hidden_spikes[None]
    up, down = rule.data_counts(visible[:, :data.n_ticks], hidden[:, :data.n_ticks], spec)
    up_m, down_m = rule.model_counts(visible[:, :data.n_ticks], hidden[:, :data.n_ticks],
                                     visible[:, data.n_ticks:], hidden[:, data.n_ticks:], spec)
    rows, cols = record.synapses.T
    np.testing.assert_allclose(record.change[:data.n_ticks].sum(axis=0),
                               np.asarray(up - down)[rows, cols], atol=1e-4)
    np.testing.assert_allclose(record.change[data.n_ticks:].sum(axis=0),
                               np.asarray(up_m - down_m)[rows, cols], atol=1e-4)
    assert np.abs(record.change).sum() > 0


def test_the_weight_trace_steps_at_the_segment_ends(replay):
    spec, _, _, _, record = replay
    data, _ = training_segments(spec)
    trace = record.weight_trace
    assert trace.shape == (record.gate.size + 1, 3)
    np.testing.assert_array_equal(trace[:data.n_ticks], np.broadcast_to(record.weights[0],
                                                                        (data.n_ticks, 3)))
    np.testing.assert_array_equal(trace[data.n_ticks:-1], np.broadcast_to(
        record.weights[1], (record.gate.size - data.n_ticks, 3)))
    np.testing.assert_array_equal(trace[-1], record.weights[2])
    np.testing.assert_array_equal(record.conductance_traces["g_plus"][-1],
                                  record.conductances["g_plus"][2])


def test_consecutive_images_carry_the_state(replay):
    spec, params, state, _, _ = replay
    rng = np.random.default_rng(4)
    images, labels = rng.random((2, 16)).astype(np.float32), np.array([1, 7])
    keys = [train.image_key(jax.random.key(1), 0, n) for n in range(2)]
    records, final = monitors.record_images(keys, state, images, labels, params, spec,
                                            synapses=((0, 0),))
    expected = state
    for key, pixels, label in zip(keys, images, labels, strict=True):
        expected, _ = train.train_image(key, expected, pixels, int(label), params, spec)
    np.testing.assert_array_equal(np.asarray(final.g_plus), np.asarray(expected.g_plus))
    assert records[1].weights[0, 0] == records[0].weights[2, 0]
    with pytest.raises(ValueError, match="keys, images and labels have 2, 2 and 1 entries"):
        monitors.record_images(keys, state, images, labels[:1], params, spec)


def test_an_inference_record_is_what_evaluation_counts(replay):
    spec, params, _, trained, _ = replay
    images = np.random.default_rng(5).random((3, 16)).astype(np.float32)
    key = jax.random.key(9)
    result = srbm_jax.evaluate(key, trained, images, None, params, spec, batch_size=1)
    for n in range(3):
        seen = monitors.record_inference(jax.random.fold_in(key, n), trained, images[n], params,
                                         spec, visible=(0, spec.n_data + 1), hidden=(0, 1))
        np.testing.assert_array_equal(seen.label_counts.sum(axis=0), result["counts"][n])
        assert seen.prediction == result["predictions"][n]
        assert np.all(seen.visible_membrane[:, 0] == 0.0)  # a data neuron: clamped
        assert seen.hidden_membrane.shape == (seen.label_counts.shape[0], 2)


def test_monitors_off_change_nothing_and_add_no_output(replay):
    """keep_traces is static: off, the compiled program returns no traces and the same state."""
    spec, params, state, _, _ = replay
    key = train.image_key(jax.random.key(1), 0, 3)
    pixels = jnp.asarray(np.random.default_rng(0).random((1, 16)), jnp.float32)
    labels = jnp.asarray([4], jnp.int32)
    run = jax.jit(train.train_images, static_argnames=("spec", "keep_rasters", "keep_traces"))
    off = run(key[None], state, pixels, labels, params, spec)
    on = run(key[None], state, pixels, labels, params, spec, keep_traces=True)
    assert len(off) == 2 and len(on) == 4
    for a, b in zip(jax.tree_util.tree_leaves(off[0]), jax.tree_util.tree_leaves(on[0]),
                    strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    size = {name: run.lower(key[None], state, pixels, labels, params, spec, keep_traces=flag)
            .compile().memory_analysis().output_size_in_bytes
            for name, flag in (("off", False), ("on", True))}
    traces_bytes = sum(np.asarray(v).nbytes for v in on[3].values()) + sum(
        np.asarray(r).nbytes for r in on[2])
    assert size["on"] - size["off"] >= traces_bytes


def test_the_record_plots(replay, tmp_path):
    from srbm_jax import analysis
    spec, params, state, trained, record = replay
    figure = analysis.plot_image_record(record, tmp_path / "record.png")
    assert len(figure.axes) == 5 and (tmp_path / "record.png").stat().st_size > 0
    seen = monitors.record_inference(jax.random.key(2), trained, np.ones(16), params, spec)
    figures = [analysis.plot_inference_record(seen, spec, true_label=3),
               analysis.plot_population_rates(record, spec),
               analysis.plot_population_rates(seen, spec),
               analysis.plot_conductance_histograms(trained),
               analysis.plot_weight_change(spec.device.read(state, params.device),
                                           spec.device.read(trained, params.device), spec),
               analysis.plot_pixel_histogram(np.linspace(0, 1, 64), 0.3)]
    for figure in figures:
        assert figure.axes and figure._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="before has shape"):
        analysis.plot_weight_change(np.zeros((3, 2)), np.zeros((2, 2)), spec)
