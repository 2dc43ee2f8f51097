"""Text made safe for a terminal: control characters shown escaped, never obeyed.

An idea, a story or a provider's message can carry escape sequences (set the window title,
clear the screen, hide a hyperlink); everything the CLI prints goes through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that
# make text read differently from what it is.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``)."""
    return _UNSAFE.sub(_escaped, text)


def safe_console(**options: Any) -> Console:
    """A Rich console that escapes control characters in whatever it prints, while its own
    styling and cursor movements (progress bars) still reach the terminal."""
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        def render(
            self, renderable: RenderableType, options: ConsoleOptions | None = None
        ) -> Iterable[Segment]:
            for segment in super().render(renderable, options):
                if segment.control:
                    yield segment
                else:
                    yield Segment(terminal_safe(segment.text), segment.style)

    return SafeConsole(**options)
