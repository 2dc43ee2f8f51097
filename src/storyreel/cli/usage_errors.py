"""Mistakes in how a command was typed: one line that says what is wrong, and a hint.

Click reports them in three lines (usage, "Try --help", error); storyreel's errors are one
line, so a usage error is one line too, plus one hint line when storyreel knows the likely
fix: a text of several words not in quotes, or a global option given after the command.
The exit status stays 2.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Iterator
from typing import IO, Any

# Typer 0.29 ships its own copy of Click and raises these classes, not `click`'s.
from typer._click import Context, Parameter
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption, UsageError
from typer._click.utils import echo

from storyreel.cli.terminal import terminal_safe

# Arguments that hold free text, which people type as several words without quotes.
FREE_TEXT_ARGUMENTS = frozenset({"idea", "prompt", "topic", "niche"})

# Characters that need no more than double quotes in a POSIX shell.
_SAFE_IN_DOUBLE_QUOTES = re.compile(r'[^"$`\\!]*')


class OneLineUsageError(UsageError):
    """A usage error shown as ``error: …`` and, when there is one, ``hint: …``."""

    def __init__(self, message: str, ctx: Context | None = None, hint: str | None = None):
        super().__init__(message, ctx)
        self.hint = hint

    def show(self, file: IO[Any] | None = None) -> None:
        message = terminal_safe(self.format_message())
        if self.hint:
            echo(f"error: {message}\nhint: {terminal_safe(self.hint)}", file=file, err=True)
            return
        if self.ctx is None or message.endswith("?"):  # "Did you mean 'make'?" says enough
            echo(f"error: {message}", file=file, err=True)
            return
        echo(
            f"error: {message.rstrip('.')}; see '{self.ctx.command_path} --help'",
            file=file,
            err=True,
        )


@contextlib.contextmanager
def one_line_usage_errors() -> Iterator[None]:
    """Turn Click's usage errors raised inside into :class:`OneLineUsageError`s.

    ``storyreel`` alone (help shown because nothing was asked) stays as Click shows it.
    """
    try:
        yield
    except (OneLineUsageError, NoArgsIsHelpError):
        raise
    except UsageError as exc:
        hint = _global_option_hint(exc) if isinstance(exc, NoSuchOption) else None
        raise OneLineUsageError(exc.format_message(), exc.ctx, hint) from None


def extra_words_error(ctx: Context, params: list[Parameter], extra: list[str]) -> UsageError:
    """The error for words left over after a command's arguments: most often a text of
    several words typed without quotes (``storyreel make a kite festival``)."""
    words = " ".join(extra)
    text_args = [p for p in params if p.param_type_name == "argument" and p.nargs == 1]
    last = text_args[-1] if text_args else None
    given = ctx.params.get(last.name) if last is not None and last.name else None
    if last is None or not isinstance(given, str):
        return OneLineUsageError(f"unexpected extra argument(s): {words}", ctx)
    name = last.metavar or (last.name or "text").upper()
    message = f"{ctx.command_path} takes one {name}; these words are extra: {words}"
    if last.name not in FREE_TEXT_ARGUMENTS:
        return OneLineUsageError(message, ctx)
    text = quoted(" ".join([given, *extra]))
    hint = f"put the {last.name} in quotes: {ctx.command_path} {text}"
    return OneLineUsageError(message, ctx, hint)


def quoted(text: str) -> str:
    """``text`` as one shell word: in double quotes when that is enough, as people write it."""
    if _SAFE_IN_DOUBLE_QUOTES.fullmatch(text):
        return f'"{text}"'
    return shlex.quote(text)


def _global_option_hint(exc: NoSuchOption) -> str | None:
    """When the unknown option is one of ``storyreel``'s own, say where it goes."""
    ctx = exc.ctx
    if ctx is None or ctx.parent is None:
        return None
    root = ctx.find_root()
    for param in root.command.params:
        opts = [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
        if exc.option_name not in opts:
            continue
        flag = getattr(param, "is_flag", False)
        value = "" if flag else f" {param.metavar or 'VALUE'}"
        command = ctx.command_path.removeprefix(root.command_path).strip()
        return (
            f"{exc.option_name} is a global option: put it before the command, "
            f"e.g. {root.command_path} {exc.option_name}{value} {command} …"
        )
    return None
