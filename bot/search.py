"""/search: stored items with the words a reader typed, in any inflected form, newest first,
five at a time with a "More" button for the next five (store.search finds them).

A query may be 4 kB and a button carries at most 64 bytes, so the button carries a short
number and the query is kept for its chat, in memory: the last ``KEPT_SEARCHES`` of each
chat, no more. A button whose query is gone (a restart, or ten newer searches) says so
and asks for the search again.
"""

from __future__ import annotations

import contextlib
import html
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import clock
from bot.chat import argument, preferences, readout_of, reply, seen, texts_for
from bot.i18n import Texts
from bot.pages import paginate
from scrapers.text import shorten
from store.search import MAX_QUERY
from store.store import StoredItem

PER_PAGE = 5
MAX_PAGES = 40  # 200 results: past that, better words
KEPT_SEARCHES = 10  # per chat
SHOWN_QUERY = 60  # characters of the query repeated in a reply
PREFIX = "search:"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("search", search))
    application.add_handler(CallbackQueryHandler(more, pattern=f"^{PREFIX}"))


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    seen(update, context)
    _ = texts_for(update, context)
    query = argument(context)
    if not query:
        await reply(update, _("Usage: /search <i>words</i>, for example /search gas supplies"))
        return
    await _send_page(update, context, _, _keep(context, query), query, 0)


async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under a page of results: the next page, as a new message."""
    press = update.callback_query
    seen(update, context)
    _ = texts_for(update, context)
    if press is None or press.data is None:
        return
    with contextlib.suppress(TelegramError):  # too old a press to answer: reply all the same
        await press.answer()
    number, _sep, page = press.data.removeprefix(PREFIX).partition(":")
    query = _kept(context).get(number)
    if query is None or not page.isdigit() or not 0 < int(page) < MAX_PAGES:
        await reply(update, _("That button is out of date: send /search again."))
        return
    await _send_page(update, context, _, number, query, int(page))


async def _send_page(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    _: Texts,
    number: str,
    query: str,
    page: int,
) -> None:
    store = readout_of(context).store
    found = store.search(query, page * PER_PAGE, PER_PAGE + 1)
    shown_query = html.escape(shorten(" ".join(query.split()), SHOWN_QUERY))
    if not found:
        if page == 0:
            text = _("Nothing stored matches “{query}”.")
        else:
            text = _("No more results for “{query}”.")
        await reply(update, text.format(query=shown_query))
        return
    chosen = preferences(update, context)
    lines = [item_line(stored, _, chosen.timezone) for stored in found[:PER_PAGE]]
    header = _("Found for “{query}”, newest first:").format(query=shown_query)
    markup = None
    if len(found) > PER_PAGE and page + 1 < MAX_PAGES:
        data = f"{PREFIX}{number}:{page + 1}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("More"), callback_data=data)]])
    text = paginate(header, lines)[0]
    await reply(update, text, reply_markup=markup, link_preview_options=NO_PREVIEW)


def item_line(stored: StoredItem, _: Texts, zone: str | None) -> str:
    """One stored item in a list a reader asked for (/search, /recent): when, in the chat's
    zone and language, from where, its story, and its linked title."""
    item = stored.item
    when = clock.published(item.published, zone, _.language) or _("undated")
    title = html.escape(item.title)
    linked = f'<a href="{html.escape(item.url, quote=True)}">{title}</a>' if item.url else title
    story = ""
    if item.story is not None:
        story = " · " + _("story {number}").format(number=item.story)
    return f"• {when} · {html.escape(stored.source_name)}{story}\n  {linked}"


def _kept(context: ContextTypes.DEFAULT_TYPE) -> OrderedDict[str, str]:
    """This chat's recent queries by the number their buttons carry."""
    data = context.chat_data if context.chat_data is not None else {}
    kept = data.setdefault("searches", OrderedDict())
    assert isinstance(kept, OrderedDict)
    return kept


def _keep(context: ContextTypes.DEFAULT_TYPE, query: str) -> str:
    """Keep ``query`` for its "More" button; the chat's oldest kept query goes when there
    are more than ``KEPT_SEARCHES``."""
    kept = _kept(context)
    data = context.chat_data if context.chat_data is not None else {}
    count = int(data.get("search_count", 0)) + 1
    data["search_count"] = count
    number = str(count)
    kept[number] = query[:MAX_QUERY]  # all a search reads of it
    while len(kept) > KEPT_SEARCHES:
        kept.popitem(last=False)
    return number
