"""Run mutation testing (mutmut 3) over svpkit and write its results file.

Usage (from anywhere; docs/mutation.md has the whole story)::

    python mutation/run.py                      # the full run, in the foreground
    bash mutation/run.sh                        # the same, in the background (log + pid file)
    python mutation/run.py --only svpkit/kernels/topk.py --tests tests/kernels/test_topk.py
    python mutation/run.py --recheck            # rerun the survivors (after adding tests)
    python mutation/run.py --report-only        # rewrite the results file from the cache

The configuration is the ``[tool.mutmut]`` section of pyproject.toml. Each run works in its own
folder, ``mutation/work/<name>/`` (``all`` for the full configuration, else named after
``--only``), holding a generated pyproject.toml (that section, narrowed by ``--only`` and
``--tests``; mutmut reads its configuration from the working directory only), links to
``svpkit/`` and ``tests/``, and mutmut's cache ``mutants/``. The cache makes a run resumable:
run the same command again and only the mutants without a result run (a function whose code
changed loses its mutants' results). Nothing under ``mutation/work/`` is committed.

Every process runs at ``nice 10`` with one thread per worker (``OMP_NUM_THREADS=1`` and the
BLAS equivalents), ``--max-children`` workers (default 2: the two cores of the development
machine). The results file holds, per package and per file, the killed, survived, timeout,
no-test and equivalent counts and the score (detected / non-equivalent mutants), with the
command, the wall time and the commit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "mutation"
WORK = HERE / "work"
EQUIVALENT = HERE / "equivalent.md"
FULL_RESULTS = HERE / "results.json"
#: What the tests need from the checkout, linked into every work folder (docs: the pages some
#: tests read, named in also_copy).
LINKED = ("svpkit", "tests", "docs")
#: mutmut's exit code of a mutant -> the status counted here (mutmut.stats.status_by_exit_code,
#: with names fit for JSON keys). Anything else is "suspicious", as in mutmut.
STATUS = {
    1: "killed",
    3: "killed",  # pytest's internal error: a kill
    0: "survived",
    5: "no_tests",
    33: "no_tests",
    2: "interrupted",
    None: "not_checked",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "caught_by_type_check",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -11: "segfault",
    -9: "segfault",
}
#: Statuses that mean a test noticed the mutant.
DETECTED = ("killed", "timeout", "segfault", "caught_by_type_check")
#: Statuses that mean no test noticed the mutant (left: a test, or a line in equivalent.md).
UNDETECTED = ("survived", "no_tests", "suspicious")
#: Statuses that mean no result (yet): left out of the score, reported as not run.
PENDING = ("not_checked", "interrupted", "skipped")
#: The counts written per package and per file.
REPORTED = (
    "killed",
    "timeout",
    "segfault",
    "survived",
    "no_tests",
    "suspicious",
    "equivalent",
)
#: One thread per worker: torch's OpenMP, the BLAS, and svpkit's own thread setting.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "SVPKIT_THREADS": "1",
}
#: The results file's facts about the run itself (kept by --report-only).
RUN_FACTS = (
    "tool",
    "command",
    "scope",
    "commit",
    "uncommitted_changes",
    "max_children",
    "started",
    "wall_seconds",
    "mutmut_exit_code",
    "mutmut_command",
)
MUTANT_NAME = re.compile(r"`(svpkit\.[\w.]+__mutmut_\d+)`")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="GLOB",
        help="mutate only these files (globs like svpkit/kernels/topk.py), not the whole "
        "only_mutate of pyproject.toml",
    )
    parser.add_argument(
        "--tests",
        nargs="+",
        metavar="PATH",
        help="the tests traced for this run (default: the configured selection)",
    )
    parser.add_argument("--name", help="the work folder's name (default: from --only, or all)")
    parser.add_argument("--max-children", type=int, default=2, help="parallel workers")
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="rerun the mutants that survived or had no test (a result otherwise stands)",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="only rewrite the results file from the cache"
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="the results file (default: mutation/results.json for the full configuration, "
        "else mutation/work/<name>/results.json)",
    )
    parser.add_argument(
        "--background",
        action="store_true",
        help="start the run detached; its log and pid go to the work folder",
    )
    return parser.parse_args(argv)


def run_name(args: argparse.Namespace) -> str:
    if args.name:
        return args.name
    if not args.only and not args.tests:
        return "all"
    if not args.only:
        return "custom-tests"
    first = args.only[0].removeprefix("svpkit/").removesuffix(".py")
    name = re.sub(r"[^\w]+", "-", first).strip("-") or "custom"
    return name + (f"-and-{len(args.only) - 1}-more" if len(args.only) > 1 else "")


def mutmut_config(args: argparse.Namespace) -> tuple[dict, dict]:
    """The ``[tool.mutmut]`` section for this run, and pytest's ini options (copied)."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    config = dict(tool["mutmut"])
    if args.only:
        config["only_mutate"] = list(args.only)
    if args.tests:
        config["pytest_add_cli_args_test_selection"] = list(args.tests)
    # The work folder is inside the checkout, not its root: git's paths would not match.
    config["use_git_change_detection"] = False
    return config, dict(tool.get("pytest", {}).get("ini_options", {}))


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string for these plain values
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_work_folder(work: Path, config: dict, pytest_options: dict) -> None:
    work.mkdir(parents=True, exist_ok=True)
    lines = ["# Written by mutation/run.py from the checkout's pyproject.toml; do not edit.", ""]
    lines.append("[tool.mutmut]")
    lines += [f"{key} = {_toml_value(value)}" for key, value in config.items()]
    lines += ["", "[tool.pytest.ini_options]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in pytest_options.items()]
    text = "\n".join(lines) + "\n"
    target = work / "pyproject.toml"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    for name in LINKED:
        link = work / name
        if not link.is_symlink():
            link.symlink_to(os.path.relpath(ROOT / name, work), target_is_directory=True)
    # mutmut copies a single file of also_copy into mutants/ without making its folder.
    for path in config.get("also_copy", []):
        if (ROOT / path).is_file():
            (work / "mutants" / path).parent.mkdir(parents=True, exist_ok=True)


def git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return out.stdout.strip()


def listed_equivalent() -> dict[str, str]:
    """Mutant names listed in mutation/equivalent.md (a table row each) -> the row's text."""
    if not EQUIVALENT.exists():
        return {}
    listed = {}
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        for name in MUTANT_NAME.findall(line):
            listed[name] = line.strip()
    return listed


def read_cache(work: Path) -> dict[str, str]:
    """Every mutant in the work folder's cache -> its status."""
    statuses = {}
    for meta in sorted((work / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            statuses[name] = STATUS.get(code, "suspicious")
    return statuses


def _package_and_file(mutant: str) -> tuple[str, str]:
    # svpkit.kernels.topk.x_order_by_score__mutmut_3 (a method: ...topk.xǁClassǁmethod__mutmut_1)
    module = re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0]
    return module.rsplit(".", 1)[0], module.replace(".", "/") + ".py"


def summarize(statuses: dict[str, str], equivalent: dict[str, str]) -> dict:
    def block(names: list[str]) -> dict:
        # A listed mutant counts as equivalent only while no test notices it.
        counts = Counter(
            "equivalent" if n in equivalent and statuses[n] in UNDETECTED else statuses[n]
            for n in names
        )
        detected = sum(counts[s] for s in DETECTED)
        pending = sum(counts[s] for s in PENDING)
        counted = len(names) - pending - counts["equivalent"]
        return {
            "mutants": len(names),
            **{s: counts[s] for s in REPORTED},
            "not_run": pending,
            "detected": detected,
            "score": round(detected / counted, 4) if counted else None,
        }

    by_package: dict[str, list[str]] = {}
    by_file: dict[str, list[str]] = {}
    for name in statuses:
        package, file = _package_and_file(name)
        by_package.setdefault(package, []).append(name)
        by_file.setdefault(file, []).append(name)
    undetected = sorted(n for n, s in statuses.items() if s in UNDETECTED and n not in equivalent)
    return {
        "total": block(list(statuses)),
        "packages": {p: block(names) for p, names in sorted(by_package.items())},
        "files": {f: block(names) for f, names in sorted(by_file.items())},
        "surviving": {n: statuses[n] for n in undetected},
        # Listed as equivalent but detected now, or gone (renumbered): the list needs a look.
        "equivalent_stale": sorted(n for n in equivalent if statuses.get(n) not in UNDETECTED),
    }


def write_results(path: Path, work: Path, meta: dict) -> dict:
    results = {**meta, **summarize(read_cache(work), listed_equivalent())}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


def running_elsewhere(work: Path) -> int | None:
    """The pid of another live run in this work folder (two runs would share one cache)."""
    try:
        pid = int((work / "run.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def mutmut_version() -> str:
    from importlib.metadata import version

    return version("mutmut")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    name = run_name(args)
    work = WORK / name
    results_path = args.results or (FULL_RESULTS if name == "all" else work / "results.json")
    config, pytest_options = mutmut_config(args)
    if not args.report_only and (other := running_elsewhere(work)) is not None:
        print(f"a run is going on in {work} (pid {other}): stop it (kill -- -{other}) first")
        return 1
    write_work_folder(work, config, pytest_options)

    if args.background:
        forwarded = [a for a in argv if a != "--background"]
        log = open(work / "run.log", "ab")  # noqa: SIM115 - handed to the child
        child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), *forwarded],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=ROOT,
        )
        (work / "run.pid").write_text(f"{child.pid}\n")
        print(f"mutation run {name!r} started: pid {child.pid} (its own process group)")
        print(f"log: {work / 'run.log'}  results: {results_path}")
        print(f"stop it: kill -- -{child.pid}   (run the same command again to resume)")
        return 0

    command = shlex.join(["python", "mutation/run.py", *argv])
    meta = {
        "tool": f"mutmut {mutmut_version()}",
        "command": command,
        "scope": {
            "only_mutate": config["only_mutate"],
            "tests": config["pytest_add_cli_args_test_selection"],
        },
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--", "svpkit", "tests")),
        "max_children": args.max_children,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if args.report_only:  # the last run's facts stay; only the counts are read again
        if results_path.exists():
            meta = json.loads(results_path.read_text(encoding="utf-8"))
            meta = {key: value for key, value in meta.items() if key in RUN_FACTS}
        else:
            meta.pop("started")
        results = write_results(results_path, work, meta)
        print(json.dumps(results["total"]))
        return 0

    names: list[str] = []
    if args.recheck:
        names = sorted(n for n, s in read_cache(work).items() if s in UNDETECTED)
        if not names:
            print("no surviving mutant to recheck")
            return 0
    (work / "run.pid").write_text(f"{os.getpid()}\n")  # one run per work folder at a time
    mutmut = Path(sys.executable).with_name("mutmut")
    cmd = ["nice", "-n", "10", str(mutmut), "run", "--max-children", str(args.max_children)]
    env = {**os.environ, **THREAD_ENV}
    start = time.monotonic()
    code = subprocess.run([*cmd, *names], cwd=work, env=env, check=False).returncode
    meta["wall_seconds"] = round(time.monotonic() - start, 1)
    meta["mutmut_exit_code"] = code
    meta["mutmut_command"] = shlex.join(["mutmut", *cmd[4:]]) + (
        f" <{len(names)} surviving mutants>" if names else ""
    )
    results = write_results(results_path, work, meta)
    print(f"results: {results_path}")
    print(json.dumps(results["total"]))
    return code


if __name__ == "__main__":
    sys.exit(main())
