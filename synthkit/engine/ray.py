"""Ordered parallel map on a Ray cluster: the item stream is cut into shards that run on Ray actors.

* **Shards.** Items are grouped into shards of :data:`SHARD_SIZE` consecutive items; each shard is one
  Ray actor call. Results come back to the driver, which yields them in input order, so a stage that
  writes rows as they arrive writes the same file as the local engine. A run that stops (crash, kill,
  lost node) has written a prefix of that file; the stage skips the ids already written when it runs
  again, so every shard not yet written is simply done again.
* **Per-worker initializer.** ``workers`` actors are started (one CPU each); each runs
  ``initializer(*initargs)`` once in its own process, so models are built once per Ray worker, as
  in a local process pool. Each actor keeps :data:`QUEUE_PER_WORKER` shards queued so it never
  waits for the driver.
* **Backpressure.** At most ``workers * QUEUE_PER_WORKER`` shards are in flight and at most
  :data:`MAX_BUFFERED_SHARDS` finished shards wait for an earlier, slower one, so memory stays bounded
  on any stream length.
* **Cluster.** ``address=None`` starts a private single-machine Ray for the run (and stops it after);
  ``address="HOST:PORT"`` (or ``"auto"``, or ``"ray://HOST:10001"``) joins a running cluster started with
  ``ray start``. Every node needs the same synthkit installed (checked) and must see the audio paths
  (a shared filesystem), since workers read and write files directly.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from .. import __version__
from ..errors import SynthkitError, missing_extra

T = TypeVar("T")
R = TypeVar("R")

#: Items per Ray task. Small enough to spread a short run over every worker, large enough that
#: Ray's per-call cost (~1 ms) stays small next to synthesizing or scoring a handful of clips.
SHARD_SIZE = 8
#: Shards queued on each actor (one running, the next already there).
QUEUE_PER_WORKER = 2
#: Finished shards held back at most while an earlier shard is still running.
MAX_BUFFERED_SHARDS = 64


class _ShardWorker:
    """A Ray actor: runs the stage's initializer once, then ``fn`` over shards of items."""

    def __init__(self, fn: Callable, initializer: Callable | None, initargs: tuple, driver_version: str) -> None:
        from .. import __version__ as here

        if here != driver_version:
            raise SynthkitError(f"synthkit {here} on a Ray worker, {driver_version} on the driver; "
                                "install the same version on every node")
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        if initializer is not None:
            initializer(*initargs)
        self.fn = fn

    def run(self, shard: list) -> list:
        return [self.fn(item) for item in shard]

    def pid(self) -> int:
        return os.getpid()


#: Ray's setting for its workers' niceness (its default is 15).
WORKER_NICENESS = "RAY_worker_niceness"


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise missing_extra("ray", "ray", "--engine ray") from None
    return ray


#: Seconds to wait for a TCP connection to ``--address`` before giving up (Ray itself retries for minutes).
CONNECT_TIMEOUT_S = 5.0


def check_reachable(address: str) -> None:
    """Fail fast with a clear message when ``HOST:PORT`` accepts no connection (``auto`` and
    ``ray://`` addresses are left to Ray)."""
    import socket

    if address == "auto" or "://" in address:
        return
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise SynthkitError(f"--address {address!r}: expected HOST:PORT (the head node's `ray start --port`), "
                            "auto, or ray://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise SynthkitError(f"no Ray cluster answers at {address} ({exc.strerror or exc}); start one with "
                            "`ray start --head --port PORT` or correct --address") from None


def connect(address: str | None, workers: int) -> bool:
    """Connect to ``address`` (or start a private local Ray); True when this call started Ray (the
    caller shuts it down after), False when Ray was already initialized in this process.

    Authentication is Ray's own: a private local Ray uses token authentication with the token in
    ``~/.ray/auth_token`` (Ray creates it); to join a cluster that uses tokens, give the driver the
    cluster's token (``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN`` or ``~/.ray/auth_token``)."""
    ray = _ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if not address:
        # Ray starts its workers at niceness 15 (its `worker_niceness`), so that drivers stay responsive;
        # here the workers are the whole job, and at 15 any other job on the machine starves them
        # (measured: a 12-clip run took 394 s instead of 11 s beside two busy processes)
        os.environ.setdefault(WORKER_NICENESS, "0")
    opts: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    if address:
        check_reachable(address)
    try:
        if address:
            ray.init(address=address, **opts)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, **opts)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise SynthkitError(f"cannot connect to {where}: {str(exc).splitlines()[0][:200]}; start one with "
                            "`ray start --head` and pass its address with --address HOST:PORT (a cluster "
                            "with token authentication also needs RAY_AUTH_MODE=token and its token)") from None
    return True


def _shards(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while shard := list(islice(it, size)):
        yield shard


def map_ordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    address: str | None = None,
    shard_size: int = SHARD_SIZE,
) -> Iterator[R]:
    """``fn`` over ``items`` on ``workers`` Ray actors, results in input order (see the module doc)."""
    ray = _ray()
    started = connect(address, workers)
    actors: list = []
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n = max(1, min(workers, cpus))  # more actors than CPUs would wait for resources forever
        actor_cls = ray.remote(num_cpus=1)(_ShardWorker)
        actors = [actor_cls.remote(fn, initializer, initargs, __version__) for _ in range(n)]
        yield from _run(ray, actors, _shards(items, shard_size))
    finally:
        for a in actors:
            ray.kill(a)
        if started:
            ray.shutdown()


def _run(ray: Any, actors: list, shards: Iterator[list]) -> Iterator:
    slots = deque(a for a in actors for _ in range(QUEUE_PER_WORKER))
    pending: dict[Any, tuple[int, Any]] = {}  # object ref -> (shard index, actor)
    finished: dict[int, list] = {}
    submitted = next_out = 0
    exhausted = False
    while True:
        while slots and not exhausted and submitted - next_out < MAX_BUFFERED_SHARDS:
            shard = next(shards, None)
            if shard is None:
                exhausted = True
                break
            actor = slots.popleft()
            pending[actor.run.remote(shard)] = (submitted, actor)
            submitted += 1
        if next_out in finished:
            yield from finished.pop(next_out)
            next_out += 1
            continue
        if not pending:
            if exhausted:
                return
            continue
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            index, actor = pending.pop(ref)
            finished[index] = _get(ray, ref)
            slots.append(actor)


def _get(ray: Any, ref: Any) -> list:
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BaseException):
            raise cause from None
        raise
    except ray.exceptions.RayActorError as exc:
        cause = getattr(exc, "cause", None) or getattr(getattr(exc, "creation_task_error", None), "cause", None)
        if isinstance(cause, SynthkitError):
            raise cause from None
        raise SynthkitError(f"a Ray worker died: {str(exc).splitlines()[0][:300]}") from None
