"""``--engine`` / ``--address`` for every command whose stage runs through :func:`synthkit.engine.map_ordered`.

    @engine_options
    def score(..., engine, address): check_engine(engine, address); ... engine=engine, address=address
"""

from __future__ import annotations

import click

from ..engine import ENGINES
from ..errors import SynthkitError


def engine_options(f):
    f = click.option("--address", default=None,
                     help="Ray cluster to join (HOST:PORT, or auto) [default: a private Ray on this machine].")(f)
    return click.option("--engine", default="local", show_default=True, type=click.Choice(ENGINES),
                        help="local: worker processes here; ray: shards on Ray actors (--workers of them).")(f)


def check_engine(engine: str, address: str | None) -> None:
    """Fail before any work: ``--address`` without Ray, or Ray not installed."""
    if address and engine != "ray":
        raise SynthkitError("--address is the address of a Ray cluster; use it with --engine ray")
    if engine == "ray":
        from ..engine.ray import _ray

        _ray()
