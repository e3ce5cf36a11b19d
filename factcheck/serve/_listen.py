"""Where the server may listen: loopback only without a token, and a port that is free (checked before the models
load, so that a taken port costs one line and no wait)."""

from __future__ import annotations

import ipaddress
import socket

from ..errors import FactcheckError


def loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """Raise a one-line error when nothing can listen on ``host``:``port`` (taken, or an address not of this machine)."""
    try:
        with socket.create_server((host.strip("[]"), port)):
            pass
    except OSError as exc:
        raise FactcheckError(f"cannot listen on {host}:{port} ({exc.strerror or exc}): choose another --port, or stop what is using it") from None


#: the names a browser on this machine gives a loopback server in its Host header.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


def allowed_hosts(host: str) -> tuple[str, ...] | None:
    """The Host headers a server listening on ``host`` answers: its loopback names on loopback, any elsewhere (a
    server off loopback has a token)."""
    return (*LOOPBACK_NAMES, host) if loopback(host) else None
