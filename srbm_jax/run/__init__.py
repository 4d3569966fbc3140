"""The experiment layer: everything between a config and the library's pure functions.

  objects      config -> Spec, Params, device; fingerprints; configs of older versions
  networks     one network or N side by side: init, train a range of images, evaluate
  driver       the one epoch loop (schedules, evaluation cadence, checkpoints, metrics, resume)
  checkpoints  the checkpoint history (keep K, one per epoch), falling back on corruption
  averaging    EMA and tail averages of the weights during a run
  records      metrics.jsonl, progress bars, summaries
  workdir      one run per workdir (lock), writability, orphaned temporary files
  training     train_and_evaluate: the train_mnist job
  saved_runs   finished runs: config, states, continuation, averaging of checkpoints
"""
from srbm_jax.run.driver import (
    RunOutcome,
    RunPlan,
    plan_from_config,
    run_networks,
    step_decay_schedule,
)
from srbm_jax.run.networks import Networks, one_network, seed_networks, side_by_side
from srbm_jax.run.objects import config_dict, config_for_device, fingerprint, spec_and_params
from srbm_jax.run.saved_runs import (
    average_run_states,
    continue_run,
    load_run_config,
    load_run_state,
    load_trained_networks,
)
from srbm_jax.run.training import evaluation_key, load_data, train_and_evaluate, write_plots
from srbm_jax.run.workdir import WorkdirBusy

__all__ = ["Networks", "RunOutcome", "RunPlan", "WorkdirBusy", "average_run_states", "config_dict",
           "config_for_device", "continue_run", "evaluation_key", "fingerprint", "load_data",
           "load_run_config", "load_run_state", "load_trained_networks", "one_network",
           "plan_from_config", "run_networks",
           "seed_networks", "side_by_side", "spec_and_params", "step_decay_schedule",
           "train_and_evaluate", "write_plots"]
