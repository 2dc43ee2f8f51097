"""Serving the emulator with uvicorn: in a background thread for tests, or in the foreground."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Final

import uvicorn
from starlette.applications import Starlette

from storyreel.emulator.app import create_app
from storyreel.emulator.connections import tracking_protocol
from storyreel.emulator.options import EmulatorOptions
from storyreel.emulator.state import EmulatorState

logger = logging.getLogger(__name__)

_START_TIMEOUT_S: Final = 10.0
_GRACE_S: Final = 2


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_remote: bool) -> None:
    if not allow_remote and not is_loopback(host):
        raise ValueError(
            f"refusing to serve the emulator on non-loopback host {host!r}; "
            "bind 127.0.0.1, or allow it explicitly (allow_remote=True / --allow-remote)"
        )


_THREAD_NAME: Final = "storyreel-emulator"


class _OwnLinesFilter(logging.Filter):
    """Drops uvicorn's routine lines ("Started server process", "Shutting down"...) logged by
    the in-process emulator's thread: uvicorn logs every server on one logger, so inside
    `storyreel serve` they would read as the API starting and stopping twice. Warnings and
    errors still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or record.threadName != _THREAD_NAME


_OWN_LINES = _OwnLinesFilter()


def _config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    state: EmulatorState = app.state.emulator
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=tracking_protocol(state.connections),
        ws="none",
        lifespan="off",
        loop="asyncio",
        # Leave the host application's logging alone and keep the access log off.
        log_config=None,
        access_log=False,
        # Longer than client pools keep idle connections, so reuse never races a server close.
        timeout_keep_alive=75,
        timeout_graceful_shutdown=_GRACE_S,
    )


class EmulatorServer:
    """The emulator on an ephemeral loopback port, served from a daemon thread.

    ``with EmulatorServer() as server: OpenAI(base_url=server.url + "/v1", ...)``.
    """

    def __init__(
        self,
        options: EmulatorOptions | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_remote: bool = False,
    ) -> None:
        check_host(host, allow_remote)
        self.app = create_app(options)
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> EmulatorState:
        """The live state, for in-process inspection (the same data as ``/_emulator/stats``)."""
        state: EmulatorState = self.app.state.emulator
        return state

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the emulator has no port until start() has returned")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Bind, serve in a daemon thread and return once connections are accepted."""
        if self._thread is not None:
            return
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host.strip("[]"), self._port))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        server = uvicorn.Server(_config(self.app, self._host, self._port))
        uvicorn_logger = logging.getLogger("uvicorn.error")
        if _OWN_LINES not in uvicorn_logger.filters:
            uvicorn_logger.addFilter(_OWN_LINES)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=_THREAD_NAME, daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator server did not start; see the log for why")
            time.sleep(0.005)
        logger.info("emulator listening on %s", self.url)

    def stop(self) -> None:
        """Stop accepting, finish in-flight requests (briefly) and join the thread; idempotent."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=_GRACE_S + 5)
        if thread.is_alive():
            logger.warning("emulator thread still running after stop(); it is a daemon")

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    host: str = "127.0.0.1",
    port: int = 8090,
    options: EmulatorOptions | None = None,
    allow_remote: bool = False,
    sock: socket.socket | None = None,
) -> None:
    """Run the emulator in the foreground until interrupted (Ctrl-C / SIGTERM), on ``sock``
    when the caller has bound one (to report a port in use in its own words)."""
    check_host(host, allow_remote)
    app = create_app(options)
    logger.info("emulator starting on http://%s:%d", host, port)
    uvicorn.Server(_config(app, host, port)).run(sockets=None if sock is None else [sock])
