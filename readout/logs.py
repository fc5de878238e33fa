"""Log set-up, with the bot token scrubbed from every line, tracebacks included.

The token is part of every Bot API URL, and URLs end up in httpx's request log, in
NetworkError messages and in tracebacks; filtering at the formatter catches all of them.
"""

from __future__ import annotations

import logging
import sys

REDACTED = "<token>"


class RedactingFormatter(logging.Formatter):
    secrets: tuple[str, ...] = ()

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


_formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    for noisy in ("httpx", "httpcore", "apscheduler.executors", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def redact(secret: str) -> None:
    """Never print ``secret`` in a log line."""
    if secret:
        RedactingFormatter.secrets = (*RedactingFormatter.secrets, secret)
