"""Which machine a job's owner runs on, as owner strings name it."""

from __future__ import annotations

import os
import socket
from functools import cache


@cache
def this_machine() -> str:
    """The host name, and the pid namespace where it can be read (``host~4026531836``).

    Containers may share a host name (host networking, a fixed ``hostname:``) while each sees
    only its own processes: there, a pid found missing says nothing about the other's. With
    the namespace in the name, a pid is checked only by processes that can see it, and a
    process elsewhere is judged by its lease's heartbeat alone.
    """
    host = socket.gethostname()
    try:
        link = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return host
    inode = "".join(char for char in link if char.isdigit())
    return f"{host}~{inode}" if inode else host


__all__ = ["this_machine"]
