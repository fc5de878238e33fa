"""Where each entry of a feed document lies, and a fingerprint of its bytes.

A changed feed is mostly the entries of the last poll served again byte for byte, with
one or two new ones on top. Reading every entry again (feedparser's parse, then plain
text, dates and links for each) made a changed feed cost what the whole feed holds; the
fingerprints let the poll read only the entries it has not read in this exact form
(scrapers.feeds), so it costs what changed.

The split is deliberately strict: expat must read the whole document as well-formed XML
without a document type declaration (which could define entities that change what an
entry says), and the entries must be RSS ``item`` or Atom ``entry`` elements right under
the feed's root or channel. Anything else, and there is no split: the document is read
whole, as it always was. A fingerprint covers everything that decides what an entry is
read as besides its own bytes: the way entries are read (``READING``), the address links
are resolved against, the source's language and time zone, and the start tags of the
root and channel, where namespaces, ``xml:base`` and ``xml:lang`` are declared.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from xml.parsers import expat

# Raised whenever what one entry is read as could change for the same bytes (the parser,
# the text cleaning, date reading): every entry is then read again once, at the next poll.
READING = "1"

_ROOTS = frozenset({"rss", "RDF", "feed"})
_CONTAINERS = frozenset({"rss", "RDF", "feed", "channel"})
_ENTRIES = frozenset({"item", "entry"})
# A start tag, attribute values quoted (expat has already checked it is well formed).
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")


@dataclass(frozen=True)
class Span:
    """One entry's bytes in the document, ``[start, end)``, and their fingerprint."""

    start: int
    end: int
    digest: str


class _Splitter:
    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.names: list[str] = []
        self.heads: list[bytes] = []
        self.spans: list[tuple[int, int]] = []
        self.entry_at: int | None = None
        self.entry_depth = 0
        self.broken = False

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        depth = len(self.names)
        if self.entry_at is None:
            if local in _ENTRIES and self.names and self.names[-1] in _CONTAINERS:
                self.entry_at = self.parser.CurrentByteIndex
                self.entry_depth = depth
            elif local in _CONTAINERS and (depth == 0 or self.names[-1] in _ROOTS):
                self.heads.append(self._start_tag(self.parser.CurrentByteIndex))
            elif depth == 0:
                self.broken = True  # not a feed's root
        self.names.append(local)

    def end(self, _name: str) -> None:
        self.names.pop()
        if self.entry_at is None or len(self.names) != self.entry_depth:
            return
        at = self.parser.CurrentByteIndex
        if self.xml.startswith(b"</", at):
            end = self.xml.index(b">", at) + 1
        else:  # <item/>: worth nothing, and not worth a special case
            self.broken = True
            end = at
        self.spans.append((self.entry_at, end))
        self.entry_at = None

    def doctype(self, *_args: object) -> None:
        self.broken = True

    def _start_tag(self, at: int) -> bytes:
        found = _START_TAG.match(self.xml, at)
        if found is None:
            self.broken = True
            return b""
        return found[0]


def split(xml: bytes, context: str) -> list[Span] | None:
    """The entries of ``xml`` (UTF-8) in document order, or None when the document is not
    one this can split safely; ``context`` is what else decides how entries are read."""
    splitter = _Splitter(xml)
    try:
        splitter.parser.Parse(xml, True)
    except expat.ExpatError:
        return None
    if splitter.broken or not splitter.heads:
        return None
    salt = b"\0".join((READING.encode(), context.encode("utf-8"), *splitter.heads))
    prefix = hashlib.blake2b(salt, digest_size=16).digest()
    return [
        Span(start, end, hashlib.blake2b(prefix + xml[start:end], digest_size=16).hexdigest())
        for start, end in splitter.spans
    ]


def without(xml: bytes, spans: list[Span], dropped: set[int]) -> bytes:
    """``xml`` with the spans at the ``dropped`` positions cut out, the rest untouched."""
    if not dropped:
        return xml
    pieces: list[bytes] = []
    position = 0
    for index in sorted(dropped):
        span = spans[index]
        pieces.append(xml[position : span.start])
        position = span.end
    pieces.append(xml[position:])
    return b"".join(pieces)
