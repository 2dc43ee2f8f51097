"""How the commands present themselves: usage lines, labels in --help, the order of commands.

Typer labels a parameter by its Python type (``{idea}``, ``images... <list[str]>``,
``--segments <int>``); a user reads a name: ``IDEA``, ``IMAGES...``, ``--segments INTEGER``.
"""

from __future__ import annotations

from typing import Any

from typer._click import Context, HelpFormatter, Parameter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from storyreel.cli.usage_errors import extra_words_error, one_line_usage_errors

# The order a user meets the commands in: make a video, its parts, text work, then jobs,
# then the servers and the configuration. Commands not named here follow, as registered.
COMMAND_ORDER = (
    "make",
    "story",
    "video",
    "thumbnail",
    "meme",
    "content",
    "ideas",
    "characters",
    "jobs",
    "resume",
    "assemble",
    "reshoot",
    "keyframes",
    "stats",
    "serve",
    "worker",
    "db",
    "emulator",
    "config",
)

# Typer's type labels, in the words Click-based tools use for them.
_TYPE_WORDS = {
    "str": "TEXT",
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "NUMBER",
    "float range": "NUMBER",
    "path": "PATH",
    "list[Path]": "PATH",
    "list[str]": "TEXT",
}


def ordered(names: list[str]) -> list[str]:
    """``names`` in :data:`COMMAND_ORDER`, unknown ones after in their own order."""
    rank = {name: n for n, name in enumerate(COMMAND_ORDER)}
    return sorted(names, key=lambda name: rank.get(name, len(rank)))


def label_params(params: list[Parameter], ctx: Context) -> None:
    """Give every argument its upper-case name and every option a type word as metavar,
    where none was chosen; error messages (``Missing argument 'IDEA'``) use them too."""
    for param in params:
        if param.metavar is not None:
            continue
        if isinstance(param, TyperArgument):
            param.metavar = (param.name or "value").upper()
        elif isinstance(param, TyperOption) and not (param.is_flag or param.count):
            label = param.display_type(ctx).strip("<>")
            param.metavar = _TYPE_WORDS.get(label, label.upper())


def argument_usage(param: Parameter, *, in_usage: bool = True) -> str:
    """``IDEA``, ``[IDEA]``, ``IMAGES...``: how an argument reads in a usage line (in the
    Arguments section, without the brackets of an optional one)."""
    name = param.metavar or (param.name or "value").upper()
    shown = f"[{name}]" if in_usage and not param.required else name
    return f"{shown}..." if param.nargs != 1 else shown


def format_params(params: list[Parameter], ctx: Context, formatter: HelpFormatter) -> None:
    """The Arguments and Options sections, labelled by :func:`label_params`."""
    label_params(params, ctx)
    arguments: list[tuple[str, str]] = []
    options: list[tuple[str, str]] = []
    for param in params:
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if param.param_type_name == "argument":
            arguments.append((argument_usage(param, in_usage=False), record[1]))
        else:
            options.append(record)
    for title, rows in (("Arguments", arguments), ("Options", options)):
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


class StoryreelCommand(TyperCommand):
    """A command whose usage and help name its arguments as a user types them, and whose
    leftover words get a hint (quote a text of several words)."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        label_params(self.params, ctx)
        allowed = ctx.allow_extra_args
        # Let Click keep the leftover words, so the error can say what to do with them.
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise extra_words_error(ctx, self.params, rest)
        return rest

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        label_params(self.params, ctx)
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [
            argument_usage(p) for p in self.get_params(ctx) if p.param_type_name == "argument"
        ]

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        format_params(self.get_params(ctx), ctx, formatter)


class StoryreelGroup(TyperGroup):
    """The ``storyreel`` group (and ``config``): commands in the order a user meets them,
    usage errors of any command in one line with a hint."""

    def list_commands(self, ctx: Context) -> list[str]:
        return ordered(super().list_commands(ctx))

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        label_params(self.params, ctx)
        with one_line_usage_errors():
            return super().parse_args(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        # A command's arguments are parsed when the group invokes it.
        with one_line_usage_errors():
            return super().invoke(ctx)

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        format_params(self.get_params(ctx), ctx, formatter)
        self.format_commands(ctx, formatter)
