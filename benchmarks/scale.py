"""The whole selector at 1M, 3M and 10M rows: a memory-mapped pool end to end, and on dask.

Each run is one process (clean peak memory) that opens a generated ``n x 128`` float32
``.npy`` pool with ``np.load(..., mmap_mode="r")``, fits a selector with the default MLP proxy
trained on 20,000 labeled rows (``proxy_train_size`` for the core-set, 20,000 labeled rows for
active learning), writes the selection, and reports per stage the seconds, rows per second and
peak anonymous memory, next to the bounds measured in the same process:

- ``read_pool``: one chunked pass that sums the pool, the faster of two (the first may come
  from disk; the page cache then holds the pool, as it does for the selector: this machine has
  24 GB for a 5 GB file; the first is kept as ``bound_read_pool_cold_s``);
- ``read_proba``: one chunked pass that sums an ``n x n_classes`` float32 array (the faster
  of two). Uncertainty scores are streamed during inference (the probabilities are never
  held); the time inside the scoring kernels is recorded as ``streamed_scoring_s`` and counted
  with the selection against this bound.

Memory: a thread reads ``RssAnon`` from ``/proc/self/status`` every 5 ms (anonymous pages only:
the file-backed pages of the pool and of memory-mapped embeddings are not counted, and the
kernel can drop them under pressure). Stage peaks come from the samples between the stage
boundaries (``fit_seconds_``). For dask runs, the workers' ``RssAnon`` is summed in.

One JSON record per (rows, selector, method, k, backend) is appended to
``benchmarks/results/scale_runs.jsonl``; finished ones are skipped (``--rerun`` redoes them).
``--summarise`` writes ``scale.json`` and ``scale.png`` (the docs site renders its page from the
JSON).

Usage::

    python -m benchmarks.scale                      # every run, 1M / 3M / 10M (about 40 min)
    python -m benchmarks.scale --rows 1000000       # one size
    python -m benchmarks.scale --summarise
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.common.data import POOL_CLASSES as N_CLASSES
from benchmarks.common.data import POOL_DIR, make_pool
from benchmarks.common.data import POOL_FEATURES as N_FEATURES
from benchmarks.common.report import pyplot
from benchmarks.common.results import RESULTS, ROOT, append_run, read_runs, write_json

RUNS = RESULTS / "scale_runs.jsonl"
N_TRAIN = 20_000
SIZES = (1_000_000, 3_000_000, 10_000_000)
#: (selector, method, k, backend)
RUN_SPECS = [
    ("coreset", "kcenters", 1000, "memmap"),
    ("coreset", "kcenters", 10000, "memmap"),
    ("coreset", "least_confidence", 1000, "memmap"),
    ("coreset", "moderate", 1000, "memmap"),
    ("proxy", "least_confidence", 1000, "memmap"),
    ("proxy", "kcenters", 1000, "memmap"),
    ("proxy", "least_confidence", 1000, "dask"),
    ("proxy", "kcenters", 1000, "dask"),
]
STAGES = ("validate", "proxy_fit", "score", "select", "weigh", "write")
UNCERTAINTY = ("least_confidence", "entropy", "margin")


# -- measurement --------------------------------------------------------------------------
def _rss_anon_kb(pid: str = "self") -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class AnonSampler:
    """``RssAnon`` of this process (and of its child processes: dask workers), every 5 ms."""

    def __init__(self, children: bool = False) -> None:
        self.samples: list[tuple[float, float]] = []
        self.children = children
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total_kb(self) -> int:
        total = _rss_anon_kb()
        if self.children:
            import psutil

            for child in psutil.Process().children(recursive=True):
                total += _rss_anon_kb(str(child.pid))
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), self._total_kb() / 1024))
            time.sleep(0.005 if not self.children else 0.05)

    def __enter__(self) -> AnonSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = -np.inf, stop: float = np.inf) -> float:
        values = [mb for t, mb in self.samples if start <= t <= stop]
        return max(values) if values else float("nan")


def chunked_sum(a: np.ndarray, chunk_rows: int = 1 << 16) -> float:
    total = 0.0
    for start in range(0, len(a), chunk_rows):
        total += float(a[start : start + chunk_rows].sum())
    return total


def devices() -> dict[str, str]:
    import faiss
    import torch

    from svpkit.utils import resolve_device

    gpus = faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0
    return {
        "proxy": resolve_device("auto"),
        "kcenters": "cuda (torch engine)" if torch.cuda.is_available() else "cpu (numpy engine)",
        "faiss": f"gpu x{gpus}" if gpus else "cpu",
    }


def dask_pool(x_path: Path, n_rows: int, chunk_rows: int):
    """The memmap as a dask array whose tasks open the file themselves (a memmap put into
    the graph would be pickled whole to every worker)."""
    import dask
    import dask.array as da

    @dask.delayed(pure=True)
    def load(start: int, stop: int) -> np.ndarray:
        return np.array(np.load(x_path, mmap_mode="r")[start:stop])

    blocks = [
        da.from_delayed(
            load(s, min(s + chunk_rows, n_rows)),
            (min(s + chunk_rows, n_rows) - s, N_FEATURES),
            dtype=np.float32,
        )
        for s in range(0, n_rows, chunk_rows)
    ]
    return da.concatenate(blocks)


def run_one(spec: dict) -> dict:
    """One run in this process; returns its record."""
    n_rows, selector_name, method, k, backend = (
        spec["n_rows"],
        spec["selector"],
        spec["method"],
        spec["k"],
        spec["backend"],
    )
    data_dir = Path(spec["data_dir"])
    x_path, y_path = make_pool(data_dir, n_rows)
    X = np.load(x_path, mmap_mode="r")
    y = np.load(y_path)
    import torch  # noqa: F401  (imports before the baseline)

    from svpkit import CoresetSelector, ProxySelector

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    record: dict = {**{k_: spec[k_] for k_ in ("n_rows", "selector", "method", "k", "backend")}}
    record["n_features"] = N_FEATURES
    record["devices"] = devices()
    # Two passes: the first may read from disk (a cold page cache); the bound is the warm one,
    # which is how the selector then finds the pool.
    reads = []
    for _ in range(2):
        start = time.perf_counter()
        chunked_sum(X)
        reads.append(time.perf_counter() - start)
    record["bound_read_pool_cold_s"] = reads[0]
    record["bound_read_pool_s"] = min(reads)
    n_train = min(N_TRAIN, n_rows // 10)  # 20,000 at every benchmarked size; less in tests
    rows_labeled = np.sort(np.random.default_rng(1).choice(n_rows, n_train, replace=False))
    if selector_name == "coreset":
        y_fit = y
        sel = CoresetSelector(
            method=method,
            n_select=k,
            class_balance=False,
            proxy_train_size=n_train,
            random_state=0,
        )
    else:
        y_fit = np.full(n_rows, -1, dtype=np.int64)
        y_fit[rows_labeled] = y[rows_labeled]
        sel = ProxySelector(method=method, n_select=k, random_state=0)
    client = cluster = None
    pool = X
    if backend == "dask":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        pool = dask_pool(x_path, n_rows, chunk_rows=spec.get("chunk_rows", 250_000))
    # Time spent in the streamed per-row scoring kernels (inside the inference stage).
    from svpkit.nn import net as net_module

    scoring = {"seconds": 0.0}
    score_block = net_module._StagedScores._score

    def timed_score(self, proba, start):
        t0 = time.perf_counter()
        score_block(self, proba, start)
        scoring["seconds"] += time.perf_counter() - t0

    net_module._StagedScores._score = timed_score
    sampler = AnonSampler(children=backend == "dask")
    with sampler:
        time.sleep(0.05)
        record["baseline_anon_mb"] = sampler.peak()
        fit_start = time.perf_counter()
        sel.fit(pool, y_fit)
        fit_end = time.perf_counter()
        out_dir = data_dir / "selections"
        out_dir.mkdir(exist_ok=True)
        stem = f"{selector_name}_{method}_{k}_{backend}_{n_rows}"
        np.save(out_dir / f"{stem}_indices.npy", sel.sample_indices_)
        np.save(out_dir / f"{stem}_rows.npy", np.asarray(X[sel.sample_indices_]))
        write_end = time.perf_counter()
    seconds = dict(sel.fit_seconds_)
    seconds["write"] = write_end - fit_end
    record["total_s"] = write_end - fit_start
    record["stages"] = {}
    t = fit_start
    for stage in STAGES:
        s = seconds.get(stage, 0.0)
        record["stages"][stage] = {
            "seconds": s,
            "rows_per_s": n_rows / s if s > 0 else None,
            "peak_anon_mb": sampler.peak(t, t + s + 0.01),
        }
        t += s
    record["peak_anon_mb"] = sampler.peak(fit_start, write_end)
    import resource

    record["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if client is not None:
        client.close()
        cluster.close()
    proba = np.random.default_rng(0).random((n_rows, N_CLASSES), dtype=np.float32)
    reads = []
    for _ in range(2):
        start = time.perf_counter()
        chunked_sum(proba)
        reads.append(time.perf_counter() - start)
    record["bound_read_proba_s"] = min(reads)
    record["streamed_scoring_s"] = scoring["seconds"]  # 0 when the scores were not streamed
    record["sample_indices_hash"] = int(np.sum(sel.sample_indices_ * 2654435761 % (1 << 31)))
    record["covering_radius"] = sel.covering_radius_
    return record


# -- driver -------------------------------------------------------------------------------
def _key(r: dict) -> tuple:
    return (r["n_rows"], r["selector"], r["method"], r["k"], r["backend"])


def drive(sizes, data_dir: Path, rerun: bool, specs) -> None:
    done = {_key(r) for r in read_runs(RUNS)}
    for n_rows in sizes:
        make_pool(data_dir, n_rows)
        for selector_name, method, k, backend in specs:
            spec = {
                "n_rows": n_rows,
                "selector": selector_name,
                "method": method,
                "k": k,
                "backend": backend,
                "data_dir": str(data_dir.resolve()),
            }
            if _key(spec) in done and not rerun:
                continue
            print("running", spec, flush=True)
            out = subprocess.run(  # from the checkout's root, where ``benchmarks`` imports
                [sys.executable, "-m", "benchmarks.scale", "--one", json.dumps(spec)],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                print(out.stderr[-3000:], file=sys.stderr, flush=True)
                continue
            record = json.loads(out.stdout.strip().splitlines()[-1])
            append_run(RUNS, record)
            print(json.dumps(record), flush=True)
        # selections and page cache of this size are not needed by the next
        for path in (data_dir / "selections").glob(f"*_{n_rows}_*.npy"):
            path.unlink()


def summarise() -> dict:
    runs = {}
    for r in read_runs(RUNS):
        runs[_key(r)] = r  # the latest record of a key wins
    table = sorted(
        runs.values(), key=lambda r: (r["backend"], r["selector"], r["method"], r["k"], r["n_rows"])
    )
    for r in table:
        inference = r["stages"]["score"]["seconds"]
        r["ratio_total_to_inference_plus_read"] = r["total_s"] / (
            inference + r["bound_read_pool_s"]
        )
        # Scoring (streamed inside inference, or inside select when not streamed) + select.
        r["ratio_select_to_read_proba"] = (
            r["stages"]["select"]["seconds"] + r.get("streamed_scoring_s", 0.0)
        ) / r["bound_read_proba_s"]
    summary = {"runs": table}
    write_json(RESULTS / "scale.json", summary)
    _plot(table)
    return summary


def _plot(table: list[dict]) -> None:
    plt = pyplot()
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4))
    series: dict = {}
    for r in table:
        series.setdefault((r["selector"], r["method"], r["k"], r["backend"]), []).append(r)
    for (sel, method, k, backend), rs in series.items():
        rs = sorted(rs, key=lambda r: r["n_rows"])
        label = f"{sel} {method} k={k} {backend}"
        n = [r["n_rows"] / 1e6 for r in rs]
        ax_t.plot(n, [r["total_s"] for r in rs], marker="o", label=label)
        ax_m.plot(n, [r["peak_anon_mb"] for r in rs], marker="o", label=label)
    reads = sorted({(r["n_rows"], r["bound_read_pool_s"]) for r in table})
    ax_t.plot(
        [a / 1e6 for a, _ in reads], [b for _, b in reads], "k--", label="one read of the pool"
    )
    ax_t.set(xlabel="rows (millions)", ylabel="seconds (fit + write)", xscale="log", yscale="log")
    ax_m.axhline(1536, color="k", ls=":", label="1.5 GB")
    ax_m.set(xlabel="rows (millions)", ylabel="peak anonymous memory (MB)", xscale="log")
    ax_t.legend(fontsize=6)
    ax_m.legend(fontsize=6)
    fig.suptitle(f"svpkit at scale: n x {N_FEATURES} float32 memmap, 2 cores")
    fig.tight_layout()
    fig.savefig(RESULTS / "scale.png", dpi=120)


def render_page(results: dict) -> str:
    """The docs page, from the saved results alone (the docs build calls this)."""
    table = results["runs"]
    lines = [
        "# The whole selector at scale: seconds by stage",
        "",
        "Command: `python -m benchmarks.scale` (resumable; `--summarise` rebuilds "
        "`benchmarks/results/scale.json` from `scale_runs.jsonl`). What the columns mean and "
        "how to read them: the scale guide.",
        "",
        "| rows | selector | method | k | backend | validate | proxy fit | inference | select"
        " | weigh | write | total s | read pool s | total / (inference + read) | scoring +"
        " select / read proba | peak anon MB |",
        "|" + "---|" * 16,
    ]
    for r in table:
        st = r["stages"]
        # Each ratio only where its bound applies: inference in this process (not on dask
        # workers inside the two-round k-centers), probabilities scored (uncertainty methods).
        to_pool = (
            f"{r['ratio_total_to_inference_plus_read']:.2f}" if st["score"]["seconds"] else "–"
        )
        to_proba = f"{r['ratio_select_to_read_proba']:.1f}" if r["method"] in UNCERTAINTY else "–"
        lines.append(
            f"| {r['n_rows']:,} | {r['selector']} | {r['method']} | {r['k']:,} | {r['backend']} | "
            + " | ".join(f"{st[s]['seconds']:.2f}" for s in STAGES)
            + f" | {r['total_s']:.1f} | {r['bound_read_pool_s']:.2f}"
            f" | {to_pool} | {to_proba} | {r['peak_anon_mb']:.0f} |"
        )
    lines += ["", "![svpkit at scale](../benchmarks/results/scale.png)", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--data-dir", type=Path, default=POOL_DIR)
    parser.add_argument("--rerun", action="store_true")
    parser.add_argument("--summarise", action="store_true")
    parser.add_argument("--only", default=None, help="run only specs whose method/backend match")
    parser.add_argument("--max-k", type=int, default=None, help="skip runs with a larger k")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(json.loads(args.one))))
        return
    if args.summarise:
        summarise()
        return
    specs = [s for s in RUN_SPECS if args.only is None or args.only in "/".join(map(str, s))]
    specs = [s for s in specs if args.max_k is None or s[2] <= args.max_k]
    drive(args.rows, args.data_dir, args.rerun, specs)
    summarise()


if __name__ == "__main__":
    main()
