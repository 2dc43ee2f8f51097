"""The listening socket of ``storyreel serve`` and ``storyreel emulator``, bound first.

Bound before anything is built or printed, so that a port in use is one line and a
configuration exit status, not a server that announces itself and then fails to start.
The server is then handed this very socket: nothing else can take the port in between.
"""

from __future__ import annotations

import errno
import socket

from storyreel.errors import ConfigError


def listening_socket(host: str, port: int, *, choose: str) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` the way uvicorn binds one (SO_REUSEADDR, so a
    restart does not wait for old connections to time out); a ConfigError that says why not,
    and to pick another with ``choose`` (e.g. ``--port``), when it cannot be bound."""
    address = host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(_why(exc, host, port, choose)) from None
    return sock


def bound_port(sock: socket.socket) -> int:
    """The port ``sock`` listens on (the one the system chose for port 0)."""
    return int(sock.getsockname()[1])


def _why(exc: OSError, host: str, port: int, choose: str) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is in use: stop what listens there, or choose another "
            f"port with {choose}"
        )
    if exc.errno == errno.EACCES:
        return (
            f"port {port} on {host} needs privileges this user does not have: choose a port "
            f"above 1023 with {choose}"
        )
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return (
            f"cannot listen on {host}: it is not an address of this machine; choose another "
            "with --host"
        )
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}"
