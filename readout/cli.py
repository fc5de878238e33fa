"""The ``readout`` command: argument parsing, and turning outcomes into output and exit codes.

Exit codes are part of the contract (SPEC.md): 0 success, 2 bad usage or bad
configuration (one line, nothing written), 1 a runtime failure (for ``poll``: any
source failed; for ``check``: the source could not be read).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from bot.matching import Matcher
from readout import __version__
from readout.config import Config, ConfigError, load_config
from readout.logs import configure_logging, redact
from readout.poll import PollReport, poll_sources, read_batch, read_fetched
from scrapers.errors import SourceError
from scrapers.fetch import Fetcher
from scrapers.model import Batch, Item, Source
from store.maintenance import BackupError, backup
from store.schema import SchemaError
from store.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments: reported in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line rather than the usage block plus a line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="readout", description="Watch official press releases for leaders.")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML config (else $READOUT_CONFIG, else ./readout.toml, else embedded defaults)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("--version", action="version", version=f"readout {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    commands.add_parser("run", help="run the service: scheduler, scrapers, delivery")
    poll = commands.add_parser("poll", help="poll sources once, store new items, exit")
    poll.add_argument(
        "--source",
        action="append",
        metavar="ID",
        default=[],
        help="poll only this source (repeatable; default: all enabled)",
    )
    poll.add_argument("--json", action="store_true", help="print each new item as a JSON line")
    check = commands.add_parser("check", help="fetch and parse one source; store nothing")
    check.add_argument("id", metavar="ID")
    where = check.add_mutually_exclusive_group()
    where.add_argument("--url", help="fetch this URL instead of the source's own")
    where.add_argument("--file", type=Path, metavar="PATH", help="parse this file instead")
    check.add_argument("--json", action="store_true", help="print each item as a JSON line")
    listing = commands.add_parser("sources", help="list the configured sources")
    listing.add_argument("--json", action="store_true")
    leaders = commands.add_parser("leaders", help="list the watched leaders")
    leaders.add_argument("--json", action="store_true")
    copy = commands.add_parser(
        "backup", help="copy the store to PATH (a file or a folder); safe while `run` runs"
    )
    copy.add_argument("path", metavar="PATH", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        configure_logging(args.verbose)
        config = load_config(args.config)
        redact(config.token)
        log = config.settings.log
        configure_logging(args.verbose, log.level, log.format)
        return _dispatch(args, config)
    except UsageError as error:
        print(f"readout: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as error:
        print(f"readout: config: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SchemaError as error:
        print(f"readout: store: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except (sqlite3.Error, OSError) as error:
        print(f"readout: store: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "sources":
        return _list_sources(config, args.json)
    if args.command == "leaders":
        return _list_leaders(config, args.json)
    if args.command == "check":
        return _check(config, args.id, args.url, args.file, args.json)
    if args.command == "poll":
        return _poll(config, args.source, args.json)
    if args.command == "backup":
        return _backup(config, args.path)
    from readout.service import run_service

    return run_service(config)


def _backup(config: Config, path: Path) -> int:
    store = config.settings.store.path
    try:
        written = backup(store, path)
    except BackupError as error:
        print(f"readout: backup: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"backed up {store} to {written} ({written.stat().st_size:,} bytes)")
    return EXIT_OK


def _known_source(config: Config, source_id: str) -> Source:
    source = config.source(source_id)
    if source is None:
        known = ", ".join(s.id for s in config.sources)
        raise UsageError(f"unknown source {source_id!r} (known: {known})")
    return source


def _check(
    config: Config, source_id: str, url: str | None, file: Path | None, as_json: bool
) -> int:
    source = _known_source(config, source_id)
    matcher = Matcher(config.leaders)
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise UsageError(f"--url {url!r} is not an http(s) URL")
    body = None
    if file is not None:
        try:
            body = file.read_bytes()
        except OSError as error:
            raise UsageError(f"--file {file}: {error.strerror or error}") from None
    try:
        if body is not None:
            batch = read_batch(body, source, matcher, url=url or source.url)
        else:
            batch = asyncio.run(_fetch_and_read(config, source, matcher, url))
    except SourceError as error:
        print(f"{source.id}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:  # a parser bug on hostile input: one line, not a traceback
        logging.getLogger(__name__).debug("check %s failed", source.id, exc_info=True)
        print(
            f"{source.id}: internal error while reading: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    items = batch.items
    for skipped in batch.skipped:
        print(f"{source.id}: skipped entry {skipped.position}: {skipped.reason}", file=sys.stderr)
    _print_items(items, as_json, sys.stdout, explain=matcher)
    if not as_json:
        print(f"{source.id}: {len(items)} item{'' if len(items) == 1 else 's'}")
    return EXIT_OK


async def _fetch_and_read(
    config: Config, source: Source, matcher: Matcher, url: str | None
) -> Batch:
    async with Fetcher(config.settings.http.policy()) as fetcher:
        fetched = await fetcher.fetch(source, url=url)
    return await read_fetched(fetched, source, matcher)


def _poll(config: Config, source_ids: list[str], as_json: bool) -> int:
    if source_ids:
        sources = [_known_source(config, sid) for sid in dict.fromkeys(source_ids)]
    else:
        sources = [s for s in config.sources if s.enabled]
    if not sources:
        raise UsageError("no enabled sources to poll")
    matcher = Matcher(config.leaders)
    with Store(config.settings.store.path) as store:
        report = asyncio.run(_poll_once(config, sources, store, matcher))
    out = sys.stdout
    for outcome in report.outcomes:
        _print_items(outcome.new, as_json, out)
    status = sys.stderr if as_json else sys.stdout
    for outcome in report.failed:
        print(f"{outcome.source.id}: failing: {outcome.error}", file=status)
    print(report.summary(), file=status)
    return EXIT_FAILURE if report.failed else EXIT_OK


async def _poll_once(
    config: Config, sources: list[Source], store: Store, matcher: Matcher
) -> PollReport:
    async with Fetcher(config.settings.http.policy()) as fetcher:
        return await poll_sources(sources, fetcher, store, matcher)


def _print_items(
    items: Sequence[Item], as_json: bool, out: TextIO, explain: Matcher | None = None
) -> None:
    """One line per item (plus its link); with ``explain``, why each leader matched."""
    for item in items:
        if as_json:
            out.write(json.dumps(item.as_json(), ensure_ascii=False) + "\n")
            continue
        when = item.published.isoformat(timespec="minutes") if item.published else "-"
        leaders = ",".join(item.leaders) or "-"
        out.write(f"{when:<22}  {item.source:<16}  {leaders:<16}  {_oneline(item.title, 100)}\n")
        out.write(f"{'':<22}  {item.url or '(no link)'}\n")
        if item.tags:
            out.write(f"{'':<22}  tags: {', '.join(item.tags)}\n")
        if explain is not None:
            for match in explain.matches(item.text or item.title):
                out.write(
                    f"{'':<22}  {match.leader}: {match.form!r} as {match.alias!r}"
                    f" at {match.start}-{match.end}\n"
                )


def _oneline(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _list_sources(config: Config, as_json: bool) -> int:
    default = config.settings.scheduler.interval
    for s in config.sources:
        interval = s.interval or default
        if as_json:
            row = {
                "id": s.id,
                "name": s.name,
                "kind": s.kind,
                "url": s.url,
                "enabled": s.enabled,
                "interval": interval,
            }
            print(json.dumps(row, ensure_ascii=False))
        else:
            state = "on " if s.enabled else "off"
            print(f"{s.id:<18} {s.kind:<4} {state} {interval:>6g}s  {s.name:<28} {s.url}")
    return EXIT_OK


def _list_leaders(config: Config, as_json: bool) -> int:
    for leader in config.leaders:
        if as_json:
            row = {"id": leader.id, "name": leader.name, "aliases": list(leader.aliases)}
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{leader.id:<16} {leader.name:<26} {', '.join(leader.aliases)}")
    return EXIT_OK
