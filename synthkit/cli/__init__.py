"""The ``synthkit`` command: parses arguments, builds configs, calls library functions — nothing else.

Errors a user can fix (:class:`~synthkit.errors.SynthkitError`), arguments click cannot parse (an unknown
option, a value out of range) and files the system refuses (:class:`OSError`) print one line on stderr
and exit 2.
"""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import SynthkitError


def _error(message: str, code: int = 2):
    click.echo("synthkit: error: " + " ".join(str(message).split()), err=True)
    sys.exit(code)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SynthkitError as exc:
            _error(str(exc))
        except BrokenPipeError:
            raise
        except OSError as exc:  # a file the system refuses, found only while working: still one line
            where = f" ({exc.filename})" if exc.filename else ""
            _error(f"{exc.strerror or type(exc).__name__}{where}")

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """As click's, except that a usage error (unknown option, missing argument, a value out of
        range) is one line on stderr with the exit code 2, like every other unusable argument."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `synthkit`: the help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            path = exc.ctx.command_path if exc.ctx is not None else "synthkit"
            _error(f"{exc.format_message()} (see: {path} --help)", exc.exit_code)
        except click.ClickException as exc:
            _error(exc.format_message(), exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="synthkit")
def main() -> None:
    """Speech data for languages that have none: synthesize, restore, score, filter, export."""


def _register() -> None:
    from . import donors_cmd, export_cmd, quality_cmd, restore_cmd, speakers_cmd, synth_cmd, tools_cmd  # noqa: F401  (each module adds its commands to `main`)


_register()
