"""Run ``readout run`` for a while against many local sources and watch its footprint.

    python bench/soak.py [--minutes 10] [--sources 200] [--interval 5]

A local HTTP server serves small Atom feeds (half with ETags, so they answer 304; one in
fifty always fails, so backoff runs); every interval a few feeds gain an item, half of them
mentioning Putin. The service runs as a subprocess with the fake Bot API and five chats
subscribed to Putin, so polling, storing, routing, sending, metrics and the store upkeep job
(every minute here) all run. Every few seconds the bench reads the service's resident
memory and open file descriptors from /proc (Linux only) and asks /healthz; at the end it
prints peak and final RSS and descriptors, and their growth over the level reached after
the warm-up (the goal is under 10%), then stops the service with SIGTERM.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError, URLError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.store import Store  # noqa: E402
from store.subscriptions import Target  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

FEED_LENGTH = 20
CHANGED_PER_TICK = 4
FAILING_EVERY = 50
CHATS = 5
SAMPLE_SECONDS = 5.0


class Feeds:
    """The feeds' current bodies; a few gain an item on every tick."""

    def __init__(self, count: int, base: str) -> None:
        self.base = base
        self.lock = threading.Lock()
        self.entries: list[list[tuple[int, str, str]]] = [[] for _ in range(count)]
        self.bodies: list[bytes] = [b""] * count
        self.next_id = 1
        self.items = 0
        for feed in range(count):
            for _ in range(3):
                self._add(feed, mentions_putin=False)

    def failing(self, feed: int) -> bool:
        return feed % FAILING_EVERY == FAILING_EVERY - 1

    def tick(self, rng: random.Random) -> None:
        healthy = [f for f in range(len(self.bodies)) if not self.failing(f)]
        for feed in rng.sample(healthy, min(CHANGED_PER_TICK, len(healthy))):
            self._add(feed, mentions_putin=rng.random() < 0.5)

    def _add(self, feed: int, mentions_putin: bool) -> None:
        with self.lock:
            n = self.next_id
            self.next_id += 1
            self.items += 1
            title = f"Putin held talks, report {n}" if mentions_putin else f"Statement {n}"
            published = datetime.now(UTC).isoformat(timespec="seconds")
            entries = [(n, title, published), *self.entries[feed]][:FEED_LENGTH]
            self.entries[feed] = entries
            body = "".join(
                f"<entry><title>{t}</title><id>{self.base}/feed{feed}/{i}</id>"
                f'<link href="{self.base}/feed{feed}/{i}"/><published>{p}</published>'
                f"<summary>{t}. A short summary of the event.</summary></entry>"
                for i, t, p in entries
            )
            self.bodies[feed] = (
                '<?xml version="1.0" encoding="utf-8"?>'
                f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Feed {feed}</title>{body}'
                "</feed>"
            ).encode()


def serve_feeds(count: int) -> tuple[ThreadingHTTPServer, Feeds]:
    holder: dict[str, Feeds] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            feeds = holder["feeds"]
            found = re.fullmatch(r"/feed(\d+)", self.path)
            if not found or int(found.group(1)) >= len(feeds.bodies):
                self._answer(404, b"no such feed")
                return
            feed = int(found.group(1))
            if feeds.failing(feed):
                self._answer(500, b"internal error")
                return
            with feeds.lock:
                body = feeds.bodies[feed]
            headers = {"Content-Type": "application/atom+xml"}
            if feed % 2 == 0:
                etag = '"' + hashlib.sha256(body).hexdigest() + '"'
                headers["ETag"] = etag
                if self.headers.get("If-None-Match") == etag:
                    self._answer(304, b"", headers)
                    return
            self._answer(200, body, headers)

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    holder["feeds"] = Feeds(count, f"http://{host!s}:{port}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, holder["feeds"]


@dataclass
class Sample:
    at: float
    rss_kib: int
    fds: int
    health: str  # "ok", or the reason /healthz gave


@dataclass
class Output:
    """The service's output, read continuously so its pipe never fills."""

    lines: list[str] = field(default_factory=list)
    address: str | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    def pump(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            if "health and metrics on http://" in line:
                self.address = re.search(r"http://(\S+)", line).group(1)  # type: ignore[union-attr]
                self.ready.set()
            if len(self.lines) < 1000:
                self.lines.append(line)


def sample(pid: int, address: str, started: float) -> Sample:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    fds = sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())
    try:
        with urllib.request.urlopen(f"http://{address}/healthz", timeout=5) as answer:
            health = answer.read().decode().strip()
    except HTTPError as error:
        health = error.read().decode().strip()
    except (URLError, TimeoutError) as error:
        health = f"no answer: {error}"
    return Sample(time.monotonic() - started, rss, fds, health)


def scrape(address: str) -> dict[str, float]:
    """Sums of the service's counters, by metric name (labels folded)."""
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    sums: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = re.split(r"[{ ]", line, maxsplit=1)[0]
            labels = line[len(name) : line.rfind(" ")]
            key = name + ('{outcome="sent"}' if 'outcome="sent"' in labels else "")
            sums[key] = sums.get(key, 0.0) + float(line.rsplit(" ", 1)[1])
    return sums


def write_config(
    folder: Path, fake: FakeTelegram, base: str, sources: int, interval: float
) -> None:
    lines = [
        f'[telegram]\ntoken = "{fake.token}"\napi_base_url = "{fake.bot_url}"\n',
        "[catalog]\nenabled = false\n",
        '[http]\nallow_private_addresses = true\ntimeout = "10s"\n',
        f'[scheduler]\ninterval = "{interval}s"\n',
        f'[store]\npath = "{folder / "soak.db"}"\nmaintenance_interval = "1m"\n',
        '[health]\nlisten = "127.0.0.1:0"\n',
    ]
    lines += [
        f'[[sources]]\nid = "s{n:03d}"\nurl = "{base}/feed{n}"\nname = "Source {n}"\n'
        for n in range(sources)
    ]
    (folder / "readout.toml").write_text("\n".join(lines))
    with Store(folder / "soak.db") as store:
        for chat in range(1, CHATS + 1):
            store.subscriptions.ensure_chat(chat, "private")
            store.subscriptions.add(Target(chat), "leader", "putin")


def growth(now: float, base: float) -> str:
    return f"{(now - base) / base * 100:+.1f}%"


def window_median(samples: list[Sample], start: float, end: float, what: str) -> float:
    """The median of ``what`` over samples in [start, end): steadier than one reading,
    since descriptors come and go with the connections in flight."""
    values = [getattr(s, what) for s in samples if start <= s.at < end]
    return float(statistics.median(values)) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--interval", type=float, default=5.0, help="poll interval, seconds")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        print("soak: needs Linux /proc to read memory and descriptors", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    server, feeds = serve_feeds(args.sources)
    fake = FakeTelegram().start_in_thread()
    folder = Path(tempfile.mkdtemp(prefix="readout-soak-"))
    write_config(folder, fake, feeds.base, args.sources, args.interval)
    env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    service = subprocess.Popen(
        [sys.executable, "-m", "readout", "run"],
        cwd=folder,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output()
    threading.Thread(target=output.pump, args=(service.stdout,), daemon=True).start()
    if not output.ready.wait(30) or output.address is None:
        service.kill()
        print("soak: the service did not start:\n" + "".join(output.lines), file=sys.stderr)
        return 1
    address = output.address
    duration = args.minutes * 60
    warm_up = min(60.0, duration / 5)
    print(
        f"soak: {args.sources} sources every {args.interval:g}s for {args.minutes:g} min; "
        f"warm-up {warm_up:.0f}s; service pid {service.pid}, metrics at http://{address}"
    )
    started = time.monotonic()
    samples: list[Sample] = []
    next_tick = started
    try:
        while (elapsed := time.monotonic() - started) < duration:
            if service.poll() is not None:
                print("soak: the service exited:\n" + "".join(output.lines[-20:]))
                return 1
            if time.monotonic() >= next_tick:
                feeds.tick(rng)
                next_tick += args.interval
            samples.append(sample(service.pid, address, started))
            if len(samples) % 12 == 0:
                last = samples[-1]
                print(
                    f"  {elapsed / 60:5.1f} min  rss {last.rss_kib / 1024:6.1f} MiB  "
                    f"fds {last.fds:3d}  health {last.health}",
                    flush=True,
                )
            time.sleep(SAMPLE_SECONDS)
        totals = scrape(address)
    finally:
        stopping = time.monotonic()
        service.send_signal(signal.SIGTERM)
        code = service.wait(timeout=30)
        stop_seconds = time.monotonic() - stopping
        fake.stop_thread()
        server.shutdown()

    settled = [s for s in samples if s.at >= warm_up] or samples
    base, final = settled[0], samples[-1]
    peak_rss = max(s.rss_kib for s in samples)
    peak_fds = max(s.fds for s in samples)
    unhealthy = [f"{s.at:.0f}s: {s.health}" for s in samples if s.health != "ok"]
    window = 60.0
    early_rss = window_median(samples, warm_up, warm_up + window, "rss_kib")
    late_rss = window_median(samples, duration - window, duration + 1, "rss_kib")
    early_fds = window_median(samples, warm_up, warm_up + window, "fds")
    late_fds = window_median(samples, duration - window, duration + 1, "fds")
    db = folder / "soak.db"
    wal = folder / "soak.db-wal"
    report = {
        "minutes": args.minutes,
        "sources": args.sources,
        "interval_s": args.interval,
        "rss_mib": {
            "after_warm_up": round(base.rss_kib / 1024, 1),
            "peak": round(peak_rss / 1024, 1),
            "final": round(final.rss_kib / 1024, 1),
        },
        "fds": {"after_warm_up": base.fds, "peak": peak_fds, "final": final.fds},
        "polls": int(totals.get("readout_polls_total", 0)),
        "poll_failures": int(totals.get("readout_poll_failures_total", 0)),
        "items_new": int(totals.get("readout_items_new_total", 0)),
        "alerts_sent": int(totals.get('readout_deliveries_total{outcome="sent"}', 0)),
        "pending": int(totals.get("readout_deliveries_pending", 0)),
        "unhealthy_samples": unhealthy,
        "median_growth_first_to_last_minute": {
            "rss": growth(late_rss, early_rss),
            "fds": growth(late_fds, early_fds),
        },
        "db_bytes": db.stat().st_size if db.exists() else None,
        "wal_bytes": wal.stat().st_size if wal.exists() else 0,
        "exit": code,
        "stop_seconds": round(stop_seconds, 2),
    }
    print(json.dumps(report))
    print(
        f"RSS: {base.rss_kib / 1024:.1f} MiB after warm-up, peak {peak_rss / 1024:.1f} MiB "
        f"({growth(peak_rss, base.rss_kib)}), final {final.rss_kib / 1024:.1f} MiB "
        f"({growth(final.rss_kib, base.rss_kib)})"
    )
    print(
        f"fds: {base.fds} after warm-up, peak {peak_fds} ({growth(peak_fds, base.fds)}), "
        f"final {final.fds} ({growth(final.fds, base.fds)})"
    )
    print(
        f"medians, first minute after warm-up to last minute: RSS {early_rss / 1024:.1f} -> "
        f"{late_rss / 1024:.1f} MiB ({growth(late_rss, early_rss)}), fds {early_fds:g} -> "
        f"{late_fds:g} ({growth(late_fds, early_fds)})"
    )
    print(
        f"{report['polls']} polls ({report['poll_failures']} failed), "
        f"{report['items_new']} new items, {report['alerts_sent']} alerts sent, "
        f"{report['pending']} pending; {len(unhealthy)} of {len(samples)} health checks "
        f"not ok {unhealthy[:3]}; stopped in {stop_seconds:.1f}s with status {code}"
    )
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
