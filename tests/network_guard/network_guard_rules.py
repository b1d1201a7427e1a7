"""Tests never touch the network: any connection or name lookup beyond this machine is refused.

Loopback stays open (torch.distributed's rendezvous, gloo). Each refusal raises an
``OSError`` subclass, so code sees what offline code sees, and is written down with the
current test's name (``RESVIZ_TEST_NAME``) in the file ``RESVIZ_NETWORK_LOG`` names: the
test configuration fails that test after it ran, whichever process tried.
"""

from __future__ import annotations

import ipaddress
import os
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkBlocked(ConnectionRefusedError):
    """A test tried to reach the network."""


def _is_local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").lower()
    if host in _LOCAL_NAMES or host == socket.gethostname().lower():
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _refuse(host, port) -> None:
    where = f"{host}:{port}" if port is not None else str(host)
    test = os.environ.get("RESVIZ_TEST_NAME", "?")
    log = os.environ.get("RESVIZ_NETWORK_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{test}\t{where}\t{os.getpid()}\n")
    raise NetworkBlocked(f"tests may not use the network: {test} tried to reach {where}")


def install() -> None:
    if getattr(socket, "_resviz_guarded", False):
        return
    real_getaddrinfo, real_connect, real_connect_ex = socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex

    def getaddrinfo(host, port, *args, **kwargs):
        if not _is_local(host):
            _refuse(host, port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    def _checked(address):
        if isinstance(address, tuple) and address and not _is_local(address[0]):
            _refuse(address[0], address[1] if len(address) > 1 else None)

    def connect(self, address):
        _checked(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        _checked(address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket._resviz_guarded = True
