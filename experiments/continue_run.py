"""Continue a finished run's weights with changed numeric settings (e.g. a smaller step), as a
run of its own (checkpoints, metrics, resume).

  python -m experiments.continue_run --source=<train_mnist run> --workdir=<new dir> \
      --epochs=1 --set=device.set_step=0.00125 --set=device.reset_step=0.00125

  python -m experiments.continue_run --source=<study>/checkpoints/ckpt-0005-00000000.npz \
      --workdir=<new dir> --epochs=5 --set=step_decay=0.87     # a study's networks, forked

See `srbm_jax.run.continue_run`: reads the source run's config.json and newest checkpoint (at an
epoch boundary), trains --epochs more epochs with the changed fields in --workdir, evaluates
after each and prints one JSON line per epoch (also appended to --out). The source is only read.
A study (`experiments.study`; its workdir or one of its checkpoint files at an epoch boundary)
continues all its networks side by side (`srbm_jax.study_fork.continue_study`) and writes the study
outputs (study.jsonl, study.md, study.png, config.json with the source and the changes).
"""
from __future__ import annotations

from pathlib import Path

from absl import flags

from experiments import cli
from srbm_jax import checkpoint, study, study_fork
from srbm_jax.run import continue_run, load_data, load_run_config
from srbm_jax.run.checkpoints import history_paths, latest_path
from srbm_jax.run.objects import load_config
from srbm_jax.run.records import emit_record
from srbm_jax.run.saved_runs import CONTINUE_FIELDS, parse_changes
from srbm_jax.run.workdir import check_workdir_path

FLAGS = flags.FLAGS
flags.DEFINE_string("source", None, "A finished train_mnist run directory, or a study's "
                    "directory or one of its checkpoint files at an epoch boundary.",
                    required=True)
flags.DEFINE_string("workdir", None, "The continuation's own directory.", required=True)
flags.DEFINE_integer("epochs", 1, "Further epochs to train.")
flags.DEFINE_multi_string("set", [], "field=value: a field changed for the continuation, one of "
                          f"{sorted(CONTINUE_FIELDS)} or device.<numeric field>.")
flags.DEFINE_string("out", "", "Optional file for the metrics lines (JSON lines).")
flags.DEFINE_bool("resume", False, "Continue a killed continuation in --workdir.")


def study_checkpoint_metadata(source: str) -> dict | None:
    """The metadata of the checkpoint a study source continues from (a checkpoint file, or a
    workdir's newest), or None when the source is not a study's."""
    path = Path(source)
    if path.is_dir():
        if not history_paths(path):
            return None
        path = latest_path(path)
    metadata = checkpoint.read_metadata(path)
    return metadata if "study" in metadata else None


def main(argv):
    del argv
    metadata = study_checkpoint_metadata(FLAGS.source)
    if metadata is None:
        changes = parse_changes(FLAGS.set, load_run_config(FLAGS.source))
        continue_run(FLAGS.source, FLAGS.epochs, changes, FLAGS.workdir, resume=FLAGS.resume,
                     out=FLAGS.out)
        return
    config = load_config(metadata["config"])
    changes = parse_changes(FLAGS.set, config)
    workdir = check_workdir_path(FLAGS.workdir)
    data = load_data(config)
    records, config, axes, seeds = study_fork.continue_study(
        FLAGS.source, FLAGS.epochs, changes, data, workdir, resume=FLAGS.resume, progress=True)
    study.write_outputs(workdir, records, config, axes, seeds, source=str(FLAGS.source),
                        source_epochs=int(metadata["epoch"]), changes=changes)
    if FLAGS.out:
        for record in records:
            emit_record({"source": str(FLAGS.source), "changes": changes, **record}, FLAGS.out)


if __name__ == "__main__":
    cli.run(main)
