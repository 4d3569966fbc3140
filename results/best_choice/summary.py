"""best.py's knobs re-chosen on validation: one table over the rows of results/best_choice/run.sh.

  python results/best_choice/summary.py > results/best_choice/summary.md

For every finished row (its study.jsonl) and every value: the validation accuracy after the last
epoch, mean (sd) over seeds 1-3, and its paired difference from best.py's own value in the same
row (same seeds, so the same initial states and image orders where the value does not change
them; the step_decay rows are paired with the set_reset_step row's 0.005 networks and
walk_step_low with walk_step's 0.05, which are best.py; the rows after session 10, *_v2, with
walk_step_low's 0.025 networks, which are best.py since). Rule (results/best_choice/run.sh): a
value replaces best.py's when its mean beats best.py's by more than one sd of the paired
differences and by more than 0.1 points. Test accuracy is not read.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent

# where best.py's networks live for a row that does not sweep best.py's value
BASELINE_ROW = {"step_decay_0.8": "set_reset_step", "step_decay_0.6": "set_reset_step",
                "walk_step_low": "walk_step"}
# rows that change a static setting and sweep best.py's threshold only to run: their label
SINGLE = {"step_decay_0.8": "step_decay = 0.8", "step_decay_0.6": "step_decay = 0.6"}
# rows after session 10 (best.py at walk 0.025): best.py's networks are walk_step_low's 0.025
BASELINE_VALUE = {"n_hidden_v2": ("walk_step_low", 0.025),
                  "batch_size_v2": ("walk_step_low", 0.025)}
MIN_GAIN = 0.1  # points: smaller gains are not worth a change however consistent


def best_value(field: str, row_dir: Path) -> float:
    """best.py's value of a swept field ("a+b" tied fields: the first) as the row ran it: the
    base config in the row's config.json (best.py changes when a row wins; the row keeps the
    best.py it started from)."""
    config = json.loads((row_dir / "config.json").read_text())["config"]
    name = field.split("+")[0]
    section, _, leaf = name.rpartition(".")
    return float((config[section] if section else config)[leaf])


def last_epoch(path: Path) -> tuple[str, dict[float, dict[int, float]]]:
    """(swept field, {value: {seed: validation accuracy % after the last epoch}})."""
    records = [json.loads(line) for line in path.read_text().splitlines()]
    epoch = max(r["epoch"] for r in records)
    fields = [k for k in records[0] if k not in ("epoch", "seed", "wall_s", "network")
              and not k.startswith(("validation_", "test_"))]
    if len(fields) != 1:
        raise ValueError(f"{path}: expected one swept field, found {fields}")
    table: dict[float, dict[int, float]] = {}
    for r in records:
        if r["epoch"] == epoch:
            table.setdefault(float(r[fields[0]]), {})[int(r["seed"])] = 100 * r["validation_accuracy"]
    return fields[0], table


def main() -> None:
    print("| row | value | validation, last epoch | minus best.py's (paired) | verdict |")
    print("|---|---|---|---|---|")
    for row_dir in sorted(p for p in ROOT.iterdir() if (p / "study.jsonl").exists()):
        field, table = last_epoch(row_dir / "study.jsonl")
        row = row_dir.name
        if row in BASELINE_VALUE:
            base_row, base_value = BASELINE_VALUE[row]
            if not (ROOT / base_row / "study.jsonl").exists():
                continue
            baseline = last_epoch(ROOT / base_row / "study.jsonl")[1][base_value]
            config = json.loads((row_dir / "config.json").read_text())["config"]
            epochs_done = max(json.loads(line)["epoch"] for line in
                              (row_dir / "study.jsonl").read_text().splitlines())
            if epochs_done < config["epochs"]:  # still running: no comparison across epochs
                continue
        elif row in BASELINE_ROW:
            base_path = ROOT / BASELINE_ROW[row] / "study.jsonl"
            if not base_path.exists():
                continue
            base_field, base_table = last_epoch(base_path)
            baseline = base_table[best_value(base_field, ROOT / BASELINE_ROW[row])]
            if row in SINGLE:
                table = {SINGLE[row]: next(iter(table.values()))}
        else:
            baseline = table.get(best_value(field, row_dir))
        for value, seeds in table.items():
            accuracies = np.array(list(seeds.values()))
            cell = f"{accuracies.mean():.2f} ({accuracies.std(ddof=1):.2f})"
            is_best = baseline is seeds
            if baseline is None or is_best:
                print(f"| {row} | {value} | {cell} | {'best.py' if is_best else '-'} | |")
                continue
            diff = np.array([seeds[s] - baseline[s] for s in sorted(seeds)])
            wins = diff.mean() > max(diff.std(ddof=1), MIN_GAIN)
            print(f"| {row} | {value} | {cell} | {diff.mean():+.2f} ({diff.std(ddof=1):.2f}) | "
                  f"{'**better**' if wins else ''} |")


if __name__ == "__main__":
    main()
