"""Log set-up: one line per event, as text or JSON, with the bot token scrubbed from all.

The token is part of every Bot API URL, and URLs end up in httpx's request log, in
NetworkError messages and in tracebacks; scrubbing the finished line in the formatter
catches all of them, and so does routing uncaught exceptions and warnings through logging
instead of letting Python print them raw.

In text, a traceback follows its event's line as Python prints it, several lines that a
person can read; the message itself stays on one line (a newline in it is written as
``\\n``), so a hostile title or URL in a message can never forge a log line of its own.
In JSON the traceback is the ``exception`` field of the event's one line, for collectors.

The few status lines ``readout run`` prints whatever the level (watching N sources,
stopping, the health address) go through ``status``, so they are JSON too when the log is.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal

REDACTED = "<token>"
# The secret half of a bot token ("123456:AAE...") is 35 characters; shorter strings are
# not scrubbed on their own, so a test token's "TEST" does not blank every "TEST".
SECRET_PART_MINIMUM = 20
LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
LogFormat = Literal["text", "json"]

_secrets: list[str] = []
_format: LogFormat = "text"
log = logging.getLogger("readout")


def redact(secret: str) -> None:
    """Never print ``secret`` (nor the part of a bot token after its colon) in a log line."""
    if not secret:
        return
    _, _, tail = secret.partition(":")
    wanted = [secret, tail] if len(tail) >= SECRET_PART_MINIMUM else [secret]
    _secrets.extend(value for value in wanted if value not in _secrets)
    _secrets.sort(key=len, reverse=True)


def scrub(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


class TextFormatter(logging.Formatter):
    """``2026-03-21T10:00:00.123Z WARNING readout.service: message``, then any traceback."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _timestamp(record)

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        record.asctime = self.formatTime(record)
        lines = [_one_line(self.formatMessage(record))]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            lines.append(record.exc_text)
        if record.stack_info:
            lines.append(self.formatStack(record.stack_info))
        return scrub("\n".join(lines))


def _one_line(text: str) -> str:
    return text.replace("\r", "").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return scrub(json.dumps(entry, ensure_ascii=False))


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def configure_logging(verbosity: int, level: str = "warning", fmt: LogFormat = "text") -> None:
    """Log to stderr at ``level``, or lower with ``-v`` (info) and ``-vv`` (debug).

    httpx logs every request URL at INFO (and Bot API URLs carry the token, scrubbed here);
    those lines, like APScheduler's per-run chatter, appear only at debug level.
    """
    global _format
    _format = fmt
    chosen = min(LEVELS.get(level, logging.WARNING), _verbosity_level(verbosity))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(chosen)
    debug = chosen <= logging.DEBUG
    logging.getLogger("httpx").setLevel(logging.INFO if debug else logging.WARNING)
    for noisy in ("httpcore", "apscheduler.executors", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _verbosity_level(verbosity: int) -> int:
    return logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    log.critical("uncaught %s", kind.__name__, exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    thread = args.thread.name if args.thread else "?"
    log.critical(
        "uncaught %s in thread %s",
        args.exc_type.__name__,
        thread,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def status(text: str) -> None:
    """A line ``readout run`` always prints (start-up, the health address, stopping)."""
    if _format == "json":
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": "info",
            "logger": "readout",
            "message": text,
        }
        line = json.dumps(entry, ensure_ascii=False)
    else:
        line = _one_line(f"readout: {text}")
    # stderr may be a pipe whose reader is gone (`readout run | head`): that must not
    # break start-up or stopping, so the line is dropped instead.
    with contextlib.suppress(OSError, ValueError):
        print(scrub(line), file=sys.stderr, flush=True)
