"""Ordered parallel map over a process pool (or in-process for one worker).

Results come back in input order, so a stage that writes them as they arrive writes the same file
as a serial run, and a run killed at any moment leaves a prefix of that file.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_ordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    chunksize: int = 1,
) -> Iterator[R]:
    """``fn`` over ``items`` with ``workers`` processes, yielding results in input order.

    Workers are started with the ``spawn`` method (no inherited threads or library state);
    ``initializer(*initargs)`` runs once in each to build models and caches. ``chunksize`` items
    travel to a worker together (fewer messages when items are quick; results still come in order)."""
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        for item in items:
            yield fn(item)
        return
    ctx = mp.get_context("spawn")
    pool = ctx.Pool(workers, initializer=initializer, initargs=initargs)
    try:
        yield from pool.imap(fn, items, chunksize=max(1, chunksize))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
