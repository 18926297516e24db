"""A process that uses one ``svpkit query`` state folder, for the race and kill tests.

``python _state_worker.py race POOL TRUTH STATE WORKDIR SECONDS SEED``: until SECONDS pass, at
random moments, query 3 rows or merge the true answers of the rows it was last given, and log
every call (kind, exit status, rows) as a JSON line in ``WORKDIR/log.jsonl``.

``python _state_worker.py merges POOL STATE FILE...``: merge the answer files one by one,
printing ``merged FILE`` after each (the kill test stops it at a random moment).
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import pandas as pd

from svpkit.cli import main


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def race(pool: str, truth_file: str, state: str, workdir: str, seconds: str, seed: str) -> None:
    rng = random.Random(int(seed))
    truth = pd.read_csv(truth_file)["label"].to_numpy()
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    log = (work / "log.jsonl").open("a")
    base = ["query", pool, "--labels", "label", "--state", state, "--wait", "20", "--quiet"]
    last: list[int] = []
    deadline = time.monotonic() + float(seconds)
    calls = 0
    done = set()
    # Until the deadline, and on a loaded machine past it until this worker has merged and
    # queried once each (the caller's timeout bounds it): a slow run must still race.
    while time.monotonic() < deadline or done != {"merge", "query"}:
        calls += 1
        late = time.monotonic() >= deadline
        if last and (rng.random() < 0.5 or (late and "merge" not in done)):
            answers = work / f"answers{calls}.csv"
            pd.DataFrame({"row": last, "label": truth[last]}).to_csv(answers, index=False)
            status = run([*base, "--merge", str(answers)])
            entry = {"kind": "merge", "status": status, "rows": last}
        else:
            out = work / f"query{calls}.csv"
            status = run(
                [*base, "--budget", "3", "--out", str(out), "--method", "random",
                 "--random-state", str(rng.randrange(1 << 16))]
            )  # fmt: skip
            rows = pd.read_csv(out)["row"].tolist() if status == 0 else []
            entry = {"kind": "query", "status": status, "rows": rows}
            last = rows or last
        if status == 0:
            done.add(entry["kind"])
        log.write(json.dumps(entry) + "\n")
        log.flush()
        time.sleep(rng.random() * 0.05)


def merges(pool: str, state: str, *files: str) -> None:
    for file in files:
        status = run(
            ["query", pool, "--labels", "label", "--state", state, "--merge", file, "--quiet"]
        )
        if status != 0:
            sys.exit(status)
        print(f"merged {file}", flush=True)


if __name__ == "__main__":
    {"race": race, "merges": merges}[sys.argv[1]](*sys.argv[2:])
