"""``storyreel config check --online``: one free call per provider, and how each went."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storyreel.cli.state import CliState, emit_json, run_then_close, stdout_console

if TYPE_CHECKING:
    from storyreel.services.key_checks import KeyCheck

_STYLE = {"working": "green", "refused": "red", "unreachable": "yellow"}


def check_online(cli: CliState, *, json_output: bool) -> bool:
    """Check every provider's credentials with a free call; print one line each (or JSON).
    True when every provider is working."""
    from storyreel.services.key_checks import check_google, check_openrouter

    settings = cli.settings()
    container = cli.container()

    async def run() -> list[KeyCheck]:
        openrouter = await check_openrouter(container.async_openai_client())
        google = await check_google(container.genai_client(), settings.google.video_model)
        return [openrouter, google]

    checks = run_then_close(container, run)
    where = "the offline emulator" if settings.backend == "offline" else "the live services"
    if json_output:
        emit_json({"backend": settings.backend, "checks": [c.to_json() for c in checks]})
    else:
        console = stdout_console()
        console.print(f"checking credentials against {where}:", markup=False)
        for check in checks:
            style = _STYLE[check.outcome]
            console.print(
                f"  {check.provider} ({check.call}): [{style}]{check.outcome}[/] — ",
                end="",
            )
            console.print(check.reason, markup=False)
    return all(check.outcome == "working" for check in checks)
