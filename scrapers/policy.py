"""The limits every fetch obeys, as a plain value.

Apart from scrapers.fetch so that reading the configuration, which builds one, does not
import httpx: ``readout sources`` and ``--help`` never fetch anything.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_USER_AGENT = "Readout/0.1 (press-release monitor; +https://github.com/readout/readout)"


@dataclass(frozen=True)
class FetchPolicy:
    """The limits every fetch obeys, from the ``[http]`` config table."""

    timeout: float = 20.0
    max_bytes: int = 5_000_000
    allow_private_addresses: bool = False
    max_redirects: int = 5
    concurrency: int = 8
    user_agent: str = DEFAULT_USER_AGENT
