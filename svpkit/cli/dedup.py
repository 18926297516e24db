"""``svpkit dedup``: near-duplicate rows of an embedding, written as groups and a summary."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from .io import UserError, check_writable, read_table
from .paths import check_outputs
from .select import summary_path, versions, write_csv, write_json


def load_embedding(path: Path, columns: list[str] | None) -> np.ndarray:
    """The rows to compare: a ``.npy`` array (memory-mapped, one row per sample), or the
    numeric columns of a CSV or Parquet table (``columns``: those only).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from svpkit.cli.dedup import load_embedding
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "emb.npy"
    ...     np.save(path, np.eye(3, dtype=np.float32))
    ...     load_embedding(path, None).shape
    (3, 3)
    """
    if not path.exists():
        raise UserError(f"{path} does not exist")
    if path.suffix == ".npy":
        if columns:
            raise UserError("--feature-columns names table columns; a .npy file has none")
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise UserError(f"cannot read {path}: {exc}") from None
        if array.ndim < 2 or array.dtype.kind not in "biuf":
            raise UserError(
                f"{path} holds an array of shape {array.shape} and type {array.dtype}; pass "
                "one row of numbers per sample"
            )
        return array
    if path.suffix not in (".csv", ".tsv", ".parquet", ".pq"):
        raise UserError(f"{path.name}: pass a .npy embedding or a CSV/Parquet table")
    frame = read_table(path)
    if columns:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise UserError(f"{path.name} has no column {', '.join(map(repr, missing))}")
        frame = frame[columns]
    numeric = frame.select_dtypes("number")
    dropped = [c for c in frame.columns if c not in numeric.columns]
    if columns and dropped:
        raise UserError(f"--feature-columns {', '.join(map(repr, dropped))} are not numeric")
    if numeric.shape[1] == 0:
        raise UserError(f"{path.name} has no numeric column to compare rows by")
    return numeric.to_numpy(dtype=np.float32)


def groups_table(representative: np.ndarray, redundancy: np.ndarray, threshold: float) -> Any:
    """One line per row: ``row, representative, similarity, kept`` (``similarity``: to the
    most similar row kept before it; blank when none was)."""
    import pandas as pd

    similarity = redundancy.astype(np.float64)
    similarity[similarity <= 0] = np.nan
    rows = np.arange(len(representative))
    return pd.DataFrame(
        {
            "row": rows,
            "representative": representative,
            "similarity": similarity,
            "kept": (representative == rows).astype(np.int8),
        }
    )


def run_dedup(args: argparse.Namespace, verbose: bool) -> int:
    from ..kernels.dedup import DEFAULT_THRESHOLD, find_duplicates

    out = check_writable(args.out)
    summary_file = check_writable(summary_path(out, args.summary))
    scores_file = Path(args.scores) if args.scores else None
    check_outputs(
        {"--out": out, "the summary": summary_file},
        {"the pool": Path(args.pool), "the scores file": scores_file},
    )
    start = time.perf_counter()
    embedding = load_embedding(Path(args.pool), args.feature_columns)
    scores = None
    if scores_file is not None:
        scores = np.load(scores_file, allow_pickle=False).ravel()
        if len(scores) != len(embedding):
            raise UserError(
                f"{scores_file} holds {len(scores)} scores but the pool has {len(embedding)} rows"
            )
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    try:
        threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
        found = find_duplicates(embedding, threshold, scores=scores, seed=args.random_state)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    dedup_seconds = time.perf_counter() - start
    write_csv(groups_table(found.representative, found.redundancy, found.threshold), out)
    groups = found.groups()
    write_json(
        {
            "command": "dedup",
            "input": {"path": str(args.pool), "n_rows": len(embedding)},
            "threshold": found.threshold,
            "n_duplicates": found.n_duplicates,
            "n_kept": len(embedding) - found.n_duplicates,
            "n_groups": len(groups),
            "largest_group": max((len(g) for g in groups.values()), default=1),
            "keep_by": "scores" if scores is not None else "nearest its cluster's centre",
            "random_state": args.random_state,
            "seconds": {"read": read_seconds, "dedup": dedup_seconds},
            "versions": versions(),
            "groups": str(out),
        },
        summary_file,
    )
    if not args.quiet:
        print(
            f"{found.n_duplicates} of {len(embedding)} rows are near-duplicates (cosine > "
            f"{found.threshold:g}) in {len(groups)} groups; wrote {out} and {summary_file}"
        )
    return 0
