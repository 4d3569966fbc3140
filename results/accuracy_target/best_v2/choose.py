"""Issue 13 item 5: choose the accuracy-target candidate on validation, then report its test
accuracy once (session 12).

  python results/accuracy_target/best_v2/choose.py [metrics.jsonl of a fork ...]

Candidates: every evaluated epoch of the constant-step run (results/accuracy_target/best_v2) and
of each fork given (e.g. results/accuracy_target/best_v2_anneal/metrics.jsonl). The trained array
and the tail average (the mean of the epoch's checkpoint states, its own row) are chosen
separately, each by its mean validation accuracy at 300 ms over the 3 seeds; the test columns
are printed for the chosen rows only.
"""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def candidates(path: Path, name: str) -> dict[str, dict[str, list[float]]]:
    """{"<name> epoch <e>": {column: [per-seed values]}} of the evaluated epochs of a run."""
    rows: dict[str, dict[str, list[float]]] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record.get("validation_accuracy") is None:
            continue
        row = rows.setdefault(f"{name} epoch {record['epoch']}", {})
        for column in ("validation_accuracy", "validation_accuracy_100ms",
                       "validation_accuracy_tail", "test_accuracy", "test_accuracy_100ms",
                       "test_accuracy_tail"):
            if record.get(column) is not None:
                row.setdefault(column, []).append(100 * record[column])
    return rows


def cell(values: list[float]) -> str:
    return (", ".join(f"{v:.2f}" for v in values)
            + f": **{statistics.mean(values):.2f} ({statistics.stdev(values):.2f})**")


def main(forks: list[str]) -> None:
    rows = candidates(HERE / "metrics.jsonl", "constant steps")
    for fork in forks:
        rows.update(candidates(Path(fork), Path(fork).parent.name))
    print("Validation at 300 ms, seeds 1-3: mean (sd)\n")
    print("| candidate | trained array | 100 ms | tail average (own row) |")
    print("|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {cell(row['validation_accuracy'])} | "
              f"{statistics.mean(row['validation_accuracy_100ms']):.2f} | "
              f"{cell(row['validation_accuracy_tail']) if 'validation_accuracy_tail' in row else '-'} |")
    for kind, column in (("trained array", ""), ("tail average", "_tail")):
        scored = {name: statistics.mean(row[f"validation_accuracy{column}"])
                  for name, row in rows.items() if f"validation_accuracy{column}" in row}
        chosen = max(scored, key=scored.get)
        row = rows[chosen]
        print(f"\nChosen on validation, {kind}: {chosen} ({scored[chosen]:.2f} %). "
              f"Test at 300 ms: {cell(row[f'test_accuracy{column}'])}"
              + (f"; at 100 ms {statistics.mean(row['test_accuracy_100ms']):.2f}"
                 if not column else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
