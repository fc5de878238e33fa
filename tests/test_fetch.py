import asyncio
import gzip
import re
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from scrapers.addresses import PrivateAddressError, is_public_address
from scrapers.errors import FetchError
from scrapers.fetch import Fetcher, FetchPolicy, Validators
from scrapers.model import Source
from tests.sitestub import FixtureSite

LOCAL = FetchPolicy(timeout=2.0, max_bytes=100_000, allow_private_addresses=True)


def source(url: str, **options: object) -> Source:
    return Source(id="s", name="S", url=url, **options)  # type: ignore[arg-type]


async def fetch(url: str, policy: FetchPolicy = LOCAL, **options: object):  # type: ignore[no-untyped-def]
    async with Fetcher(policy) as fetcher:
        return await fetcher.fetch(source(url, **options))


async def test_sends_a_real_user_agent_and_language(site: FixtureSite) -> None:
    url = site.add("/feed", "<rss/>")
    await fetch(url, language="ru")
    (seen,) = site.hits("/feed")
    assert seen.headers["User-Agent"].startswith("Readout/")
    assert seen.headers["Accept-Language"].startswith("ru")


async def test_etag_and_last_modified_are_sent_back_and_304_is_not_a_body(
    site: FixtureSite,
) -> None:
    url = site.add("/feed", "<rss/>", etag='"abc"', last_modified="Tue, 24 Nov 2026 10:00:00 GMT")
    async with Fetcher(LOCAL) as fetcher:
        first = await fetcher.fetch(source(url))
        again = await fetcher.fetch(source(url), Validators(first.etag, first.last_modified))
    assert first.status == 200 and first.body == b"<rss/>"
    assert again.not_modified and again.body == b"" and again.etag == '"abc"'
    assert site.hits("/feed")[1].headers["If-None-Match"] == '"abc"'
    assert site.hits("/feed")[1].headers["If-Modified-Since"] == "Tue, 24 Nov 2026 10:00:00 GMT"


async def test_gzip_body_is_decoded(site: FixtureSite) -> None:
    url = site.add("/feed", "<rss>zipped</rss>", gzip=True)
    assert (await fetch(url)).body == b"<rss>zipped</rss>"


@pytest.mark.parametrize(
    ("status", "reason"), [(500, "HTTP 500"), (403, "HTTP 403"), (404, "HTTP 404")]
)
async def test_error_status_is_a_fetch_error(site: FixtureSite, status: int, reason: str) -> None:
    url = site.add("/feed", "oops", status=status)
    with pytest.raises(FetchError, match=reason):
        await fetch(url)


async def test_slow_server_times_out(site: FixtureSite) -> None:
    url = site.add("/slow", "<rss/>", delay=30)
    with pytest.raises(FetchError, match=r"timed out after 0\.3s"):
        await fetch(url, FetchPolicy(timeout=0.3, allow_private_addresses=True))


async def test_dripping_server_hits_the_overall_deadline(site: FixtureSite) -> None:
    def drip() -> Iterator[bytes]:
        while not site.released.wait(0.05):
            yield b"<"

    url = site.add("/drip", chunks=drip)
    with pytest.raises(FetchError, match="timed out"):
        await fetch(url, FetchPolicy(timeout=0.5, allow_private_addresses=True))


async def test_declared_oversized_body_is_refused(site: FixtureSite) -> None:
    url = site.add("/big", b"x" * 200_000)
    with pytest.raises(FetchError, match=r"larger than 100000 bytes \(http.max_bytes\)"):
        await fetch(url)


async def test_endless_body_is_cut_at_the_cap(site: FixtureSite) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"y" * 65536

    url = site.add("/endless", chunks=endless)
    with pytest.raises(FetchError, match="larger than"):
        await fetch(url)


async def test_gzip_bomb_is_cut_at_the_cap(site: FixtureSite) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    url = site.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="larger than"):
        await fetch(url)


async def test_corrupt_gzip_is_a_fetch_error(site: FixtureSite) -> None:
    url = site.add("/corrupt", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="corrupt gzip body"):
        await fetch(url)


async def test_redirect_loop_is_refused(site: FixtureSite) -> None:
    site.add("/a", status=302, headers={"Location": "/b"})
    url = site.add("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="too many redirects"):
        await fetch(url)


async def test_redirect_is_followed_and_final_url_reported(site: FixtureSite) -> None:
    start = site.add("/old", status=301, headers={"Location": "/new"})
    site.add("/new", "<rss/>")
    fetched = await fetch(start)
    assert fetched.url == site.url("/new") and fetched.body == b"<rss/>"


async def test_connection_refused_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="could not connect"):
        await fetch("http://127.0.0.1:9/feed")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.10", False),
        ("172.16.5.4", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("8.8.8.8", True),
        ("95.173.136.70", True),
        ("2a00:1450:4001::1", True),
    ],
)
def test_address_classification(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_private_address_is_refused(site: FixtureSite, host: str) -> None:
    site.add("/feed", "<rss/>")
    port = site.server.server_address[1]
    with pytest.raises(PrivateAddressError, match="allow_private_addresses"):
        await fetch(f"http://{host}:{port}/feed", FetchPolicy())
    assert site.requests == []


async def test_private_literal_is_refused_even_behind_a_proxy() -> None:
    with pytest.raises(PrivateAddressError):
        await fetch(
            "http://169.254.169.254/latest", FetchPolicy(), proxy="http://proxy.invalid:3128"
        )


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/admin",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://10.1/",
        "http://localhost/",
        "http://metadata.localhost./",
    ],
)
async def test_a_redirect_to_a_private_address_is_refused_through_a_proxy(
    site: FixtureSite, target: str
) -> None:
    """The local site is the proxy (it answers absolute-form requests): the redirect it
    relays must stop here, before the proxy is ever asked for the private address."""
    site.add("http://feeds.example/feed", status=302, headers={"Location": target})
    with pytest.raises(PrivateAddressError, match="allow_private_addresses"):
        await fetch("http://feeds.example/feed", FetchPolicy(), proxy=site.base)
    assert [seen.path for seen in site.requests] == ["http://feeds.example/feed"]


async def test_every_hop_of_a_redirect_chain_is_checked_through_a_proxy(
    site: FixtureSite,
) -> None:
    site.add("http://feeds.example/feed", status=301, headers={"Location": "http://b.example/"})
    site.add("http://b.example/", status=302, headers={"Location": "http://c.example/rss"})
    site.add("http://c.example/rss", status=302, headers={"Location": "http://192.168.0.1/"})
    with pytest.raises(PrivateAddressError, match=r"192\.168\.0\.1"):
        await fetch("http://feeds.example/feed", FetchPolicy(), proxy=site.base)
    assert len(site.requests) == 3


async def test_a_public_redirect_through_a_proxy_is_followed(site: FixtureSite) -> None:
    site.add("http://feeds.example/feed", status=302, headers={"Location": "http://b.example/"})
    site.add("http://b.example/", "<rss>moved</rss>")
    fetched = await fetch("http://feeds.example/feed", FetchPolicy(), proxy=site.base)
    assert fetched.body == b"<rss>moved</rss>" and fetched.url == "http://b.example/"


async def test_a_name_that_resolves_to_a_private_address_is_refused_through_a_proxy(
    site: FixtureSite,
) -> None:
    """Where the name resolves here, its address is checked even though the proxy
    connects. The machine's own host name stands for such a name: /etc/hosts (or a
    container's DNS) gives it a loopback or private address."""
    name = socket.gethostname()
    resolved = _resolved(name)
    if resolved is None or is_public_address(resolved):
        pytest.skip(f"{name} does not resolve to a private address here")
    site.add("http://feeds.example/feed", status=302, headers={"Location": f"http://{name}/"})
    with pytest.raises(PrivateAddressError, match=re.escape(f"{name} ({resolved})")):
        await fetch("http://feeds.example/feed", FetchPolicy(), proxy=site.base)
    assert len(site.requests) == 1


async def test_a_name_that_resolves_to_a_private_address_is_refused(site: FixtureSite) -> None:
    """Without a proxy the addresses connected to are the resolver's, and it refuses
    private ones: a name is no way around the guard (nor is DNS rebinding)."""
    name = socket.gethostname()
    resolved = _resolved(name)
    if resolved is None or is_public_address(resolved):
        pytest.skip(f"{name} does not resolve to a private address here")
    site.add("/feed", "<rss/>")
    port = site.server.server_address[1]
    with pytest.raises(PrivateAddressError, match=re.escape(f"{name} (")):
        await fetch(f"http://{name}:{port}/feed", FetchPolicy())
    assert site.requests == []


def _resolved(name: str) -> str | None:
    try:
        return str(socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)[0][4][0])
    except OSError:
        return None


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[FixtureSite, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)

    def wrap(server) -> None:  # type: ignore[no-untyped-def]
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.is_tls = True

    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    served = FixtureSite(server_wrapper=wrap).start()
    served.add("/feed", "<rss/>")
    yield served, bundle
    served.stop()


async def test_untrusted_certificate_is_a_clear_error(tls_site: tuple[FixtureSite, Path]) -> None:
    served, _ = tls_site
    with pytest.raises(FetchError, match="TLS certificate not trusted"):
        await fetch(served.url("/feed"))


async def test_ca_bundle_makes_the_certificate_trusted(tls_site: tuple[FixtureSite, Path]) -> None:
    served, bundle = tls_site
    assert (await fetch(served.url("/feed"), ca_bundle=str(bundle))).body == b"<rss/>"


async def test_verification_can_be_turned_off_per_source(
    tls_site: tuple[FixtureSite, Path],
) -> None:
    served, _ = tls_site
    assert (await fetch(served.url("/feed"), verify_tls=False)).body == b"<rss/>"


async def test_proxy_is_used_for_the_source(site: FixtureSite) -> None:
    site.add("http://feeds.example/feed", "<rss>via proxy</rss>")
    fetched = await fetch("http://feeds.example/feed", proxy=site.base)
    assert fetched.body == b"<rss>via proxy</rss>"
    assert site.requests[0].path == "http://feeds.example/feed"


@pytest.mark.parametrize(("per_host", "concurrency", "most"), [(2, 8, 2), (4, 3, 3), (8, 8, 6)])
async def test_one_host_gets_at_most_per_host_requests_at_once(
    site: FixtureSite, per_host: int, concurrency: int, most: int
) -> None:
    """Six sources of one office fetched together never hit it harder than the limits."""
    policy = FetchPolicy(
        timeout=5.0, allow_private_addresses=True, per_host=per_host, concurrency=concurrency
    )
    urls = [site.add(f"/feed{n}", "<rss/>", delay=0.3) for n in range(6)]
    async with Fetcher(policy) as fetcher:
        fetched = await asyncio.gather(
            *(fetcher.fetch(Source(id=f"s{n}", name="S", url=u)) for n, u in enumerate(urls))
        )
    assert [f.status for f in fetched] == [200] * 6
    assert site.most_in_flight == most
