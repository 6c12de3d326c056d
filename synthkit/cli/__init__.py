"""The ``synthkit`` command: parses arguments, builds configs, calls library functions — nothing else.

Errors a user can fix (:class:`~synthkit.errors.SynthkitError`) print one line on stderr and exit 2.
"""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import SynthkitError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SynthkitError as exc:
            click.echo(f"synthkit: error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="synthkit")
def main() -> None:
    """Speech data for languages that have none: synthesize, restore, score, filter, export."""


def _register() -> None:
    from . import donors_cmd, export_cmd, quality_cmd, restore_cmd, speakers_cmd, synth_cmd, tools_cmd  # noqa: F401  (each module adds its commands to `main`)


_register()
