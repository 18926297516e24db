#!/usr/bin/env bash
# Start a mutation run in the background (nice 10, one thread per worker); arguments go to
# mutation/run.py (e.g. --only svpkit/kernels/topk.py). It prints the pid, the log and how to
# stop it; running the same command again resumes. docs/mutation.md has the details.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" mutation/run.py --background "$@"
