"""Choose a run's epoch on validation, then report its test accuracy once (sessions 12, 15).

  python results/choose.py <metrics.jsonl> [<metrics.jsonl> ...]

Candidates: every evaluated epoch of every run given (a study's metrics.jsonl, named by its
folder), and of every combination of a study's sweep (its config.json's "sweep" fields). The
trained array and the tail average (the mean of the epoch's checkpoint states, its own row) are
chosen separately, each by its mean validation accuracy at the run's presentation
time over the seeds; the test columns are printed for the chosen rows only. Used for issue 13's
accuracy target (`results/accuracy_target/best_v2/metrics.jsonl` and its forks) and issue 16's
spiking DBN (`results/dbn/full_*/layer2/metrics.jsonl`).
"""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def candidates(path: Path, name: str) -> dict[str, dict[str, list[float]]]:
    """{"<name> [<field>=<value> ...] epoch <e>": {column: [per-seed values]}} of the evaluated
    epochs of a run, one row per combination of its sweep."""
    config = path.parent / "config.json"
    axes = list(json.loads(config.read_text()).get("sweep") or {}) if config.exists() else []
    rows: dict[str, dict[str, list[float]]] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record.get("validation_accuracy") is None:
            continue
        combination = "".join(f" {axis}={record[axis]:g}" for axis in axes)
        row = rows.setdefault(f"{name}{combination} epoch {record['epoch']}", {})
        for column in ("validation_accuracy", "validation_accuracy_100ms",
                       "validation_accuracy_tail", "test_accuracy", "test_accuracy_100ms",
                       "test_accuracy_tail"):
            if record.get(column) is not None:
                row.setdefault(column, []).append(100 * record[column])
    return rows


def cell(values: list[float]) -> str:
    return (", ".join(f"{v:.2f}" for v in values)
            + f": **{statistics.mean(values):.2f} ({statistics.stdev(values):.2f})**")


def _mean(values: list[float] | None) -> str:
    return f"{statistics.mean(values):.2f}" if values else "-"


def main(paths: list[str]) -> None:
    if not paths:
        raise SystemExit(__doc__)
    rows: dict[str, dict[str, list[float]]] = {}
    for path in paths:
        rows.update(candidates(Path(path), Path(path).parent.name))
    print("Validation, seeds given: mean (sd)\n")
    print("| candidate | trained array | 100 ms | tail average (own row) |")
    print("|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {cell(row['validation_accuracy'])} | "
              f"{_mean(row.get('validation_accuracy_100ms'))} | "
              f"{cell(row['validation_accuracy_tail']) if 'validation_accuracy_tail' in row else '-'} |")
    for kind, column in (("trained array", ""), ("tail average", "_tail")):
        scored = {name: statistics.mean(row[f"validation_accuracy{column}"])
                  for name, row in rows.items() if f"validation_accuracy{column}" in row}
        if not scored:  # a study without this row (no tail average evaluated)
            continue
        chosen = max(scored, key=scored.get)
        row = rows[chosen]
        print(f"\nChosen on validation, {kind}: {chosen} ({scored[chosen]:.2f} %). "
              f"Test: {cell(row[f'test_accuracy{column}'])}"
              + (f"; at 100 ms {_mean(row.get('test_accuracy_100ms'))}" if not column else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
