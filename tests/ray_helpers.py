"""Module-level functions a Ray worker can import (tests/ is on the cluster's PYTHONPATH)."""

import os

_inits = 0


def init(tag: str) -> None:
    global _inits
    _inits += 1
    os.environ["SYNTHKIT_TEST_TAG"] = tag


def work(x: int) -> tuple[int, int, int, str]:
    """(x squared, worker pid, how often this worker ran the initializer, the initializer's argument)."""
    return x * x, os.getpid(), _inits, os.environ.get("SYNTHKIT_TEST_TAG", "")


def fail_on_7(x: int) -> int:
    if x == 7:
        raise ValueError("seven")
    return x


def niceness(x: int) -> int:
    """This worker's niceness (0: the machine's normal priority)."""
    return os.getpriority(os.PRIO_PROCESS, 0)
