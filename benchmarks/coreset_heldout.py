"""The default selection on the pre-registered held-out cells (``benchmarks/cells.py``).

Data sets x target families no other benchmark uses, committed before the default rule of
issue 35 was changed and run once, on the rule of ``benchmarks.cells.FROZEN_RULE``: per cell,
the default (``CoresetSelector(fraction=f, random_state=s)``, nothing else named) against
class-balanced random, paired over seeds, the target trained on each subset and scored on a
fixed test split. ``python -m benchmarks.coreset_heldout [--datasets ...] [--summarise]``
(``coreset_quality --heldout``: the same loop, its own files). Writes
``benchmarks/results/coreset_heldout.json`` and ``coreset_heldout.png``.
"""

from __future__ import annotations

import sys
from collections import Counter

from benchmarks.cells import (
    FROZEN_RULE,
    HELDOUT_DATASETS,
    HELDOUT_SEEDS,
    HELDOUT_TOLERANCE_PP,
)

NAME = "coreset_heldout"
#: The commands behind the committed results (OMP_NUM_THREADS=1, side by side).
RUN_COMMANDS = (
    "python -m benchmarks.coreset_heldout --datasets signals1d tabular",
    "python -m benchmarks.coreset_heldout --datasets shapes2d rings",
)


def main(argv: list[str] | None = None) -> None:
    from benchmarks.coreset_quality import main as quality_main

    quality_main(["--heldout", *(sys.argv[1:] if argv is None else argv)])


def _validation_ratio(run: dict) -> float | None:
    """The selection's own work beyond its proxy's training, in proxy trainings (auto's
    validation, plus the small steps of reading the outputs and selecting: an upper bound)."""
    proxy = run.get("proxy_seconds")
    if not proxy:
        return None
    own = run.get("validation_seconds")
    if own is None:
        own = run.get("work_seconds", 0.0) - proxy
    return own / proxy


def cells(summary: list[dict], runs: list[dict]) -> list[dict]:
    """One row per held-out cell: the default's and uniform random's paired difference to
    class-balanced random, wins/ties/losses, what the default chose and its cost."""
    by_arm = {(r["dataset"], r["target"], r["arm"], r["fraction"]): r for r in summary}
    out = []
    for dataset, (_, target, _) in HELDOUT_DATASETS.items():
        for fraction in sorted({r["fraction"] for r in summary if r["dataset"] == dataset}):
            if fraction >= 1.0:
                continue
            mine = [
                r
                for r in runs
                if (r["dataset"], r["arm"], r["fraction"]) == (dataset, "default", fraction)
            ]
            paired = by_arm.get((dataset, target, "default", fraction)) or {"n_paired": 0}
            n_paired, diff = paired["n_paired"], paired.get("diff_pp")
            chosen = dict(Counter(r.get("chosen") or "?" for r in mine))
            ratios = [x for x in map(_validation_ratio, mine) if x is not None]
            uniform = by_arm.get((dataset, target, "random", fraction))
            cb = by_arm.get((dataset, target, "random_cb", fraction))
            out.append(
                {
                    "dataset": dataset,
                    "target": target,
                    "fraction": fraction,
                    "n_paired": n_paired,
                    "diff_pp": diff,
                    "diff_sd": paired.get("diff_sd"),
                    "wins": paired.get("wins", 0),
                    "ties": n_paired - paired.get("wins", 0) - paired.get("losses", 0),
                    "losses": paired.get("losses", 0),
                    "uniform_diff_pp": uniform["diff_pp"] if uniform else None,
                    "random_cb_accuracy": cb["accuracy"] if cb else None,
                    "chosen": chosen,
                    "max_validation_ratio": max(ratios) if ratios else None,
                    "passes": bool(n_paired and diff >= -HELDOUT_TOLERANCE_PP),
                }
            )
    return out


def _fmt(x: float | None, spec: str = "+.2f") -> str:
    return "" if x is None else format(x, spec)


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    rows = results.get("heldout_cells") or []
    full = {
        (r["dataset"], r["target"]): r["accuracy"] for r in results["summary"] if r["arm"] == "full"
    }
    done = [r for r in rows if r["n_paired"]]
    passed = sum(r["passes"] for r in done)
    n_runs = sum(sum(r["chosen"].values()) for r in done)
    left_random = sum(v for r in done for k, v in r["chosen"].items() if k != "random")
    wins = [r for r in done if r["diff_pp"] is not None and r["diff_pp"] > 0]
    where = (
        "it wins in "
        + ", ".join(
            f"{r['dataset']}/{r['target']} at {int(100 * r['fraction'])}% ({r['diff_pp']:+.2f} pp)"
            for r in wins
        )
        if wins
        else "it wins nowhere: its gain on these cells is zero"
    )
    lines = [
        "# Held-out cells: the default against random",
        "",
        "Data sets and target families that no other benchmark uses, listed in",
        "`benchmarks/cells.py` and committed before the default rule was changed; run once on",
        f"the rule frozen at commit `{results.get('frozen_rule') or FROZEN_RULE}`. Each cell is",
        f"judged by the default's paired mean difference to class-balanced random over "
        f"{HELDOUT_SEEDS} seeds; it passes at -{HELDOUT_TOLERANCE_PP} pp or better.",
        "",
        "Made by (each with `OMP_NUM_THREADS=1`, side by side):",
        "",
        *(f"    {c}" for c in RUN_COMMANDS),
        "",
        f"**{passed} of {len(done)} cells pass.**"
        + (f" ({len(rows) - len(done)} not run yet.)" if len(done) < len(rows) else "")
        + f" The default left class-balanced random in {left_random} of {n_runs} runs; {where}.",
        "",
        "| data / target | kept | all rows | class-balanced random | default - random_cb (pp) "
        "| sd | wins / ties / losses | uniform random - random_cb (pp) | default chose "
        "| validation / proxy training (max) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        chose = ", ".join(f"{k} {v}" for k, v in sorted(r["chosen"].items(), key=lambda x: -x[1]))
        lines.append(
            f"| {r['dataset']} / {r['target']} | {int(100 * r['fraction'])}% "
            f"| {_fmt(full.get((r['dataset'], r['target'])), '.3f')} "
            f"| {_fmt(r['random_cb_accuracy'], '.3f')} | {_fmt(r['diff_pp'])} "
            f"| {_fmt(r['diff_sd'], '.2f')} | {r['wins']} / {r['ties']} / {r['losses']} "
            f"| {_fmt(r['uniform_diff_pp'])} | {chose} | {_fmt(r['max_validation_ratio'], '.2f')} |"
        )
    lines += [
        "",
        "The validation column is the selection's work beyond its proxy's training, in proxy",
        "trainings (auto's validation plus reading the outputs and selecting; an upper bound on",
        "auto's own share), timed while four benchmark processes shared two cores; the quiet",
        "measurement, one process per core, is on the [validation cost page](auto_cost.md).",
        "Where the default keeps random it selects exactly the class-balanced",
        "random subset of the same seed, so its difference there is zero up to the target's own",
        "run-to-run variation.",
        "",
        "![held-out cells](../benchmarks/results/coreset_heldout.png)",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
