"""Every performance goal of Readout, measured in one run: one line per goal, then a tally.

    python bench/run.py            # the whole suite, about 10-15 minutes on 2 cores
    python bench/run.py --quick    # small inputs, under a minute: every benchmark runs
    python bench/run.py --only cycle --only changed_feed

Each line reads ``<goal>: <figure> (goal <target>) ok|MISS``; the last one ``N ok, M
missed``; the exit status is 1 when a goal is missed (with ``--quick``, only when a
benchmark fails to run: small inputs say nothing about speed).

Figures are taken against a baseline measured in the same run wherever one exists (bare
``feedparser.parse`` on the same bytes, the same store when small, the cycle's ideal at
the same latency and concurrency), as medians of ``--runs`` runs, on local servers only:
bench/feedserver.py in a process of its own (so its CPU is not Readout's), the fixture site
and the fake Bot API. On a machine shared with other work, absolute times move with the
load; the ratios move much less, and they are what most goals are stated in.

The suite is a list of goal functions (``GOALS``); a benchmark is added by writing one
that returns its ``Line``s and appending it. The matching, fan-out, soak and ingest
benchmarks run as they do on their own (bench/*.py, as subprocesses) with the sizes below.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import feedparser
import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import feedserver  # noqa: E402

from analysis.leaders import LEADERS  # noqa: E402
from analysis.matching import Matcher  # noqa: E402
from bot.routing import route  # noqa: E402
from readout.config import Config, load_config  # noqa: E402
from readout.poll import match_items, poll_source, poll_sources  # noqa: E402
from scrapers.fetch import Fetched, Fetcher, FetchPolicy, Validators  # noqa: E402
from scrapers.model import Item, Source  # noqa: E402
from scrapers.parsers import parse_batch  # noqa: E402
from store.store import Routing, Store  # noqa: E402
from store.subscriptions import Target  # noqa: E402

CHATS = 5  # subscribed to Putin, whom the benchmark feeds name: every new item is owed
MIB = 1024 * 1024


@dataclass(frozen=True)
class Line:
    goal: str
    figure: str
    target: str
    ok: bool

    def __str__(self) -> str:
        return f"{self.goal}: {self.figure} (goal {self.target}) {'ok' if self.ok else 'MISS'}"


@dataclass(frozen=True)
class Run:
    quick: bool
    runs: int
    folder: Path
    log: list[str] = field(default_factory=list)

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full


Goal = Callable[[Run], list[Line]]


def median(values: list[float]) -> float:
    return float(statistics.median(values))


# -- the offices: bench/feedserver.py in its own process ---------------------------------


@dataclass
class Offices:
    port: int
    sources: int
    hosts: int
    client: httpx.Client

    def url(self, n: int) -> str:
        return feedserver.url(self.port, n, self.hosts)

    def bump(self, first: int, count: int, by: int = 1, size: str = "big") -> None:
        """Sources first..first+count-1 gain ``2 * by`` entries (by=25: all 50 are new)."""
        answer = self.client.get(
            f"http://127.0.0.2:{self.port}/_bump",
            params={"first": first, "count": count, "by": by, "size": size},
        )
        answer.raise_for_status()

    def config(self, folder: Path, name: str, extra: str = "") -> Path:
        lines = [
            "[catalog]\nenabled = false\n",
            '[http]\nallow_private_addresses = true\ntimeout = "60s"\n',
            f'[store]\npath = "{folder / (name + ".db")}"\n',
            '[health]\nlisten = "127.0.0.1:0"\n',
            extra,
        ]
        lines += [
            f'[[sources]]\nid = "office{n:04d}"\nurl = "{self.url(n)}"\n'
            for n in range(self.sources)
        ]
        path = folder / f"{name}.toml"
        path.write_text("\n".join(lines))
        return path


@contextlib.contextmanager
def offices(sources: int, hosts: int, latency: float) -> Iterator[Offices]:
    server = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "feedserver.py"),
            f"--sources={sources}",
            f"--hosts={hosts}",
            f"--latency={latency}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with httpx.Client(timeout=30) as client:
            yield Offices(port, sources, hosts, client)
    finally:
        server.terminate()
        server.wait(timeout=30)


def subscribe(store: Store) -> None:
    for chat in range(1, CHATS + 1):
        store.subscriptions.ensure_chat(chat, "private")
        store.subscriptions.add(Target(chat), "leader", "putin")


def defaults(config_path: Path) -> Config:
    return load_config(config_path, env={})


# -- CPU of one changed feed -------------------------------------------------------------


class Prefetched(Fetcher):
    """Answers from bytes already in memory: the poll path without the network, so a
    changed feed's CPU is what the issue counts (parse, dedupe, match, store, enqueue)."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        super().__init__(FetchPolicy())
        self.bodies = bodies

    async def fetch(
        self, source: Source, validators: Validators | None = None, url: str | None = None
    ) -> Fetched:
        body = self.bodies[source.id]
        return Fetched(source.url, 200, body, None, None, "application/rss+xml")


def changed_feed(run: Run) -> list[Line]:
    """A feed of 50 entries (~160 kB, Russian and English) that gained two: the whole
    poll of it against ``feedparser.parse`` alone on the same bytes. Then the same with
    the store's record of read entries emptied before each poll, as it is on the first
    poll after the upgrade that adds it, so every entry is read again: what reading the
    whole of a feed costs beside feedparser (store.entries)."""
    count = run.size(8, 2)
    sources = [
        Source(id=f"o{n}", name=f"Office {n}", url=f"http://office{n}.example/feed")
        for n in range(count)
    ]
    matcher = Matcher(LEADERS)
    with Store(run.folder / "changed.db") as store:
        store.sync_sources(sources)
        subscribe(store)
        routing = Routing(route)

        async def poll_all(version: int, whole: bool = False) -> float:
            bodies = {s.id: feedserver.feed(n, version, "big") for n, s in enumerate(sources)}
            fetcher = Prefetched(bodies)
            if whole:
                with store.db.conn:
                    store.db.execute("DELETE FROM feed_entries")
            started = time.process_time()
            for source in sources:
                outcome = await poll_source(source, fetcher, store, matcher, routing)
                assert outcome.ok and (version == 0 or len(outcome.new) == 2), outcome
                assert outcome.kept == (0 if whole or version == 0 else 48), outcome
            return (time.process_time() - started) / count

        def bare(version: int) -> float:
            bodies = [feedserver.feed(n, version, "big") for n in range(count)]
            started = time.process_time()
            for body in bodies:
                feedparser.parse(body)
            return (time.process_time() - started) / count

        asyncio.run(poll_all(0))  # the baseline
        changed, whole = [], []
        for version in range(1, 2 * run.runs + 1):
            cost = asyncio.run(poll_all(version, whole=version > run.runs))
            (whole if version > run.runs else changed).append((cost, bare(version)))
    lines = []
    for label, runs, target in (
        ("CPU per changed feed vs feedparser.parse", changed, 1.2),
        ("CPU per changed feed read whole (no entry kept) vs feedparser.parse", whole, 1.5),
    ):
        ratio = median([cost / base for cost, base in runs])
        cost, base = median([c for c, _ in runs]), median([b for _, b in runs])
        lines.append(
            Line(
                label,
                f"{cost * 1000:.0f} ms vs {base * 1000:.0f} ms: {ratio:.2f}x",
                f"<= {target}x",
                ratio <= target,
            )
        )
    return lines


# -- a cycle of many sources -------------------------------------------------------------


def cycle(run: Run) -> list[Line]:
    """1,000 sources on 250 hosts, 100 ms away, 5% changed (two new entries each), polled
    by ``poll_sources`` at the default settings; then a cycle where nothing changed."""
    count = run.size(1000, 100)
    hosts = run.size(250, 25)
    latency = run.size(100, 10) / 1000
    changed = max(count // 20, 1)
    with offices(count, hosts, latency) as site:
        config = defaults(site.config(run.folder, "cycle"))
        policy = config.settings.http.policy()
        matcher = Matcher(config.leaders)
        sources = [s for s in config.sources if s.enabled]

        async def once() -> tuple[float, float]:
            async with Fetcher(policy) as fetcher:
                wall, cpu = time.perf_counter(), time.process_time()
                report = await poll_sources(sources, fetcher, store, matcher)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert not report.failed, report.failed[0].error
            return wall, cpu

        with Store(config.settings.store.path) as store:
            subscribe(store)
            asyncio.run(once())  # every source's baseline
            site.bump(0, changed)  # the changed ones become full-size feeds
            asyncio.run(once())
            walls, changed_cpus, unchanged_cpus = [], [], []
            for _ in range(run.runs):
                site.bump(0, changed)
                wall, cpu = asyncio.run(once())
                _, idle_cpu = asyncio.run(once())
                unchanged = idle_cpu / count
                walls.append(wall)
                unchanged_cpus.append(unchanged)
                changed_cpus.append((cpu - unchanged * (count - changed)) / changed)
    ideal = count * latency / policy.concurrency
    wall = median(walls)
    unchanged = median(unchanged_cpus)
    share = unchanged / median(changed_cpus)
    label = f"{count} sources, {latency * 1000:.0f} ms latency, 5% changed"
    return [
        Line(
            f"one cycle of {label}",
            f"{wall:.1f} s at concurrency {policy.concurrency}, per host {policy.per_host}",
            "<= 5 s",
            wall <= 5.0,
        ),
        Line(
            f"one cycle of {label}, against the ideal",
            f"{wall / ideal:.2f}x the ideal {ideal:.2f} s (sources x latency / concurrency)",
            "<= 1.5x",
            wall / ideal <= 1.5,
        ),
        Line(
            "CPU per unchanged (304) source in the cycle",
            f"{unchanged * 1000:.2f} ms",
            "<= 0.5 ms",
            unchanged <= 0.0005,
        ),
        Line(
            "CPU per unchanged source against a changed one",
            f"{share:.2%} ({median(changed_cpus) * 1000:.0f} ms per changed source)",
            "<= 1%",
            share <= 0.01,
        ),
    ]


# -- memory of `readout poll` and `readout run` -------------------------------------------


def peak_rss_of(command: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[int, int]:
    """(exit status, peak resident memory in bytes) of a subprocess, from the kernel."""
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=_env())
    assert process.stderr is not None
    errors = threading.Thread(target=process.stderr.read, daemon=True)
    errors.start()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss * 1024


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    return {**env, "PYTHONPATH": str(ROOT)}


def poll_memory(run: Run) -> list[Line]:
    """``readout poll`` of 1,000 sources that each bring 50 new entries (~160 kB feeds),
    against the same command on the same sources when nothing changed."""
    count = run.size(1000, 40)
    with offices(count, run.size(250, 10), 0.0) as site:
        config = site.config(run.folder, "pollmem")
        poll = [sys.executable, "-m", "readout", "--config", str(config), "poll", "--json"]
        status, _ = peak_rss_of(poll)  # the baseline, from small feeds
        assert status == 0, status
        status, idle = peak_rss_of(poll)
        assert status == 0, status
        site.bump(0, count, by=25)
        started = time.perf_counter()
        status, peak = peak_rss_of(poll)
        seconds = time.perf_counter() - started
        assert status == 0, status
    with sqlite3.connect(run.folder / "pollmem.db") as db:
        stored = db.execute("SELECT count(*) FROM items").fetchone()[0]
    run.log.append(f"poll memory: {stored} items stored, the new ones polled in {seconds:.0f}s")
    return [
        Line(
            f"peak RSS, readout poll of {count} sources x 50 new items",
            f"{peak / MIB:.0f} MB (the same poll with nothing new: {idle / MIB:.0f} MB)",
            "<= 150 MB",
            peak <= 150 * MIB,
        )
    ]


def synthetic(source: str, n: int) -> Item:
    return Item(
        source=source,
        title=f"Statement number {n} on the talks",
        url=f"https://bench.example/{source}/{n}",
        summary=f"The lead of statement {n}, about the talks held today.",
        text=f"Statement number {n} on the talks. The lead of statement {n}.",
        leaders=("putin",) if n % 3 == 0 else (),
    )


def big_store(run: Run) -> list[Line]:
    """The store grown from 2,000 to 200,000 items: a changed feed's save costs the same per
    item; then ``readout run`` over 1,000 sources on that store, its peak memory."""
    count = run.size(1000, 40)
    per_source = run.size(200, 50)
    small_sources = max(2000 // per_source, 1) if not run.quick else 4
    with offices(count, run.size(250, 10), 0.05) as site:
        config_path = site.config(run.folder, "big")
        config = defaults(config_path)
        sources = config.sources
        matcher = Matcher(config.leaders)
        fresh = [
            match_items(parse_batch(feedserver.feed(n, 0, "big"), sources[0]).items, matcher, None)
            for n in range(2 * run.runs)
        ]
        routing = Routing(route)
        with Store(config.settings.store.path) as store:
            store.sync_sources(sources)
            subscribe(store)
            grown = 0

            def grow(upto: int) -> None:
                nonlocal grown
                for source in sources[grown:upto]:
                    items = [synthetic(source.id, n) for n in range(per_source)]
                    store.save_items(source.id, items)
                    store.save_items(source.id, items)  # past the baseline
                grown = upto

            def per_item(label: int) -> list[float]:
                """Seconds per new item of a changed feed saved and routed, each run on a
                source of its own that had a baseline."""
                costs = []
                for attempt in range(run.runs):
                    source = sources[attempt + label * run.runs]
                    batch = fresh[attempt + label * run.runs]
                    items = [replace(item, source=source.id) for item in batch]
                    started = time.process_time()
                    saved = store.save_items(source.id, items, route=routing)
                    costs.append((time.process_time() - started) / len(items))
                    assert len(saved.new) == len(items) and saved.queued, saved
                return costs

            grow(small_sources)
            small = per_item(0)
            stored_small = store.db.execute("SELECT count(*) FROM items").fetchone()[0]
            grow(count)
            large = per_item(1)
            stored_large = store.db.execute("SELECT count(*) FROM items").fetchone()[0]
        ratio = median(large) / median(small)
        lines = [
            Line(
                f"per-item save cost, {stored_small:,} to {stored_large:,} stored items",
                f"{median(small) * 1e6:.0f} to {median(large) * 1e6:.0f} us: {ratio:.2f}x",
                "<= 1.5x",
                ratio <= 1.5,
            )
        ]
        peak, polled = run_until_polled(config_path, config.settings.store.path, count)
        lines.append(
            Line(
                f"peak RSS, readout run, {count} sources, {stored_large:,} stored items",
                f"{peak / MIB:.0f} MB over its first cycle ({polled} sources polled)",
                "<= 150 MB",
                peak <= 150 * MIB and polled == count,
            )
        )
    return lines


def run_until_polled(config: Path, store: str, count: int) -> tuple[int, int]:
    """Peak RSS of ``readout run`` from its start until every source has been polled."""
    started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    service = subprocess.Popen(
        [sys.executable, "-m", "readout", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    peak, polled = 0, 0
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and service.poll() is None:
            status = Path(f"/proc/{service.pid}/status").read_text()
            found = re.search(r"VmHWM:\s+(\d+)", status)
            peak = max(peak, int(found[1]) * 1024 if found else 0)
            polled = _polled_since(store, started)
            if polled >= count:
                break
            time.sleep(0.5)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=60)
    return peak, polled


def _polled_since(store: str, moment: str) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
        row = db.execute(
            "SELECT count(*) FROM source_state WHERE last_attempt >= ?", [moment]
        ).fetchone()
        return int(row[0])


# -- the benchmarks that stand on their own ----------------------------------------------


def script(run: Run, name: str, *args: str) -> str:
    """Run bench/<name> and return its output; a failure to run is an exception."""
    done = subprocess.run(
        [sys.executable, str(BENCH / name), *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=1800,
        check=False,
    )
    run.log.append(f"--- {name} {' '.join(args)} (exit {done.returncode})\n{done.stdout.strip()}")
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise RuntimeError(f"{name} failed to run: {done.stderr[-2000:]}")
    return done.stdout


def matching(run: Run) -> list[Line]:
    items = "2000" if run.quick else "10000"
    quick = ("--no-adversarial",) if run.quick else ()
    out = script(run, "bench_matching.py", f"--items={items}", f"--repeat={run.runs}", *quick)
    speed = float(re.search(r"Matcher:\s+([\d,]+) items/s", out)[1].replace(",", ""))  # type: ignore[index]
    ratio = re.search(r"ratio:\s+([\d.]+)x", out)[1]  # type: ignore[index]
    scored = re.search(r"both sets: (\d+) sentences, precision ([\d.]+) recall ([\d.]+)", out)
    assert scored is not None, "bench_matching printed no evaluation figures"
    sentences, precision, recall = int(scored[1]), float(scored[2]), float(scored[3])
    return [
        Line(
            "leader matching speed (one core)",
            f"{speed:,.0f} items/s, {ratio}x the naive matcher",
            ">= 30,000 items/s",
            speed >= 30_000,
        ),
        Line(
            f"leader matching precision ({sentences} sentences)",
            f"{precision:.4f}",
            ">= 0.995",
            precision >= 0.995,
        ),
        Line(
            f"leader matching recall ({sentences} sentences)",
            f"{recall:.4f}",
            ">= 0.990",
            recall >= 0.99,
        ),
    ]


def fanout(run: Run) -> list[Line]:
    chats = "60" if run.quick else "1000"
    out = script(run, "fanout.py", f"--chats={chats}", "--latency-items=2")
    ratio = float(re.search(r"ratio ([\d.]+)x", out)[1])  # type: ignore[index]
    return [
        Line(
            f"fan-out of one alert to {chats} chats against Telegram's 30 msg/s",
            f"{ratio:.2f}x",
            "<= 1.10x",
            ratio <= 1.10,
        )
    ]


def ingest(run: Run) -> list[Line]:
    items = "3000" if run.quick else "100000"
    out = script(run, "ingest.py", f"--items={items}")
    lines = []
    for name, goal in (("/healthz", 1.0), ("/help reply", 2.0)):
        found = re.search(rf"{re.escape(name)}: .*?max ([\d]+) ms over", out)
        worst = int(found[1]) / 1000 if found else float("inf")
        lines.append(
            Line(
                f"{name} during a {int(items):,}-item ingest, slowest",
                f"{worst:.2f} s",
                f"<= {goal:g} s",
                worst <= goal,
            )
        )
    return lines


def search(run: Run) -> list[Line]:
    """bench/bench_search.py: /search's median latency at 200,000 stored items."""
    items = "5000" if run.quick else "200000"
    return goal_lines(script(run, "bench_search.py", f"--items={items}", f"--repeat={run.runs}"))


_GOAL_LINE = re.compile(
    r"^(?P<goal>.+?): (?P<figure>.+) \(goal (?P<target>.+)\) (?P<verdict>ok|MISS)$"
)


def goal_lines(out: str) -> list[Line]:
    """The goal lines a benchmark that judges itself printed, in this suite's shape."""
    lines = [
        Line(m["goal"], m["figure"], m["target"], m["verdict"] == "ok")
        for m in map(_GOAL_LINE.match, out.splitlines())
        if m is not None
    ]
    if not lines:
        raise RuntimeError("the benchmark printed no goal line")
    return lines


def startup(run: Run) -> list[Line]:
    """bench/startup.py: each command against ``python -c pass`` in the same run."""
    return goal_lines(script(run, "startup.py", f"--runs={max(run.runs, 5)}"))


def restart(run: Run) -> list[Line]:
    """bench/chaos.py: SIGKILLs at random moments, restarts on the same store."""
    kills = "3" if run.quick else "20"
    return goal_lines(script(run, "chaos.py", f"--kills={kills}"))


def soak(run: Run) -> list[Line]:
    minutes = "0.2" if run.quick else "2.5"
    out = script(run, "soak.py", f"--minutes={minutes}", "--sources=200", "--interval=5")
    report = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    growth = report["median_growth_first_to_last_minute"]
    rss, fds = (float(growth[k].rstrip("%")) for k in ("rss", "fds"))
    return [
        Line(
            f"soak, {minutes} min of 200 sources: memory and descriptors, first to last minute",
            f"RSS {rss:+.1f}%, fds {fds:+.1f}% (peak {report['rss_mib']['peak']} MiB)",
            "< 10% each",
            rss < 10 and fds < 10 and report["exit"] == 0,
        )
    ]


GOALS: list[Goal] = [
    changed_feed,
    cycle,
    big_store,
    poll_memory,
    matching,
    fanout,
    ingest,
    search,
    soak,
    startup,
    restart,
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small inputs: checks every benchmark runs"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is shown)")
    parser.add_argument("--only", action="append", default=[], help="run only this goal function")
    parser.add_argument("--verbose", action="store_true", help="also print each benchmark's output")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        print("bench/run.py needs Linux (/proc, loopback 127.0.0.0/8)", file=sys.stderr)
        return 2
    chosen = [g for g in GOALS if not args.only or g.__name__ in args.only]
    runs = 1 if args.quick else max(args.runs, 3)
    ok = missed = broken = 0
    suite_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="readout-bench-") as folder:
        for goal in chosen:
            workspace = Path(folder) / goal.__name__
            workspace.mkdir()
            run = Run(args.quick, runs, workspace)
            started = time.perf_counter()
            try:
                lines = goal(run)
            except Exception:
                broken += 1
                missed += 1
                print(f"{goal.__name__}: did not run (goal: it runs) MISS", flush=True)
                traceback.print_exc()
                continue
            finally:
                if args.verbose:
                    print("\n".join(run.log), file=sys.stderr)
            for line in lines:
                print(line, flush=True)
                ok += line.ok or args.quick
                missed += not (line.ok or args.quick)
            print(f"  ({goal.__name__} took {time.perf_counter() - started:.0f}s)", file=sys.stderr)
    print(f"  (suite took {time.perf_counter() - suite_started:.0f}s)", file=sys.stderr)
    print(f"{ok} ok, {missed} missed")
    return 1 if broken or (missed and not args.quick) else 0


if __name__ == "__main__":
    sys.exit(main())
