"""One style for every error a user can get from the command line:

    viworks-lint: error: <what went wrong>
      hint: <what to do>   (when there is something to say)

Usage errors (bad options), config errors and run errors all exit 2."""

from __future__ import annotations

import click
from viworks_lint.options import EXIT_ERROR

PROG = "viworks-lint"


class UsageFailure(Exception):
    """Raised anywhere in a run to stop it with exit 2 and this message."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def error(message: str, hint: str | None = None) -> int:
    """Print an error in the one style; returns the exit status to use."""
    click.echo(f"{PROG}: error: {message}", err=True)
    if hint:
        click.echo(f"  hint: {hint}", err=True)
    return EXIT_ERROR


def warn(message: str) -> None:
    click.echo(f"{PROG}: warning: {message}", err=True)


def info(message: str) -> None:
    click.echo(f"{PROG}: {message}", err=True)


def from_click(exc: click.ClickException) -> int:
    """A click usage error (unknown option, bad choice, missing value) in the same style."""
    message = exc.format_message()
    hint = f"run `{PROG} --help` for the options" if isinstance(exc, click.UsageError) else None
    return error(message[:1].lower() + message[1:], hint)
