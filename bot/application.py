"""The python-telegram-bot Application Readout runs: built once, started and stopped by
the service beside its scheduler (so polling sources never depends on the bot)."""

from __future__ import annotations

import os

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, Defaults

from bot.commands import Readout, register

# The limiter waits out flood control this many times before the outbox reschedules.
RATE_LIMIT_RETRIES = 3


# PTB 22 warns on every flood-control error that RetryAfter.retry_after will become a
# timedelta; the sender already reads both, so opt in to the future type now.
os.environ.setdefault("PTB_TIMEDELTA", "1")


def build_application(
    token: str, api_base_url: str, readout: Readout, link_previews: bool = False
) -> Application:  # type: ignore[type-arg]
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=not link_previews),
    )
    base = api_base_url.rstrip("/")
    application = (
        Application.builder()
        .token(token)
        .base_url(base)
        .base_file_url(base.removesuffix("/bot") + "/file/bot")
        .defaults(defaults)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .job_queue(None)
        .build()
    )
    register(application, readout)
    return application
