"""The ``readout`` command: argument parsing, and turning outcomes into output and exit codes.

Exit codes are part of the contract (docs/commands.md): 0 success, 2 bad usage or bad
configuration (one line, nothing written), 1 a runtime failure (for ``poll``: any
source failed; for ``check``: the source could not be read).

Start-up is part of the contract too: ``readout --help`` answers in well under 0.15 s
and ``readout sources`` reads only its config, because each command imports only what it
uses. So this module imports the standard library's cheapest parts at the top and nothing
of Readout's own beyond that; every command's handler (``_run``, ``_poll``, ...) imports
its modules in its own body, and names used only in annotations are imported under
TYPE_CHECKING. A new command follows the same pattern: the parser entry in
``build_parser`` costs nothing, the imports go inside its handler.
``tests/test_startup.py`` fails when ``--help`` or ``sources`` pulls in python-telegram-bot,
httpx, feedparser, bs4, sqlite-utils, APScheduler, prometheus_client or aiohttp.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import NoReturn, TextIO

    from analysis.matching import Matcher
    from readout.config import Config
    from readout.importer import ImportReport
    from readout.poll import PollReport, SourceOutcome
    from scrapers.fetch import Fetched
    from scrapers.model import Batch, Item, Source
    from scrapers.opml import OpmlDocument
    from store.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
# Well below the Dockerfile's HEALTHCHECK timeout (10 s), start-up included, so a slow
# answer is reported by us in words rather than cut off by Docker.
HEALTHCHECK_TIMEOUT = 4.0


class UsageError(Exception):
    """Bad arguments: reported in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line rather than the usage block plus a line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _Version(argparse.Action):
    """``--version``, with the version looked up only when asked for (readout.__init__)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from readout import __version__

        print(f"readout {__version__}")
        parser.exit()


# Global options given after the subcommand land under these names, then join the others.
LATE = "late_"


def _global_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """``--config`` and ``-v``, before the subcommand or (with ``prefix``) after it.

    The copies on the subcommands default to SUPPRESS, so an option given only before the
    subcommand is not overwritten by the subcommand's empty default.
    """
    parser.add_argument(
        "--config",
        metavar="PATH",
        dest=f"{prefix}config",
        default=argparse.SUPPRESS if prefix else None,
        help="TOML config (else $READOUT_CONFIG, else ./readout.toml, else embedded defaults)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        dest=f"{prefix}verbose",
        default=argparse.SUPPRESS if prefix else 0,
        help="more log output (-v info, -vv debug)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="readout", description="Watch official press releases for leaders.")
    _global_options(parser)
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    after = _Parser(add_help=False)
    _global_options(after, LATE)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, parents=[after])

    command("run", "run the service: scheduler, scrapers, delivery")
    poll = command("poll", "poll sources once, store new items, exit")
    poll.add_argument(
        "--source",
        action="append",
        metavar="ID",
        default=[],
        help="poll only this source (repeatable; default: all enabled)",
    )
    poll.add_argument("--json", action="store_true", help="print each new item as a JSON line")
    check = command("check", "fetch and parse one source; store nothing")
    check.add_argument("id", metavar="ID")
    check.add_argument(
        "--url", help="fetch this URL instead of the source's own (with --file: where it came from)"
    )
    check.add_argument("--file", type=Path, metavar="PATH", help="parse this file instead")
    check.add_argument(
        "--save",
        type=Path,
        metavar="DIR",
        help="write the raw response and what was parsed into DIR, for a bug report",
    )
    check.add_argument("--json", action="store_true", help="print each item as a JSON line")
    stories = command(
        "stories", "list the latest stories: who talked to whom, which sides published"
    )
    stories.add_argument(
        "--leader", metavar="ID", help="only the stories this leader takes part in"
    )
    stories.add_argument("--json", action="store_true", help="print each story as a JSON line")
    listing = command("sources", "list the configured sources")
    form = listing.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true")
    form.add_argument(
        "--opml", action="store_true", help="print the sources as an OPML 2.0 document"
    )
    form.add_argument(
        "--import",
        dest="import_file",
        type=Path,
        metavar="FILE",
        help="add the feeds of an OPML file (existing ids and URLs are skipped)",
    )
    leaders = command("leaders", "list the watched leaders")
    leaders.add_argument("--json", action="store_true")
    copy = command("backup", "copy the store to PATH (a file or a folder); safe while `run` runs")
    copy.add_argument("path", metavar="PATH", type=Path)
    probe = command("healthcheck", "ask the running service's /healthz; exit 0 if it answers 200")
    probe.add_argument(
        "--timeout",
        type=float,
        default=HEALTHCHECK_TIMEOUT,
        metavar="SECONDS",
        help=f"give up after this long (default {HEALTHCHECK_TIMEOUT:g})",
    )
    return parser


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The parsed command line, global options merged wherever they were given."""
    args = build_parser().parse_args(argv)
    found = vars(args)
    args.verbose += found.pop(f"{LATE}verbose", 0)
    late_config = found.pop(f"{LATE}config", None)
    if late_config is not None:
        args.config = late_config
    return args


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of our output is gone (`readout leaders | head -1`): it has what it
        # wanted, so that is success, said nowhere. Both streams now point at /dev/null so
        # the interpreter's final flush cannot complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())
        return EXIT_OK
    return code


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = parse_arguments(argv)
    except UsageError as error:
        print(f"readout: {error}", file=sys.stderr)
        return EXIT_USAGE
    from readout.config import ConfigError, load_config
    from readout.logs import configure_logging, redact

    try:
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
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise
    except _store_errors() as error:
        print(f"readout: store: {error}", file=sys.stderr)
        return EXIT_FAILURE


def _store_errors() -> tuple[type[Exception], ...]:
    """What ends a command as a store failure (exit 1). An ``except`` clause evaluates its
    expression only when an exception reaches it, so sqlite-utils (under store.schema) is
    imported here on that path alone, never by a command that does not open the store."""
    import sqlite3

    from store.schema import SchemaError

    return (SchemaError, sqlite3.Error, OSError)


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "sources" and args.import_file is not None:
        return _import_sources(config, args.import_file)
    if args.command == "sources" and args.opml:
        return _export_sources(config)
    if args.command == "sources":
        return _list_sources(config, args.json)
    if args.command == "leaders":
        return _list_leaders(config, args.json)
    if args.command == "stories":
        return _list_stories(config, args.leader, args.json)
    if args.command == "check":
        return _check(config, args.id, args.url, args.file, args.save, args.json)
    if args.command == "poll":
        return _poll(config, args.source, args.json)
    if args.command == "backup":
        return _backup(config, args.path)
    if args.command == "healthcheck":
        return _healthcheck(config, args.timeout)
    return _run(config)


def _run(config: Config) -> int:
    from readout.service import run_service
    from store.lock import StoreLock, StoreLockedError

    try:
        with StoreLock(config.settings.store.path):
            return run_service(config)
    except StoreLockedError as error:
        print(f"readout: {error}", file=sys.stderr)
        return EXIT_FAILURE


def _healthcheck(config: Config, timeout: float) -> int:
    """What a container's HEALTHCHECK runs: the address comes from the same config and
    environment as the service's, so moving ``health.listen`` cannot break the check."""
    import math

    import httpx

    if not (timeout > 0 and math.isfinite(timeout)):
        raise UsageError(f"--timeout {timeout:g} must be a positive number of seconds")
    try:
        url = _health_url(config.settings.health.listen)
    except ValueError as error:
        print(f"readout: healthcheck: {error}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        # trust_env=False: an HTTP_PROXY meant for the sources must not carry this request.
        response = httpx.get(url, timeout=timeout, trust_env=False)
    except httpx.HTTPError as error:
        print(f"readout: healthcheck: {url}: {error or type(error).__name__}", file=sys.stderr)
        return EXIT_FAILURE
    answer = response.text.strip().splitlines()[0] if response.text.strip() else ""
    print(f"{response.status_code} {answer}".strip())
    return EXIT_OK if response.status_code == 200 else EXIT_FAILURE


def _health_url(listen: str) -> str:
    """Where to ask: a wildcard listen address is asked on loopback of the same family."""
    from readout.endpoint import split_listen

    host, port = split_listen(listen)
    if port == 0:
        raise ValueError(f"health.listen {listen} picks a free port; there is no fixed address")
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/healthz"


def _backup(config: Config, path: Path) -> int:
    from store.maintenance import BackupError, backup

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
    config: Config,
    source_id: str,
    url: str | None,
    file: Path | None,
    save: Path | None,
    as_json: bool,
) -> int:
    import asyncio
    import logging

    from analysis.matching import Matcher
    from readout.health import FALLBACK_TEXT
    from readout.poll import read_batch
    from scrapers.errors import SourceError, StatusError
    from scrapers.fetch import Fetched

    source = _known_source(config, source_id)
    matcher = Matcher(config.leaders)
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise UsageError(f"--url {url!r} is not an http(s) URL")
    if save is not None and save.exists() and not save.is_dir():
        raise UsageError(f"--save {save}: exists and is not a folder")
    response: Fetched | None = None
    try:
        if file is not None:
            try:
                body = file.read_bytes()
            except OSError as error:
                raise UsageError(f"--file {file}: {error.strerror or error}") from None
            response = Fetched(url or source.url, 200, body, None, None, None)
        else:
            response = asyncio.run(_fetch(config, source, url))
        batch = read_batch(
            response.body, source, matcher, url=response.url, content_type=response.content_type
        )
    except SourceError as error:
        if isinstance(error, StatusError):
            response = Fetched(
                error.url, error.status, error.body, None, None, error.content_type, error.headers
            )
        _save_check(save, source, file, response, None, str(error))
        print(f"{source.id}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except UsageError:
        raise
    except Exception as error:  # a parser bug on hostile input: one line, not a traceback
        logging.getLogger(__name__).debug("check %s failed", source.id, exc_info=True)
        reason = f"internal error while reading: {type(error).__name__}: {error}"
        _save_check(save, source, file, response, None, reason)
        print(f"{source.id}: {reason}", file=sys.stderr)
        return EXIT_FAILURE
    _save_check(save, source, file, response, batch, None)
    items = _with_stories(config, batch.items)
    _print_items(items, as_json, sys.stdout, explain=matcher)
    for skipped in batch.skipped:
        print(f"{source.id}: skipped entry {skipped.position}: {skipped.reason}", file=sys.stderr)
    if batch.fallback:
        print(f"{source.id}: {FALLBACK_TEXT}", file=sys.stderr)
    if not as_json:
        print(f"{source.id}: {len(items)} item{'' if len(items) == 1 else 's'}")
    return EXIT_OK


async def _fetch(config: Config, source: Source, url: str | None) -> Fetched:
    from scrapers.fetch import Fetcher

    async with Fetcher(config.settings.http.policy()) as fetcher:
        return await fetcher.fetch(source, url=url)


def _save_check(
    folder: Path | None,
    source: Source,
    file: Path | None,
    response: Fetched | None,
    batch: Batch | None,
    error: str | None,
) -> None:
    """What ``check --save`` leaves for a bug report: the answer exactly as it came, and
    what Readout made of it, side by side (docs/sources.md, "Debugging a source")."""
    if folder is None:
        return
    from readout.capture import write_capture

    try:
        written = write_capture(folder, source, file, response, batch, error)
    except OSError as error_:
        print(f"readout: --save {folder}: {error_.strerror or error_}", file=sys.stderr)
        return
    print(f"{source.id}: saved {', '.join(p.name for p in written)} in {folder}", file=sys.stderr)


def _poll(config: Config, source_ids: list[str], as_json: bool) -> int:
    import asyncio

    from analysis.matching import Matcher
    from readout.health import FALLBACK_TEXT
    from store.store import Store

    if source_ids:
        sources = [_known_source(config, sid) for sid in dict.fromkeys(source_ids)]
    else:
        sources = [s for s in config.sources if s.enabled]
    if not sources:
        raise UsageError("no enabled sources to poll")
    matcher = Matcher(config.leaders)
    with Store(config.settings.store.path) as store:
        report = asyncio.run(
            _poll_once(
                config, sources, store, matcher, lambda o: _print_items(o.new, as_json, sys.stdout)
            )
        )
    status = sys.stderr if as_json else sys.stdout
    for outcome in report.failed:
        print(f"{outcome.source.id}: failing: {outcome.error}", file=status)
    for outcome in report.outcomes:
        if outcome.fallback:
            print(f"{outcome.source.id}: {FALLBACK_TEXT}", file=status)
    print(report.summary(), file=status)
    return EXIT_FAILURE if report.failed else EXIT_OK


async def _poll_once(
    config: Config,
    sources: list[Source],
    store: Store,
    matcher: Matcher,
    on_outcome: Callable[[SourceOutcome], None],
) -> PollReport:
    """Items are printed as each source finishes, so none is held until the poll ends."""
    from readout.poll import poll_sources
    from scrapers.fetch import Fetcher

    async with Fetcher(config.settings.http.policy()) as fetcher:
        return await poll_sources(sources, fetcher, store, matcher, on_outcome)


def _print_items(
    items: Sequence[Item], as_json: bool, out: TextIO, explain: Matcher | None = None
) -> None:
    """One line per item (plus its link); with ``explain``, why each leader matched."""
    import json

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
        if item.story is not None:
            out.write(f"{'':<22}  story: {item.story}\n")
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
    import json

    default = config.settings.scheduler.interval
    # Columns as wide as their widest entry, so a long id or kind (telegram) stays aligned.
    id_width = max((len(s.id) for s in config.sources), default=0)
    kind_width = max((len(s.kind) for s in config.sources), default=0)
    name_width = max((len(s.name) for s in config.sources), default=0)
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
                "leader": s.leader,
            }
            print(json.dumps(row, ensure_ascii=False))
        else:
            state = "on " if s.enabled else "off"
            principal = f"  (principal: {s.leader})" if s.leader else ""
            print(
                f"{s.id:<{id_width}} {s.kind:<{kind_width}} {state} {interval:>6g}s  "
                f"{s.name:<{name_width}} {s.url}{principal}"
            )
    return EXIT_OK


STORIES_LISTED = 20


def _with_stories(config: Config, items: Sequence[Item]) -> list[Item]:
    """Parsed items with the story each is in or would join; a store that does not exist
    yet is not created (check stores nothing), and then no item has a story."""
    from dataclasses import replace

    from store.store import Store

    path = Path(config.settings.store.path)
    if not items or not path.is_file():
        return list(items)
    with Store(path) as store:
        return [replace(item, story=store.story_for(item)) for item in items]


def _list_stories(config: Config, leader: str | None, as_json: bool) -> int:
    import json

    from bot.calls import story_line
    from store.store import Store

    if leader is not None and leader not in {known.id for known in config.leaders}:
        raise UsageError(f"--leader {leader!r} is not a leader id (see readout leaders)")
    path = Path(config.settings.store.path)
    if not path.is_file():
        return EXIT_OK
    with Store(path) as store:
        found = store.stories.latest(leader, STORIES_LISTED)
    for story in found:
        if as_json:
            print(json.dumps(story.as_json(), ensure_ascii=False))
            continue
        print(story_line(story, leader))
    return EXIT_OK


def _export_sources(config: Config) -> int:
    """The sources in force, chat-added ones included, as ``/export`` sends them."""
    from readout.registry import Registry
    from scrapers.opml import render_opml
    from store.store import Store

    with Store(config.settings.store.path) as store:
        sys.stdout.buffer.write(render_opml(Registry(config, store).sources()))
    return EXIT_OK


def _import_sources(config: Config, file: Path) -> int:
    """Added as by ``/addsource`` (validated, baseline stored); a running service polls
    them from its next start."""
    import asyncio

    from scrapers.opml import OpmlError, parse_opml
    from store.store import Store

    try:
        document = parse_opml(file.read_bytes())
    except OSError as error:
        raise UsageError(f"--import {file}: {error.strerror or error}") from None
    except OpmlError as error:
        raise UsageError(f"--import {file}: {error}") from None
    with Store(config.settings.store.path) as store:
        report = asyncio.run(_import_into(config, store, document))
    for line in report.lines():
        print(line)
    return EXIT_FAILURE if report.failed else EXIT_OK


async def _import_into(config: Config, store: Store, document: OpmlDocument) -> ImportReport:
    from readout.importer import import_outlines
    from readout.operations import Operations
    from readout.registry import Registry
    from scrapers.fetch import Fetcher

    registry = Registry(config, store)
    async with Fetcher(config.settings.http.policy()) as fetcher:
        threshold = config.settings.scheduler.failures_before_alert
        ops = Operations(registry, store, fetcher, threshold)
        return await import_outlines(document, registry.sources(), ops.add_source)


def _list_leaders(config: Config, as_json: bool) -> int:
    import json

    for leader in config.leaders:
        if as_json:
            row = {"id": leader.id, "name": leader.name, "aliases": list(leader.aliases)}
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{leader.id:<16} {leader.name:<26} {', '.join(leader.aliases)}")
    return EXIT_OK
