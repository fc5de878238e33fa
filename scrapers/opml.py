"""OPML 2.0, the file feed readers move their subscriptions in: our sources out, feeds in.

An OPML file comes from a user's other tool or from anyone who sends the bot a document,
so it is read as hostile: through defusedxml (no entity expansion, no external entities,
no DTD-declared entities at all), after a size bound, with the number of outlines and
their nesting bounded. Anything that is not an OPML document gets one ``OpmlError``.

Readers nest feeds in folders (Miniflux: a category outline around every feed;
NetNewsWire: feeds at the top, folders after them), so outlines are flattened. An outline
with an ``xmlUrl`` is a feed; Readout's own export also carries the source's id and kind
in a namespace of its own, so a page or a Telegram channel (``htmlUrl`` only) comes back
as what it was.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET  # building our own document; untrusted ones go to defusedxml
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError as XmlParseError
from defusedxml.ElementTree import fromstring

from scrapers.model import Source
from scrapers.urls import is_web_url

NAMESPACE = "https://readout.invalid/opml"
MAX_BYTES = 2_000_000
MAX_OUTLINES = 2_000
MAX_DEPTH = 8
_ID_CHARS = re.compile(r"[^a-z0-9]+")
_TAG = f"{{{NAMESPACE}}}"

ET.register_namespace("readout", NAMESPACE)


class OpmlError(ValueError):
    """The file is not an OPML document Readout will read; the message says why."""


@dataclass(frozen=True)
class Outline:
    """One subscription in an OPML file: a feed (``xml_url``) or a page (``html_url``).

    ``source_id`` and ``kind`` are set only when the file was exported by Readout.
    """

    title: str
    xml_url: str | None
    html_url: str | None
    source_id: str | None = None
    kind: str | None = None

    @property
    def url(self) -> str | None:
        """What Readout would poll: the feed, else (for our own pages and channels) the page."""
        return self.xml_url or (self.html_url if self.kind in ("html", "telegram") else None)


@dataclass(frozen=True)
class OpmlDocument:
    """What a file holds: its subscriptions, and the outlines that were none, with why."""

    outlines: tuple[Outline, ...]
    ignored: tuple[str, ...] = ()


def render_opml(sources: Iterable[Source], title: str = "Readout sources") -> bytes:
    """Every source as one outline: feeds by ``xmlUrl``, pages and channels by ``htmlUrl``."""
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    for source in sources:
        attributes = {"text": source.name, "title": source.name}
        if source.kind == "rss":
            attributes |= {"type": "rss", "xmlUrl": source.url}
        else:
            attributes["htmlUrl"] = source.url
        attributes |= {
            f"{_TAG}id": source.id,
            f"{_TAG}kind": source.kind,
            f"{_TAG}enabled": "true" if source.enabled else "false",
        }
        ET.SubElement(body, "outline", attributes)
    ET.indent(root, space="  ")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"


def parse_opml(body: bytes) -> OpmlDocument:
    """The subscriptions of an OPML file (1.0, 1.1 or 2.0), flattened; raises OpmlError."""
    if len(body) > MAX_BYTES:
        raise OpmlError(
            f"the file is {len(body):,} bytes; OPML files of at most {MAX_BYTES:,} are read"
        )
    try:
        root = fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise OpmlError("the file declares XML entities or external references; refused") from None
    except XmlParseError as error:
        raise OpmlError(f"the file is not well-formed XML ({error})") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"the file is XML but not OPML (its root is <{_local(root.tag)}>)")
    body_element = next((e for e in root if _local(e.tag) == "body"), None)
    if body_element is None:
        raise OpmlError("the OPML file has no <body>")
    outlines: list[Outline] = []
    ignored: list[str] = []
    seen = 0
    stack: list[tuple[Element, int]] = [(e, 1) for e in reversed(list(body_element))]
    while stack:
        element, depth = stack.pop()
        if _local(element.tag) != "outline":
            continue
        seen += 1
        if seen > MAX_OUTLINES:
            raise OpmlError(f"the file has more than {MAX_OUTLINES:,} outlines; refused")
        if depth > MAX_DEPTH:
            raise OpmlError(f"outlines are nested more than {MAX_DEPTH} deep; refused")
        children = [e for e in element if _local(e.tag) == "outline"]
        stack.extend((child, depth + 1) for child in reversed(children))
        outline, reason = _outline(element)
        if outline is not None:
            outlines.append(outline)
        elif not children and reason:
            ignored.append(reason)
    return OpmlDocument(tuple(outlines), tuple(ignored))


def _outline(element: Element) -> tuple[Outline | None, str | None]:
    get = element.attrib.get
    title = " ".join((get("title") or get("text") or "").split())[:200]
    xml_url = (get("xmlUrl") or get("xmlurl") or "").strip() or None
    html_url = (get("htmlUrl") or get("htmlurl") or "").strip() or None
    kind = get(f"{_TAG}kind")
    shown = title or xml_url or html_url or "(an outline without a title)"
    if xml_url is None and not (html_url and kind in ("html", "telegram")):
        return None, f"{shown}: no xmlUrl, so not a feed"
    url = xml_url or html_url
    assert url is not None
    if not is_web_url(url):
        return None, f"{shown}: {url[:200]!r} is not an http(s) URL"
    return Outline(title, xml_url, html_url, get(f"{_TAG}id"), kind), None


def suggested_id(outline: Outline, taken: set[str]) -> str:
    """A source id for a feed from another reader: its title in lowercase ASCII, else its
    host, made unique against ``taken`` (ids Readout already has or this import chose)."""
    stem = _slug(outline.title) or _slug(_host(outline.url or "")) or "feed"
    stem = stem[:56].strip("-") or "feed"
    candidate, number = stem, 2
    while candidate in taken:
        candidate, number = f"{stem}-{number}", number + 1
    return candidate


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _ID_CHARS.sub("-", ascii_text.lower()).strip("-")


def _host(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0].split("@")[-1].split(":")[0]
    return host.removeprefix("www.")


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]
