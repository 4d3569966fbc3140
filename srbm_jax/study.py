"""Hyperparameter studies from a config: every combination of the swept values x every seed,
trained side by side in one program (the run driver over N networks, `srbm_jax.run`), with
checkpoints and a bit-exact resume. `experiments/study.py` is the command-line entry point.

    records = run_study(config, {"spike_rate_hz": [200.0, 210.0]}, seeds=[1, 2], data=data,
                        workdir="/tmp/rates")
    print(markdown(records, ["spike_rate_hz"]))

Swept fields are numeric config fields that are traced `Params` leaves: the neuron and input
fields (`srbm_jax.run.objects.PARAMS_FIELDS`: spike_rate_hz, input_threshold, walk_up, ...) and
the numeric fields of the config's device, written `device.<field>` (device.set_step,
device.dw_min, ...). Sizes and choices (n_label, n_hidden, batch_size, the device) change the
compiled program: run one study per value. Network (values, seed) gives what
`experiments/train_mnist.py` gives with those values and `--config.seed=seed` (same keys,
`sweep.network_keys`), to float rounding (the N-network path is vmapped).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from srbm_jax import sweep, updates
from srbm_jax.run import networks as nets
from srbm_jax.run.driver import plan_from_config, run_networks
from srbm_jax.run.objects import PARAMS_FIELDS, config_dict, fingerprint, spec_and_params


def parse_sweep(settings: Sequence[str]) -> dict[str, list[float]]:
    """{"field": [v1, v2, ...]} from ["field=v1,v2,...", ...] (the --sweep flags); several
    --sweep flags make a grid, and "a+b=v1,v2" ties fields (a = b = v1, then a = b = v2, e.g.
    walk_up+walk_down). No settings: {} (a study over seeds only). ValueError names a bad
    setting."""
    axes = {}
    for setting in settings:
        field, _, values = setting.partition("=")
        field = field.strip()
        try:
            numbers = [float(v) for v in values.split(",") if v.strip()]
        except ValueError as e:
            raise ValueError(f"--sweep={setting}: values must be numbers ({e})") from e
        if not field or not numbers:
            raise ValueError(f"--sweep={setting}: allowed field=v1,v2,... with at least one value")
        if field in axes:
            raise ValueError(f"--sweep={setting}: field {field} is swept twice")
        axes[field] = numbers
    return axes


def sweepable_fields(config) -> tuple[str, ...]:
    """Config fields a study can sweep in one program for this config's device."""
    device_fields = tuple(f"device.{name}" for name, value in config.device.items()
                          if isinstance(value, float))
    return PARAMS_FIELDS + device_fields + updates.sweepable_fields(config.get("optimizer"))


def _section(field: str) -> tuple[str | None, str]:
    for name in ("device", "optimizer"):
        if field.startswith(f"{name}."):
            return name, field[len(name) + 1:]
    return None, field


def get_field(config, field: str):
    """A config field's value; "device.<field>" and "optimizer.<field>" read those sections."""
    section, name = _section(field)
    return config[section][name] if section else config[field]


def set_axis(config, axis: str, value: float) -> None:
    """Set every field of an axis ("walk_up+walk_down" sets both) in a config."""
    for field in axis.split("+"):
        section, name = _section(field)
        if section:
            config[section][name] = value
        else:
            config[field] = value


def static_fields(config) -> tuple[str, ...]:
    """Config fields that change the compiled program or the run (integer sizes and counts,
    e.g. n_label, n_hidden, batch_size; switches, e.g. shuffle, given as 0 / 1; integer device
    options, e.g. device.levels): a study sweeps them as one side-by-side program per value."""
    top = tuple(name for name, value in config.items() if isinstance(value, int)
                and name not in RUN_ONLY_FIELDS)
    device = tuple(f"device.{name}" for name, value in config.device.items()
                   if isinstance(value, int) and not isinstance(value, bool))
    return top + device


# Integer fields that are not properties of the networks (a study keeps them fixed).
RUN_ONLY_FIELDS = ("seed", "epochs", "eval_every", "chunk_size", "eval_batch_size",
                   "checkpoint_every_images", "keep_checkpoints", "train_size", "test_size",
                   "validation_size")


def split_axes(config, axes: dict[str, Sequence[float]]):
    """(traced axes, static axes): the fields swept in one program, and those swept as one
    program per value (`static_fields`, values as integers). ValueError naming a field that is
    neither, or a non-integer value of a static field."""
    traced, static = {}, {}
    allowed, fixed = sweepable_fields(config), static_fields(config)
    for field, values in axes.items():
        members = field.split("+")
        if len(members) > 1 and all(m in allowed for m in members):
            traced[field] = values
        elif len(members) > 1:
            raise ValueError(f"config.{field}: the fields of a tied axis must all be sweepable in "
                             f"one program: allowed {sorted(allowed)}")
        elif field in allowed:
            traced[field] = values
        elif field in fixed:
            switch = isinstance(get_field(config, field), bool)
            if any(float(v) != int(v) or (switch and v not in (0, 1)) for v in values):
                raise ValueError(f"config.{field}: {values} is out of range: allowed "
                                 + ("0 or 1" if switch else "integers"))
            static[field] = [bool(v) if switch else int(v) for v in values]
        else:
            hint = (f" (device fields are written device.<field>: device.{field}?)"
                    if f"device.{field}" in allowed + fixed else "")
            raise ValueError(f"config.{field} cannot be swept: allowed one of "
                             f"{sorted(allowed)} (in one program) or {sorted(fixed)} (one "
                             "program per value)" + hint)
    return traced, static


def study_params(config, axes: dict[str, Sequence[float]], seeds: Sequence[int]):
    """(spec, stacked params, grid): one network per (values, seed) combination, seed fastest.

    grid: {field: [value per network], "seed": [seed per network]}. Each combination's config is
    validated like a single run (`spec_and_params`), so a bad value names its field."""
    allowed = sweepable_fields(config)
    for field in (member for axis in axes for member in axis.split("+")):
        if field not in allowed:
            hint = (f" (device fields are written device.<field>: device.{field}?)"
                    if f"device.{field}" in allowed else "")
            raise ValueError(f"config.{field} cannot be swept in one program: allowed one of "
                             f"{sorted(allowed)} (sizes and choices need one study per value)"
                             + hint)
    if len(seeds) == 0:
        raise ValueError("seeds is empty: allowed a non-empty list of integers")
    grid = sweep.product(**axes, seed=list(seeds))
    front_ends, built = [], {}  # each network's front-end arrays, built once per seed
    for n in range(len(grid["seed"])):  # validate every combination as a single run would
        single = config.copy_and_resolve_references()
        single.seed = int(grid["seed"][n])
        for field in axes:
            set_axis(single, field, float(grid[field][n]))
        spec, params = spec_and_params(single, built)
        front_ends.append(params.front_end)
    values = {member.replace(".", "__", 1): grid[axis] for axis in axes
              for member in axis.split("+")} or {
        "spike_rate_hz": [float(params.spike_rate_hz)] * len(grid["seed"])}  # seeds only
    stacked = sweep.stack_params(params.replace(front_end=None), **values)
    if params.front_end is not None:  # per network (a lower sRBM per seed), or shared copies
        stacked = stacked.replace(front_end=jax.tree_util.tree_map(
            lambda *leaves: jnp.stack([jnp.asarray(leaf) for leaf in leaves]), *front_ends))
    return spec, stacked, grid


def study_fingerprint(config, axes, seeds) -> str:
    """SHA-256 of the config's fingerprint, the axes and the seeds: a study's identity."""
    text = json.dumps({"config": fingerprint(config), "axes": axes, "seeds": list(seeds)},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def run_study(config, axes: dict[str, Sequence[float]], seeds: Sequence[int], data, workdir,
              *, resume: bool = False, log: Callable[[str], None] = print,
              progress: bool = False) -> list[dict]:
    """Train every (values, seed) network for config.epochs epochs side by side in `workdir`
    (metrics.jsonl, checkpoints; resume=True continues a killed study bit for bit); returns one
    record per network per evaluated epoch (`study_records`). Static axes (`split_axes`:
    sizes such as n_label) run one side-by-side program per value, each in
    workdir/<field>=<value>/, and their records carry the value. data: (train_x, train_y, test_x, test_y) as from
    `srbm_jax.run.load_data`."""
    traced, static = split_axes(config, axes)
    if static:
        records = []
        for combo in zip(*sweep.product(**static).values(), strict=True):
            single = config.copy_and_resolve_references()
            for field, value in zip(static, combo, strict=True):
                set_axis(single, field, value)
            name = ",".join(f"{f}={v}" for f, v in zip(static, combo, strict=True))
            log(f"study: {name}")
            part = run_study(single, traced, seeds, data, Path(workdir) / name, resume=resume,
                             log=log, progress=progress)
            records += [{**dict(zip(static, combo, strict=True)), **r} for r in part]
        return records
    return run_study_networks(config, axes, seeds, data, workdir, resume=resume, log=log,
                              progress=progress)


def run_study_networks(config, axes, seeds, data, workdir, *, resume: bool,
                       log: Callable[[str], None], progress: bool, initial=None,
                       **metadata) -> list[dict]:
    """The networks of a study without static axes on the run driver (a new study, or with
    `initial` = (states, epochs done) a continuation, whose `metadata` joins the checkpoints');
    returns `study_records`."""
    spec, params, grid = study_params(config, axes, seeds)
    networks = nets.seed_networks(spec, params, grid["seed"])
    networks.labels = [{"seed": int(grid["seed"][n]),
                        **{field: float(grid[field][n]) for field in axes}}
                       for n in range(len(grid["seed"]))]
    identity = study_fingerprint(config, axes, seeds)

    def check(checkpoint_metadata, path):
        if checkpoint_metadata.get("study") != identity:
            raise ValueError(f"cannot resume from {path}: it belongs to another study or "
                             "continuation (config, axes or seeds differ); use another workdir")

    records, _, _ = run_networks(
        networks, data, plan_from_config(config, len(data[1])), Path(workdir), resume=resume,
        metadata={"config": config_dict(config), "study": identity, "axes": axes,
                  "seeds": list(seeds), **metadata},
        check_checkpoint=check, initial=initial, say=log, progress=progress)
    return study_records(records, list(axes))


def load_study_states(path_or_workdir):
    """The trained networks of a study checkpoint (a checkpoint file, or a study workdir: its
    newest checkpoint; a static axis's sub-study is its own workdir, e.g. workdir/n_label=80).

    Returns (spec, stacked params, grid, device states with a leading network axis, metadata);
    network n has the seed grid["seed"][n] and the swept values grid[field][n]. The
    checkpoint's own checks (format, SHA-256, tree) apply; a checkpoint that is not a study's
    raises ValueError."""
    from srbm_jax import checkpoint
    from srbm_jax.run.checkpoints import latest_path
    from srbm_jax.run.objects import load_config
    from srbm_jax.run.saved_runs import checkpoint_template

    path = Path(path_or_workdir)
    if path.is_dir():
        path = latest_path(path)
    metadata = checkpoint.read_metadata(path)
    if "study" not in metadata:
        raise ValueError(f"{path} is not a study checkpoint (no study fingerprint): use "
                         "srbm_jax.run.load_run_state for a single run")
    config = load_config(metadata["config"])
    spec, params, grid = study_params(config, metadata["axes"], metadata["seeds"])
    networks = nets.seed_networks(spec, params, grid["seed"])
    like = {"device": nets.init_states(networks),
            "stats": nets.stats_like(networks, int(metadata["next_image"]))}
    tree, metadata = checkpoint.load(path, checkpoint_template(like, path))
    return spec, params, grid, tree["device"], metadata


def write_outputs(workdir, records: list[dict], config, axes, seeds, **extra) -> None:
    """Write a finished study's (or continuation's) outputs to `workdir` and print its table:
    study.jsonl (`study_records`), config.json ({"config", "sweep", "seeds"} and `extra`),
    study.md (`markdown`) and study.png (`srbm_jax.analysis.plot_study`)."""
    from srbm_jax import analysis
    from srbm_jax.files import atomic_write

    workdir = Path(workdir)
    texts = {"study.jsonl": "".join(json.dumps(r) + "\n" for r in records),
             "config.json": json.dumps({"config": config_dict(config), "sweep": axes,
                                        "seeds": list(seeds), **extra}, indent=1),
             "study.md": markdown(records, list(axes))}
    for name, text in texts.items():
        with atomic_write(workdir / name, "w") as handle:
            handle.write(text)
    analysis.plot_study(records, list(axes), workdir / "study.png")
    print(texts["study.md"])


def study_records(records: list[dict], fields: list[str]) -> list[dict]:
    """The study's view of the driver's records (evaluated epochs only): epoch, seed, the
    swept values, validation_accuracy (None without a validation split) and its 100 ms value,
    test_accuracy and its 100 ms value, wall_s."""
    return [{"epoch": r["epoch"], "seed": r["seed"], **{f: r[f] for f in fields},
             "validation_accuracy": r.get("validation_accuracy"),
             "validation_accuracy_100ms": r.get("validation_accuracy_100ms"),
             "test_accuracy": r["test_accuracy"], "test_accuracy_100ms": r["test_accuracy_100ms"],
             "wall_s": r["wall_s"]} for r in records if r.get("test_accuracy") is not None]


def choice_metric(records: list[dict]) -> str:
    """The metric a study chooses on: validation_accuracy when the records have it,
    test_accuracy only for studies without a validation split (label them as chosen on test)."""
    has_validation = any(r.get("validation_accuracy") is not None for r in records)
    return "validation_accuracy" if has_validation else "test_accuracy"


def sample_sd(values: Sequence[float]) -> float:
    """The sample standard deviation (ddof = 1) of the seeds' values; 0 for a single seed."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def markdown(records: list[dict], fields: Sequence[str], metric: str | None = None) -> str:
    """Table: one row per combination of the swept values, one column per epoch, cells
    'mean (sd)' in % over the seeds of `metric` (sample sd, `sample_sd`) (default `choice_metric`: validation accuracy
    when there is a validation split), named in the table's first line."""
    metric = metric or choice_metric(records)
    epochs = sorted({r["epoch"] for r in records})
    combos = sorted({tuple(r[f] for f in fields) for r in records})
    columns = list(fields) or ["run"]  # a study over seeds only has one row
    header = "| " + " | ".join(columns) + " | seeds | " + " | ".join(f"ep{e}" for e in epochs) + " |"
    lines = [f"{metric.replace('_', ' ')} (%), mean (sd) over seeds", "", header,
             "|" + "---|" * (len(columns) + 1 + len(epochs))]
    for combo in combos:
        cells = []
        for epoch in epochs:
            values = [100 * r[metric] for r in records
                      if r["epoch"] == epoch and tuple(r[f] for f in fields) == combo]
            cells.append(f"{np.mean(values):.2f} ({sample_sd(values):.2f})")
        seeds = len({r["seed"] for r in records if tuple(r[f] for f in fields) == combo})
        lines.append("| " + (" | ".join(f"{v:g}" for v in combo) or "all") + f" | {seeds} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def check_study(config, axes: dict[str, Sequence[float]], seeds: Sequence[int]) -> None:
    """Validate every combination of a study (static and traced axes) before any work."""
    traced, static = split_axes(config, axes)
    for combo in zip(*sweep.product(**static).values(), strict=True) if static else [()]:
        single = config.copy_and_resolve_references()
        for field, value in zip(static, combo, strict=True):
            set_axis(single, field, value)
        study_params(single, traced, seeds)
