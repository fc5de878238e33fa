"""Many press offices on loopback, for the benchmarks: realistic feeds, latency, ETags.

    python bench/feedserver.py --sources 1000 --hosts 250 --latency 0.1

Runs in a process of its own, so its CPU is not counted as Readout's. It listens on one
port of 127.0.0.2 .. 127.0.0.<hosts+1> (Linux routes all of 127/8 to loopback), so the
sources have as many host names as offices would and the fetcher's per-host limit applies
as it would in production. It prints its port on the first line of stdout.

Source ``n`` is ``/feed/<n>`` on host ``n % hosts``: a feed of 50 entries of about 3 kB
each in Russian and English (about 160 kB, escaped HTML in its descriptions, names the
matcher knows) or, sized ``small``, of 3 entries. Its ETag names its version, and a
request carrying it gets a 304. ``/_bump?first=A&count=B&by=K&size=big`` moves sources
A..A+B-1 on by K versions (each version adds two entries at the top) and sets their size:
this is how a benchmark makes 5% of the sources change, or every entry new (``by=25``).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

ENTRIES = {"big": 50, "small": 3}
NEW_PER_VERSION = 2
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

RU_LEADS = (
    "Президент России Владимир Путин провёл телефонный разговор с Президентом Казахстана "
    "Касым-Жомартом Токаевым. Обсуждены актуальные вопросы двустороннего сотрудничества, "
    "в том числе в торгово-экономической и энергетической сферах.",
    "Глава государства провёл совещание с членами Правительства. Рассмотрены вопросы "
    "развития транспортной инфраструктуры и поддержки регионов в зимний период.",
    "Состоялась встреча с Президентом Азербайджана Ильхамом Алиевым. Стороны обсудили "
    "ход реализации договорённостей, достигнутых в ходе предыдущих контактов.",
)
EN_LEADS = (
    "Vladimir Putin had a telephone conversation with President of Kazakhstan Kassym-Jomart "
    "Tokayev. The leaders discussed current issues of bilateral cooperation.",
    "The President held a meeting with members of the Government on the development of "
    "transport infrastructure and support for the regions during the winter.",
    "Talks with President of Azerbaijan Ilham Aliyev took place in the Kremlin. The parties "
    "discussed the implementation of the agreements reached earlier.",
)


def entry(source: int, number: int) -> str:
    """One entry, the same bytes every time it is asked for (seeded by its number)."""
    rng = random.Random(source * 1_000_003 + number)
    russian = number % 2 == 0
    leads = RU_LEADS if russian else EN_LEADS
    paragraphs = "".join(
        f"&lt;p&gt;{rng.choice(leads)} &amp;laquo;{number}&amp;raquo;&lt;/p&gt;" for _ in range(10)
    )
    title = "Телефонный разговор, сообщение " if russian else "Telephone conversation, report "
    link = f"http://office{source}.example/news/{number}"
    # Three hours apart, and each office on days of its own, so entries are not all one
    # story (store/stories.py compares an item with those of nearby days, every office's).
    published = EPOCH + timedelta(days=2 * source, hours=3 * number)
    return (
        f"<item><title>{title}{number}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate>"
        f"<description>{paragraphs}</description></item>"
    )


def feed(source: int, version: int, size: str) -> bytes:
    top = version * NEW_PER_VERSION + ENTRIES["big"]
    entries = "".join(entry(source, n) for n in range(top, top - ENTRIES[size], -1))
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Office {source}</title><link>http://office{source}.example/</link>"
        f"{entries}</channel></rss>"
    ).encode()


class Offices:
    def __init__(self, sources: int, latency: float) -> None:
        self.latency = latency
        self.state = [(0, "small")] * sources
        self.bodies: dict[int, tuple[tuple[int, str], bytes]] = {}

    def bump(self, first: int, count: int, by: int, size: str) -> None:
        for n in range(first, min(first + count, len(self.state))):
            version, _ = self.state[n]
            self.state[n] = (version + by, size)

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, str | None]:
        n = int(path.rsplit("/", 1)[1])
        state = self.state[n]
        etag = f'"{n}-{state[0]}-{state[1]}"'
        if headers.get("if-none-match") == etag:
            return 304, b"", etag
        cached = self.bodies.get(n)
        if cached is None or cached[0] != state:
            cached = self.bodies[n] = (state, feed(n, *state))
        return 200, cached[1], etag


async def handle(
    offices: Offices, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            if path.startswith("/_bump"):
                query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
                offices.bump(
                    int(query["first"]), int(query["count"]), int(query["by"]), query["size"]
                )
                status, body, etag = 200, b"ok", None
            else:
                await asyncio.sleep(offices.latency)
                status, body, etag = offices.answer(path, headers)
            reason = {200: "OK", 304: "Not Modified"}[status]
            response = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/rss+xml"]
            if etag:
                response.append(f"ETag: {etag}")
            if status != 304:
                response.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(response) + "\r\n\r\n").encode() + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def url(port: int, source: int, hosts: int) -> str:
    return f"http://127.0.0.{2 + source % hosts}:{port}/feed/{source}"


async def serve(sources: int, hosts: int, latency: float) -> None:
    offices = Offices(sources, latency)
    for _ in range(20):
        probe = socket.socket()
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
        probe.close()
        try:
            servers = [
                await asyncio.start_server(
                    lambda r, w: handle(offices, r, w), f"127.0.0.{2 + h}", port, backlog=1024
                )
                for h in range(hosts)
            ]
            break
        except OSError:
            continue
    else:
        raise SystemExit("no free port on every loopback address")
    print(port, flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=250)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.sources, args.hosts, args.latency))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
