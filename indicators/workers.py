"""Running work: a progress bar on a terminal and tasks in worker processes.

Plain helpers with no knowledge of indicators, used by the pipeline (computing datasets) and the
reports (drawing figures).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

__all__ = ["Progress", "default_jobs", "run_parallel"]



class Progress:
    """A plain-text progress bar on a terminal (nothing when the stream is not a terminal)."""

    def __init__(self, total: int, label: str = "", stream=None, width: int = 28):
        self.total = max(int(total), 1)
        self.done = 0
        self.label = label
        self.stream = stream if stream is not None else sys.stdout
        self.width = width
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())

    def step(self, what: str = "") -> None:
        self.done += 1
        if not self.enabled:
            return
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        text = f"\r{self.label} [{bar}] {self.done}/{self.total} {what}"[:110]
        self.stream.write(text.ljust(110))
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


# --------------------------------------------------------------------------- parallel work


def default_jobs() -> int:
    """Worker processes used by default: the CPUs available, at most 4."""
    import os

    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    return max(1, min(4, n))


def run_parallel(func: Callable, items: Sequence, *, jobs: int = 1,
                 progress: Progress | None = None, label: Callable = str) -> list:
    """``[func(item) for item in items]``, in worker processes when ``jobs`` > 1.

    Results keep the order of ``items``; the first exception is raised after the others
    finished. Workers are forked where the platform allows it (fast start).
    """
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        out = []
        for item in items:
            out.append(func(item))
            if progress is not None:
                progress.step(label(item))
        return out
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else None)
    results: list = [None] * len(items)
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=ctx) as pool:
        futures = {pool.submit(func, item): i for i, item in enumerate(items)}
        error = None
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:  # reported after every task ended
                error = error or exc
            if progress is not None:
                progress.step(label(items[i]))
    if error is not None:
        raise error
    return results


