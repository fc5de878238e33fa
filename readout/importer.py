"""Adding the feeds of an OPML file, for ``readout sources --import`` and ``/import``.

Each new feed goes through exactly what ``/addsource`` does (``Operations.add_source``):
an http(s) URL, the fetcher's private-address guard, a parse that finds items, and those
items stored as the baseline before the source is listed, so nothing already published
is ever alerted. What exists (by id, or by URL in any of its spellings) is skipped, which
makes importing the same file twice a no-op. One import adds at most ``MAX_ADDED``
sources, a few at a time; importing the file again adds the next ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.admin import ID_PATTERN, AdminError
from bot.i18n import N_, SOURCE_LANGUAGE, Texts, texts
from bot.pages import plain_text
from bot.reader import Wording
from scrapers.model import Source
from scrapers.opml import OpmlDocument, Outline, suggested_id
from scrapers.urls import canonical_url

MAX_ADDED = 100
AT_ONCE = 4
# Lines shown per kind (added, skipped, failed): a 2,000-outline file is a short reply.
SHOWN = 40


ID_EXISTS = N_("{source}: the id exists already")
URL_EXISTS = N_("{title}: {url} is a source already")
PAGE_SOURCE = N_("{title}: a web page source needs its selectors; add it in the config file")
FAILED = N_("{title}: {error}")
ADDED = N_("{source}: {feed} ({count} items as baseline)")
SUMMARY = N_("Imported {added} of {total} subscriptions: {skipped} skipped, {failed} failed.")
MORE = N_("{mark} … and {count} more")
DEFERRED = N_(
    "{count} more were not tried: at most {limit} are added per import; import the same "
    "file again for the next ones."
)

Entry = Wording | str


@dataclass
class ImportReport:
    """What an import did, worded for whoever reads it (the CLI in English, an admin's
    chat in its language), in plain text: the chat reply escapes it."""

    added: list[Entry] = field(default_factory=list)
    skipped: list[Entry] = field(default_factory=list)
    failed: list[Entry] = field(default_factory=list)
    deferred: int = 0

    def lines(self, words: Texts | None = None) -> list[str]:
        _ = words or texts(SOURCE_LANGUAGE)

        def shown(entry: Entry) -> str:
            return entry.in_(_) if isinstance(entry, Wording) else entry

        total = len(self.added) + len(self.skipped) + len(self.failed) + self.deferred
        lines = [
            _(SUMMARY).format(
                added=len(self.added),
                total=total,
                skipped=len(self.skipped),
                failed=len(self.failed),
            )
        ]
        for mark, entries in (("+", self.added), ("=", self.skipped), ("!", self.failed)):
            lines += [f"{mark} {shown(entry)}" for entry in entries[:SHOWN]]
            if len(entries) > SHOWN:
                lines.append(_(MORE).format(mark=mark, count=len(entries) - SHOWN))
        if self.deferred:
            lines.append(_(DEFERRED).format(count=self.deferred, limit=MAX_ADDED))
        return lines


AddSource = Callable[[str, str, str | None], Awaitable[tuple[str, int]]]
"""``Operations.add_source``: id, URL, name -> the URL used and the baseline's size."""


async def import_outlines(
    document: OpmlDocument, existing: Sequence[Source], add_source: AddSource
) -> ImportReport:
    report = ImportReport(skipped=list(document.ignored))
    taken = {source.id for source in existing}
    urls = {canonical_url(u) for s in existing for u in (s.url, *s.fallbacks)}
    planned: list[tuple[str, Outline]] = []
    for outline in document.outlines:
        url = outline.url
        assert url is not None
        shown = outline.title or url
        if outline.source_id is not None and outline.source_id in taken:
            report.skipped.append(Wording(ID_EXISTS, source=outline.source_id))
            continue
        if canonical_url(url) in urls:
            report.skipped.append(Wording(URL_EXISTS, title=shown, url=url))
            continue
        if outline.kind == "html":
            report.skipped.append(Wording(PAGE_SOURCE, title=shown))
            continue
        if len(planned) >= MAX_ADDED:
            report.deferred += 1
            continue
        wanted = outline.source_id
        source_id = wanted if wanted and ID_PATTERN.match(wanted) else suggested_id(outline, taken)
        taken.add(source_id)
        urls.add(canonical_url(url))
        planned.append((source_id, outline))
    gate = asyncio.Semaphore(AT_ONCE)

    async def add(source_id: str, outline: Outline) -> None:
        url = outline.url
        assert url is not None
        async with gate:
            try:
                feed, count = await add_source(source_id, url, outline.title or None)
            except AdminError as error:
                said = error.said if isinstance(error.said, Wording) else plain_text(str(error))
                report.failed.append(Wording(FAILED, title=outline.title or url, error=said))
                return
        report.added.append(Wording(ADDED, source=source_id, feed=feed, count=count))

    await asyncio.gather(*(add(source_id, outline) for source_id, outline in planned))
    return report
