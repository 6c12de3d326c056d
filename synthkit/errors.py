"""The one exception type for problems a user can fix.

The CLI turns a :class:`SynthkitError` into one line on stderr and exit code 2. Library callers catch
it like any other exception. The message always says what to do, not only what went wrong.
"""

from __future__ import annotations


class SynthkitError(Exception):
    """A problem with the user's input or environment that they can fix (bad argument, missing file,
    missing optional package). ``str(err)`` is a single line meant for a human."""


def missing_extra(package: str, extra: str, purpose: str) -> SynthkitError:
    """Error for an optional dependency that is not installed, naming the extra that provides it."""
    return SynthkitError(
        f"{purpose} needs the Python package '{package}', which is not installed; "
        f"install it with: pip install 'synthkit[{extra}]' (or run ./setup.sh)"
    )
