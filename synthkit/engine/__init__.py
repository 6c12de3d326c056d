"""Engines run a per-item function over a stream of items and yield results in input order.

Every stage that parallelizes (synth, score, restore) goes through :func:`map_ordered`, so an engine
can be swapped without touching the stage: ``local`` is a process pool on this machine (see
:mod:`synthkit.engine.local`), ``ray`` runs shards of the stream on Ray actors, on one machine or
a cluster (``address``; see :mod:`synthkit.engine.ray`). Stages write results as they arrive, in
order, which makes their output independent of the engine and of the number of workers, and makes
every run resumable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ..errors import SynthkitError

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("local", "ray")


def map_ordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    engine: str = "local",
    address: str | None = None,
    chunksize: int = 1,
    start: str = "spawn",
) -> Iterator[R]:
    """``fn`` over ``items`` on ``engine`` with ``workers`` parallel workers, results in input order.

    ``initializer(*initargs)`` runs once in each worker before its first item (build models there).
    ``fn``, ``initializer`` and items must be picklable (module-level functions, plain data).
    ``chunksize``: items sent to a local worker at a time (Ray sends shards of its own size).
    ``start``: how local workers start, ``spawn`` or ``fork`` (where safe; see
    :func:`synthkit.engine.local.start_method`)."""
    if engine == "local":
        from .local import map_ordered as local_map

        return local_map(fn, items, workers, initializer, initargs, chunksize, start)
    if engine == "ray":
        from .ray import map_ordered as ray_map

        return ray_map(fn, items, workers, initializer, initargs, address=address)
    raise SynthkitError(f"unknown engine {engine!r}; available: {', '.join(ENGINES)}")
