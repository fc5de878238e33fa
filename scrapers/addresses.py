"""Refusing to fetch from loopback, private and link-local networks.

Sources can be added from chat, so a source URL is untrusted input: without this, anyone
an admin trusts with a URL could make Readout probe the container's own network. The
check happens where the socket is opened, on the address actually connected to, so a
name that resolves differently the second time (DNS rebinding) or a redirect to
``http://169.254.169.254/`` is refused as well.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from scrapers.errors import FetchError


class PrivateAddressError(FetchError):
    """The source's host is, or resolves to, an address Readout must not reach."""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def literal_address(host: str) -> str | None:
    """The IP address ``host`` spells, in any form a resolver takes literally, or None.

    Besides the dotted quad, C resolvers (and so most proxies) read ``2130706433``,
    ``0x7f.1`` and ``127.1`` as 127.0.0.1: a name check that missed them would be a hole.
    """
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if bare and all(part.isalnum() for part in bare.split(".")):
        try:
            return socket.inet_ntoa(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def refuse_private_host(host: str, named: str | None = None) -> None:
    """Raise PrivateAddressError if ``host`` is (or, as ``named``'s address, resolves to)
    a loopback, private or link-local address, or a ``localhost`` name."""
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        raise _refused(host)
    address = literal_address(host)
    if address is not None and not is_public_address(address):
        shown = host if named is None else named
        raise _refused(shown if shown == address else f"{shown} ({address})")


def _refused(shown: str) -> PrivateAddressError:
    return PrivateAddressError(
        f"refused: {shown} is a loopback, private or link-local address "
        "(set http.allow_private_addresses = true to allow it)"
    )


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to public addresses."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port)
        for address in addresses:
            refuse_private_host(address, named=host)
        last_error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        raise last_error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise PrivateAddressError("refused: unix sockets are never a public address")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def resolve(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM
        )
    except socket.gaierror as error:
        raise httpcore.ConnectError(f"cannot resolve {host}: {error.strerror}") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
