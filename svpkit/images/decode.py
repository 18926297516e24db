"""Decoding image files once, in parallel, into a memory-mapped uint8 cache.

The cache file is ``<cache_dir>/images-<fingerprint>.npy`` (``n x C x H x W`` uint8, the
layout torch reads). The fingerprint hashes every path with its size and modification time and
the decoding options, so a changed, added or removed file is a new cache; a cache is written to
a temporary name and renamed into place when complete, so a killed decode never leaves a file
that looks finished.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from .._optional import import_optional

__all__ = [
    "IMAGE_EXTENSIONS",
    "default_cache_dir",
    "file_fingerprint",
    "probe_image",
    "decode_to_cache",
]

#: File endings read as images (case-insensitive); other files in a folder are skipped.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")

#: Pillow modes that are one channel of intensity (decoded as ``"L"``).
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F", "P;L")
#: 16-bit modes: read as their top 8 bits (Pillow's convert("L") would clip them at 255).
WIDE_MODES = ("I;16", "I;16B", "I;16L")
#: 32-bit modes, whose range svpkit cannot know: refused rather than clipped.
UNSCALED_MODES = ("I", "F")

#: Files per decoding task: large enough that a task's overhead (a process hand-off, opening
#: the cache) is small beside decoding it, small enough to spread over the cores.
CHUNK_FILES = 1000


def default_cache_dir() -> Path:
    """``$SVPKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/svpkit``, else ``~/.cache/svpkit``.

    Examples
    --------
    >>> from svpkit.images.decode import default_cache_dir
    >>> default_cache_dir().name in ("svpkit",) or "SVPKIT_CACHE_DIR" in __import__("os").environ
    True
    """
    given = os.environ.get("SVPKIT_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "svpkit"


def file_fingerprint(paths: Sequence[str], options: Any, stats: Sequence | None = None) -> str:
    """A hash of the files (path, size, modification time) and the decoding ``options``;
    ``stats`` gives ``(size, mtime_ns)`` per path where a directory scan already read them.

    Raises
    ------
    FileNotFoundError
        Naming the first path that does not exist.

    Examples
    --------
    >>> import tempfile, os
    >>> from svpkit.images.decode import file_fingerprint
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "a.png")
    >>> _ = open(path, "wb").write(b"x")
    >>> first = file_fingerprint([path], (32, 32))
    >>> first == file_fingerprint([path], (32, 32)), first == file_fingerprint([path], (16, 16))
    (True, False)
    """
    digest = hashlib.sha256(repr(options).encode())
    if stats is None:
        stats = []
        for path in paths:
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                raise FileNotFoundError(f"image file not found: {path}") from None
            stats.append((stat.st_size, stat.st_mtime_ns))
    lines = [f"{path}\t{size}\t{mtime}" for path, (size, mtime) in zip(paths, stats, strict=True)]
    digest.update("\n".join(lines).encode())
    return digest.hexdigest()[:32]


def _channels(mode: str) -> int:
    return 1 if mode == "L" else 3


def probe_image(path: str) -> tuple[tuple[int, int], str]:
    """``((height, width), mode)`` of one image file, reading its header only; ``mode`` is
    ``"L"`` for grayscale, else ``"RGB"``."""
    image_module = import_optional("PIL.Image")
    try:
        with image_module.open(path) as image:
            width, height = image.size
            mode = "L" if image.mode in GRAY_MODES else "RGB"
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read image {path}: {exc}") from None
    return (height, width), mode


def _gray_pixels(image: Any, path: str) -> Any:
    """A grayscale image as 8 bits: 16-bit ones by their top byte (not clipped at 255)."""
    from PIL import Image

    if image.mode in WIDE_MODES:
        wide = np.asarray(image, dtype=np.uint16)
        return Image.fromarray((wide >> 8).astype(np.uint8))
    if image.mode in UNSCALED_MODES:
        raise ValueError(
            f"image {path} has 32-bit pixels (mode {image.mode}), whose range svpkit cannot "
            "know; convert it to 8 or 16 bits per pixel first"
        )
    return image


def _decode_chunk(
    cache_path: str,
    shape: tuple[int, ...],
    start: int,
    paths: Sequence[str],
    size: tuple[int, int],
    mode: str,
    resize: bool,
    strict_gray: bool = True,
) -> int:
    """Decode ``paths`` into rows ``start:`` of the cache being written (a worker's task)."""
    from PIL import Image

    out = np.lib.format.open_memmap(cache_path, mode="r+")
    height, width = size
    for offset, path in enumerate(paths):
        try:
            with Image.open(path) as image:
                if strict_gray and mode == "L" and image.mode not in GRAY_MODES:
                    raise ValueError(
                        f"image {path} is in colour ({image.mode}) but the pool is grayscale "
                        "(its first image is); pass mode='RGB' to read every image in colour, "
                        "or mode='L' to convert every image to grayscale"
                    )
                image = _gray_pixels(image, path)
                if image.size != (width, height):
                    if not resize:
                        raise ValueError(
                            f"image {path} is {image.size[0]}x{image.size[1]} (width x height) "
                            f"but the pool's images are {width}x{height}; pass resize=True to "
                            "resize every image to the pool's size (or size=(H, W) to choose it)"
                        )
                    image.draft(mode, (width, height))  # JPEG: decode at a reduced scale
                    image = image.convert(mode).resize((width, height), Image.BILINEAR)
                pixels = np.asarray(image.convert(mode))
        except ValueError:
            raise
        except Exception as exc:  # Pillow raises many types for a damaged file
            raise ValueError(f"cannot decode image {path}: {type(exc).__name__}: {exc}") from None
        row = out[start + offset]
        if pixels.ndim == 2:
            row[0] = pixels
        else:
            row[:] = pixels.transpose(2, 0, 1)
    # No flush: the pages are shared (MAP_SHARED) with the process that renames the file; a
    # flush per chunk would write back the whole map each time.
    del out
    return len(paths)


def _worker_pool(n_jobs: int | None, n_tasks: int) -> Executor:
    """Processes for decoding (threads would serialise on Pillow's Python-side work).

    Forked where the platform can fork: a worker then starts in milliseconds with everything
    imported, where a fresh interpreter (spawn, loky) spends about a second per worker importing
    numpy and Pillow again, which on a 50,000-file folder is a third of the decode. The workers
    run only Pillow and numpy, never torch, so forking a process that loaded torch is safe.
    One task or one job runs in this process.
    """
    workers = joblib.cpu_count() if n_jobs in (None, -1) else int(n_jobs)
    workers = max(1, min(workers, n_tasks))
    if workers == 1:
        return _InProcess()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(workers, mp_context=context)


class _InProcess(Executor):
    """An executor that runs each task here, in order (no process to start for one task)."""

    def map(self, fn, *iterables, **kwargs):  # type: ignore[override]
        return map(fn, *iterables)


def decode_to_cache(
    paths: Sequence[str],
    size: tuple[int, int],
    mode: str,
    resize: bool,
    cache_file: Path,
    *,
    n_jobs: int | None = None,
    verbose: bool = False,
    strict_gray: bool = True,
) -> np.ndarray:
    """Decode every file into ``cache_file`` (unless it exists) and memory-map it
    copy-on-write (writes stay in this process; the file never changes).

    The files are decoded in chunks of :data:`CHUNK_FILES` by ``n_jobs`` worker processes
    (None: one per core), each writing its rows straight into the cache, so no process holds
    more than one chunk's pixels.

    Returns
    -------
    pixels : np.memmap of shape (n, C, H, W), uint8, mode ``"c"``
    """
    import_optional("PIL.Image")
    if not cache_file.exists():
        from tqdm.auto import tqdm

        cache_file.parent.mkdir(parents=True, exist_ok=True)
        shape = (len(paths), _channels(mode), *size)
        fd, tmp = tempfile.mkstemp(
            prefix=cache_file.stem + ".", suffix=".partial.npy", dir=cache_file.parent
        )
        os.close(fd)
        try:
            blank = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=shape)
            del blank
            starts = list(range(0, len(paths), CHUNK_FILES))
            chunks = [list(paths[s : s + CHUNK_FILES]) for s in starts]
            with (
                _worker_pool(n_jobs, len(chunks)) as pool,
                tqdm(
                    total=len(paths), desc="decoding images", unit="img", disable=not verbose
                ) as bar,
            ):
                work = partial(
                    _decode_chunk,
                    tmp,
                    shape,
                    size=size,
                    mode=mode,
                    resize=resize,
                    strict_gray=strict_gray,
                )
                for done in pool.map(work, starts, chunks):
                    bar.update(done)
            os.replace(tmp, cache_file)  # complete: now it may be found
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    # Copy-on-write: writable for torch (which warns about tensors over read-only memory), yet a
    # write changes only this process's copy of a page, never the cache file.
    return np.load(cache_file, mmap_mode="c")
