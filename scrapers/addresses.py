"""Refusing to fetch from loopback, private and link-local networks.

Sources can be added from chat, so a source URL is untrusted input: without this, anyone
an admin trusts with a URL could make Readout probe the container's own network. The
check is made on the addresses the connection is opened to (the resolver's answer), so a
name that resolves differently the second time (DNS rebinding) is refused, and on every
hop of a redirect, so ``http://169.254.169.254/`` is refused there as well.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import aiohttp
from aiohttp.abc import ResolveResult

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


class PublicOnlyResolver(aiohttp.ThreadedResolver):
    """A resolver that answers only with public addresses: the connector connects to what
    it returns, so this is the check on the address actually connected to. (A literal
    address never reaches a resolver; the fetcher checks those before each request.)"""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await super().resolve(host, port, family)
        for result in found:
            refuse_private_host(result["host"], named=host)
        return found


async def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` has here; OSError when it has none."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
