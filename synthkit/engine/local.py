"""Ordered parallel map over a process pool (or in-process for one worker).

Results come back in input order, so a stage that writes them as they arrive writes the same file
as a serial run, and a run killed at any moment leaves a prefix of that file.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Modules that start thread pools or hold device/runtime state a forked child must not inherit; while
#: any is imported in this process, workers are spawned even where ``start="fork"`` is asked for.
FORK_UNSAFE_MODULES = ("torch", "onnxruntime", "ctranslate2", "tensorflow", "jax", "ray", "numba")


def fork_is_safe() -> bool:
    """Whether workers may be forked from this process: the platform forks, no other thread runs
    (a thread holding a lock at the fork would leave it locked in the child) and no library of
    :data:`FORK_UNSAFE_MODULES` is loaded."""
    return ("fork" in mp.get_all_start_methods() and threading.active_count() == 1
            and not any(m in sys.modules for m in FORK_UNSAFE_MODULES))


def start_method(start: str) -> str:
    """The start method used for ``start``: ``spawn``, or ``fork`` when asked for and :func:`fork_is_safe`."""
    if start not in ("spawn", "fork"):
        raise ValueError(f"start must be 'spawn' or 'fork', not {start!r}")
    return "fork" if start == "fork" and fork_is_safe() else "spawn"


def map_ordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    chunksize: int = 1,
    start: str = "spawn",
) -> Iterator[R]:
    """``fn`` over ``items`` with ``workers`` processes, yielding results in input order.

    Workers are started with the ``spawn`` method (no inherited threads or library state), or with
    ``start="fork"`` forked from this process where that is safe (:func:`start_method`): no new
    interpreter and no imports to repeat, for stages whose workers hold no thread pools and whose
    per-process state is keyed by process id. ``initializer(*initargs)`` runs once in each to build
    models and caches. ``chunksize`` items travel to a worker together (fewer messages when items
    are quick; results still come in order)."""
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        for item in items:
            yield fn(item)
        return
    ctx = mp.get_context(start_method(start))
    pool = ctx.Pool(workers, initializer=initializer, initargs=initargs)
    try:
        yield from pool.imap(fn, items, chunksize=max(1, chunksize))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
