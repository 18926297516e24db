"""Reading an image folder: svpkit's decode-once cache against a bare Pillow loop, side by side.

On the same files and the same number of processes (one per core), each repeat times:

- ``bare``: a bare Pillow decode loop, the files split into chunks of 1,000 over a
  ``ProcessPoolExecutor`` (forked workers), each worker decoding into a numpy array;
- ``first``: ``ImageFolder(root).pixels()`` with an empty cache folder: listing, fingerprint,
  decoding and writing the cache;
- ``second, new object``: a new ``ImageFolder(root)`` on the filled cache, as a second process
  (a second fit, an active-learning round) would open it (listing and fingerprinting the
  files), with a byte of every page of the pixels read;
- ``second, same object``: ``pixels()`` again on the object of ``first`` (a grid search);
- ``hf``: Hugging Face ``datasets``' ``imagefolder`` builder, to every image as a numpy array,
  when ``--hf-python`` names an interpreter that has ``datasets`` (it is not an svpkit
  dependency).

Then the peak anonymous memory (``RssAnon``, sampled) of a whole ``CoresetSelector`` fit with
the default image proxy on the pool, in a fresh process.

``python -m benchmarks.image_read --data FOLDER [--repeats 3] [--hf-python PATH]``; without
``--data``, the CIFAR-10 training folder of ``benchmarks/cifar10.py``. ``--quick``: a generated
folder of 2,000 small images. Writes ``benchmarks/results/image_read.json``.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from benchmarks.common.environment import environment
from benchmarks.common.results import RESULTS, benchmark_parser, publish

NAME = "image_read"


def _bare_chunk(paths: list[str]) -> int:
    from PIL import Image

    out = None
    for i, path in enumerate(paths):
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"))
        if out is None:
            out = np.empty((len(paths), *pixels.shape), np.uint8)
        out[i] = pixels
    return len(paths)


def bare_decode(paths: list[str], workers: int) -> float:
    start = time.perf_counter()
    chunks = [paths[i : i + 1000] for i in range(0, len(paths), 1000)]
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        assert sum(pool.map(_bare_chunk, chunks)) == len(paths)
    return time.perf_counter() - start


HF_SCRIPT = """
import sys, time, numpy as np
from datasets import load_dataset
start = time.perf_counter()
ds = load_dataset("imagefolder", data_dir=sys.argv[1], split="train", cache_dir=sys.argv[2],
                  num_proc=int(sys.argv[3]))
ds = ds.with_format("numpy")
n = 0
for batch in ds.iter(batch_size=1000):
    n += len(np.stack(batch["image"]))
print(time.perf_counter() - start, n)
"""


def hf_decode(python: str, root: Path, workers: int) -> float:
    with tempfile.TemporaryDirectory() as cache:
        done = subprocess.run(
            [python, "-c", HF_SCRIPT, str(root), cache, str(workers)],
            capture_output=True,
            text=True,
            check=True,
        )
    return float(done.stdout.split()[0])


ANON_SCRIPT = """
import sys, threading, time
from pathlib import Path
peak = [0]
def anon():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
def sample():
    while True:
        peak[0] = max(peak[0], anon()); time.sleep(0.01)
threading.Thread(target=sample, daemon=True).start()
from svpkit import CoresetSelector
from svpkit.images import ImageFolder
images = ImageFolder(sys.argv[1], cache_dir=sys.argv[2])
start = time.perf_counter()
CoresetSelector(method=sys.argv[3], fraction=0.5, random_state=0).fit(images)
time.sleep(0.05)
print(max(peak[0], anon()), time.perf_counter() - start)
"""


def peak_anonymous(root: Path, cache: str, method: str) -> tuple[int, float]:
    done = subprocess.run(
        [sys.executable, "-c", ANON_SCRIPT, str(root), cache, method],
        capture_output=True,
        text=True,
        check=True,
    )
    peak, seconds = done.stdout.split()
    return int(peak), float(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, RESULTS, "a generated folder of 2,000 images")
    parser.add_argument("--data", type=Path, default=None, help="an image folder")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hf-python", default=None, help="a python with Hugging Face datasets")
    parser.add_argument("--memory-method", default="forgetting")
    args = parser.parse_args(argv)
    from joblib import cpu_count

    from svpkit.images import ImageFolder

    if args.quick:
        from benchmarks.cifar10 import quick_folder

        scratch = tempfile.mkdtemp(prefix="svpkit-read-quick-")
        atexit.register(shutil.rmtree, scratch, True)  # generated images: nothing to keep
        root = quick_folder(Path(scratch), n_per_class=700, side=32) / "train"
        args.repeats = 1
    elif args.data is not None:
        root = args.data
    else:
        from benchmarks.cifar10 import data_folder

        root = data_folder(None) / "train"
    workers = cpu_count()
    paths = ImageFolder(root).paths.tolist()
    rows = []
    for repeat in range(args.repeats):
        cache = tempfile.mkdtemp(prefix="svpkit-read-")
        try:
            row = {"repeat": repeat, "bare": bare_decode(paths, workers)}
            start = time.perf_counter()
            images = ImageFolder(root, cache_dir=cache)
            images.pixels()
            row["first"] = time.perf_counter() - start
            start = time.perf_counter()
            again = ImageFolder(root, cache_dir=cache)
            pixels = again.pixels()  # one byte of every page read, to map them all
            row["checksum"] = int(pixels.reshape(-1)[::4096].astype(np.int64).sum())
            row["second_new_object"] = time.perf_counter() - start
            start = time.perf_counter()
            images.pixels()
            row["second_same_object"] = time.perf_counter() - start
            if args.hf_python:
                row["hf"] = hf_decode(args.hf_python, root, workers)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    median = {k: float(np.median([r[k] for r in rows])) for k in rows[0] if k != "repeat"}
    cache = tempfile.mkdtemp(prefix="svpkit-read-")
    try:
        peak, fit_seconds = peak_anonymous(root, cache, args.memory_method)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    payload = {
        "command": "python -m benchmarks.image_read " + " ".join(argv or sys.argv[1:]),
        "environment": environment(),
        "n_files": len(paths),
        "workers": workers,
        "rows": rows,
        "median": median,
        "rate_vs_bare": median["bare"] / median["first"],
        "second_read_share": median["second_new_object"] / median["first"],
        "hf_vs_svpkit": median["hf"] / median["first"] if "hf" in median else None,
        "fit_peak_anonymous_bytes": peak,
        "fit_seconds": fit_seconds,
        "memory_method": args.memory_method,
    }
    publish(args, NAME, payload, render_page(payload))
    return 0


def render_page(r: dict) -> str:
    m = r["median"]
    hf = (
        f"| Hugging Face `datasets` imagefolder, to numpy | {m['hf']:.2f} | "
        f"{m['first'] / m['hf']:.2f}x |\n"
        if "hf" in m
        else ""
    )
    return (
        "# Reading an image folder\n\n"
        f"Command: `{r['command']}`. {r['n_files']:,} files, {r['workers']} processes, median of "
        f"{len(r['rows'])} repeats.\n\n"
        "| read | seconds | rate vs svpkit's first read |\n|---|---|---|\n"
        f"| bare Pillow loop | {m['bare']:.2f} | {m['first'] / m['bare']:.2f}x |\n"
        f"| svpkit, first read (decode + cache) | {m['first']:.2f} | 1.00x |\n"
        f"| svpkit, second read, new object (pages read) | {m['second_new_object']:.3f} | – |\n"
        f"| svpkit, second read, same object | {m['second_same_object']:.5f} | – |\n"
        f"{hf}\n"
        f"The first read decodes at {r['rate_vs_bare']:.0%} of the bare loop's rate; a second "
        f"read costs {r['second_read_share']:.1%} of the first. A whole "
        f"`CoresetSelector(method={r['memory_method']!r}, fraction=0.5)` fit with the default "
        f"image proxy peaked at {r['fit_peak_anonymous_bytes'] / 2**20:.0f} MiB of anonymous "
        f"memory ({r['fit_seconds']:.0f} s).\n"
    )


if __name__ == "__main__":
    sys.exit(main())
