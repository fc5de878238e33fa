"""A chat's hours: ``/quiet HH:MM-HH:MM`` (no alerts then) and ``/digest off|hourly|daily
HH:MM`` (the alerts collected into one message a period), both in the chat's time zone.

The pure part reads and normalises the two settings and says when they take effect:
when the quiet hours that hold now end, and when the next digest fires (APScheduler's
CronTrigger in the chat's zone, the same trigger the service schedules, so a summer-time
change moves both alike). What happens to the alerts held meanwhile is bot.digests'.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.chat import argument, may_change, preferences, readout_of, reply, seen, texts_for
from bot.clock import moment, zone
from store.digests import DIGEST, DUE, QUIET, HeldDeliveries
from store.preferences import DIGEST_OFF

_CLOCK = r"([01]?\d|2[0-3]):([0-5]\d)"
_QUIET = re.compile(rf"^{_CLOCK}\s*[-–—]\s*{_CLOCK}$")
_DAILY = re.compile(rf"^daily\s+{_CLOCK}$", re.IGNORECASE)
HOURLY = "hourly"
# Looking for a fire time missed during a long outage stops after this many: an hourly
# digest down for a month is 720.
MAX_MISSED_STEPS = 10_000
# Where the service keeps the callback that reschedules a chat's digest (readout.service).
RESCHEDULE = "reschedule_digest"


@dataclass(frozen=True)
class Quiet:
    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet(text: str) -> Quiet | None:
    """``22:00-07:00`` (across midnight too) as written, or None; equal ends mean nothing."""
    found = _QUIET.match(text.strip())
    if found is None:
        return None
    hours = [int(part) for part in found.groups()]
    start, end = time(hours[0], hours[1]), time(hours[2], hours[3])
    return None if start == end else Quiet(start, end)


def quiet_until(quiet: str | None, zone_name: str | None, now: datetime) -> datetime | None:
    """When the quiet hours holding at ``now`` end (UTC), or None when none hold.

    Wall-clock times in the chat's zone: on the night the clocks change, a quiet night is
    an hour shorter or longer, and ends at the hour the chat set. Compared in UTC, since
    Python compares two times of one zone by their wall clock alone."""
    parsed = parse_quiet(quiet) if quiet else None
    if parsed is None:
        return None
    tz = zone(zone_name)
    today = now.astimezone(tz).date()
    for back in (1, 0):
        first = today - timedelta(days=back)
        last = first + timedelta(days=1) if parsed.end <= parsed.start else first
        start = datetime.combine(first, parsed.start, tz).astimezone(UTC)
        end = datetime.combine(last, parsed.end, tz).astimezone(UTC)
        if start <= now.astimezone(UTC) < end:
            return end
    return None


def parse_digest(text: str) -> str | None:
    """``off``, ``hourly`` or ``daily HH:MM`` (any case, ``daily 9:00`` too), normalised; or
    None."""
    wanted = " ".join(text.split()).casefold()
    if wanted in (DIGEST_OFF, HOURLY):
        return wanted
    found = _DAILY.match(wanted)
    if found is None:
        return None
    return f"daily {int(found.group(1)):02d}:{found.group(2)}"


def digest_trigger(digest: str, zone_name: str | None) -> CronTrigger | None:
    """When a digest fires, as the scheduler runs it; None for ``off`` (or nonsense)."""
    tz = zone(zone_name)
    if digest == HOURLY:
        return CronTrigger(minute=0, timezone=tz)
    found = _DAILY.match(digest)
    if found is None:
        return None
    return CronTrigger(hour=int(found.group(1)), minute=int(found.group(2)), timezone=tz)


def plan(digest: str, zone_name: str | None) -> str:
    """What a digest's fire times are counted by: a change of either is a new plan."""
    return f"{digest}@{zone(zone_name).key}"


def next_digest_at(digest: str, zone_name: str | None, after: datetime) -> datetime | None:
    """The first fire time strictly after ``after`` (UTC), or None for no digest."""
    trigger = digest_trigger(digest, zone_name)
    if trigger is None:
        return None
    # CronTrigger rounds ``now`` up to a whole second and counts it: a microsecond on, a
    # fire time at ``after`` itself is passed, and one half a second later is not.
    fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    return None if fire is None else fire.astimezone(UTC)


def missed_digest(
    digest: str, zone_name: str | None, since: datetime, now: datetime
) -> datetime | None:
    """The latest fire time in (``since``, ``now``]: a digest owed and not yet sent, e.g.
    one that fell due while the service was down; several missed are one digest."""
    latest = None
    fire = next_digest_at(digest, zone_name, since)
    for _ in range(MAX_MISSED_STEPS):
        if fire is None or fire > now:
            break
        latest = fire
        fire = next_digest_at(digest, zone_name, fire)
    return latest


# ----------------------------------------------------------------------------- handlers


def _reschedule(context: ContextTypes.DEFAULT_TYPE) -> Callable[[int], None]:
    found = context.bot_data.get(RESCHEDULE)
    return found if callable(found) else (lambda chat_id: None)


async def _allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    _ = texts_for(update, context)
    if await may_change(update, context):
        return True
    await reply(update, _("Only this group's administrators can change its hours."))
    return False


async def quiet_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    readout = seen(update, context)
    chat = update.effective_chat
    if chat is None:
        return
    _ = texts_for(update, context)
    chosen = preferences(update, context)
    wanted = argument(context)
    if not wanted:
        if chosen.quiet:
            text = _("Quiet hours: {hours} ({zone}). Alerts due then are sent when they end.")
            await reply(update, text.format(hours=chosen.quiet, zone=zone(chosen.timezone).key))
        else:
            await reply(update, _("No quiet hours. Set them with /quiet 22:00-07:00."))
        return
    parsed = None if wanted.casefold() == "off" else parse_quiet(wanted)
    if parsed is None and wanted.casefold() != "off":
        await reply(
            update,
            _(
                "Usage: /quiet HH:MM-HH:MM (e.g. /quiet 22:00-07:00, in this chat's time "
                "zone) or /quiet off. Nothing was changed."
            ),
        )
        return
    if not await _allowed(update, context):
        return
    store = readout.store
    if parsed is None:
        store.preferences.choose(chat.id, quiet=None)
        released = HeldDeliveries(store.db).release(chat.id, (QUIET,), datetime.now(UTC))
        readout.on_subscribed()
        text = _.ngettext(
            "Quiet hours are off; {count} alert held for them is sent now.",
            "Quiet hours are off; {count} alerts held for them are sent now.",
            released,
        )
        await reply(update, text.format(count=released) if released else _("Quiet hours are off."))
        return
    store.preferences.choose(chat.id, quiet=str(parsed))
    # What the old hours held is looked at again now: the new ones may have ended already.
    HeldDeliveries(store.db).release(chat.id, (QUIET,), datetime.now(UTC))
    readout.on_subscribed()
    text = _("Quiet hours set: {hours} ({zone}). Alerts due then are sent when they end.")
    await reply(update, text.format(hours=str(parsed), zone=zone(chosen.timezone).key))


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    readout = seen(update, context)
    chat = update.effective_chat
    if chat is None:
        return
    _ = texts_for(update, context)
    chosen = preferences(update, context)
    wanted = argument(context)
    digest = parse_digest(wanted) if wanted else chosen.digest
    if digest is None:
        await reply(
            update,
            _(
                "Usage: /digest off, /digest hourly or /digest daily HH:MM (e.g. /digest "
                "daily 09:00, in this chat's time zone). Nothing was changed."
            ),
        )
        return
    if wanted:
        if not await _allowed(update, context):
            return
        readout.store.preferences.choose(chat.id, digest=digest)
        _reschedule(context)(chat.id)
    store = readout.store
    if digest == DIGEST_OFF:
        released = 0
        if wanted:
            released = HeldDeliveries(store.db).release(chat.id, (DIGEST, DUE), datetime.now(UTC))
            readout.on_subscribed()
        if released:
            text = _.ngettext(
                "Digests are off; the {count} alert collected for one is sent now.",
                "Digests are off; the {count} alerts collected for one are sent now.",
                released,
            )
            await reply(update, text.format(count=released))
        else:
            await reply(update, _("Digests are off: alerts are sent as they come."))
        return
    zone_name = zone(chosen.timezone).key
    upcoming = next_digest_at(digest, zone_name, datetime.now(UTC))
    assert upcoming is not None
    when = moment(upcoming, zone_name, _.language)
    if digest == HOURLY:
        text = _("One digest an hour, on the hour; the next at {when}.")
    else:
        text = _("One digest a day at {time} ({zone}); the next at {when}.")
    await reply(update, text.format(time=digest.split()[-1], zone=zone_name, when=when))


def zone_changed(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """A chat chose another zone (/timezone, bot.settings): its digest fires at the times
    of that zone now, and what its quiet hours hold ends at their end there."""
    _reschedule(context)(chat_id)
    readout = readout_of(context)
    if HeldDeliveries(readout.store.db).release(chat_id, (QUIET,), datetime.now(UTC)):
        readout.on_subscribed()


def register(application: Application) -> None:  # type: ignore[type-arg]
    """/quiet and /digest; bot.commands.register calls this beside its own."""
    application.add_handler(CommandHandler("quiet", quiet_command))
    application.add_handler(CommandHandler("digest", digest_command))
