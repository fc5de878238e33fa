"""Bytes to text, once per document, in the encoding its author meant.

feedparser and BeautifulSoup each guess an encoding, and both give up on a declared
UTF-8 document at its first invalid byte and re-read the *whole* thing as a legacy code
page: one stray byte turns "Путин провёл совещание" into "ĐŸŃƒŃ‚Đ¸Đ˝ ..." and no leader
matches. Here the decision is made once, for feeds and pages alike, and a few bad bytes
cost only themselves (each becomes U+FFFD); the parsers then get text they need not guess.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from email.message import Message

from bs4.dammit import EncodingDetector

# What a document that is not UTF-8 and declares nothing was most likely written in.
_LEGACY = {"ru": "windows-1251", "uk": "windows-1251", "kz": "windows-1251", "kk": "windows-1251"}
_DEFAULT_LEGACY = "windows-1252"
# XML 1.0 appendix F: how "<?xm" starts in encodings that are not ASCII-compatible.
_SIGNATURES = {
    b"\x00\x00\x00\x3c": "utf-32-be",
    b"\x3c\x00\x00\x00": "utf-32-le",
    b"\x00\x3c\x00\x3f": "utf-16-be",
    b"\x3c\x00\x3f\x00": "utf-16-le",
    b"\x4c\x6f\xa7\x94": "cp037",
}
_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Decoded:
    """A document's text, the encoding it was read in, and how many bad bytes were replaced."""

    text: str
    encoding: str
    repaired: int = 0


def decode(
    body: bytes, content_type: str | None = None, *, language: str = "en", is_html: bool = False
) -> Decoded:
    """The text of ``body``: byte-order mark, then a valid or nearly valid UTF-8 reading,
    then what the HTTP header or the document declares, then the language's code page.

    UTF-8 is believed over a declaration because servers still send Apache's default
    ``charset=ISO-8859-1`` in front of UTF-8 feeds, while text in a legacy code page
    practically never forms valid multi-byte UTF-8 sequences. "Nearly valid" means more
    valid multi-byte characters than invalid bytes: a Russian feed with one broken byte,
    not a windows-1251 feed mislabelled as UTF-8.
    """
    data, bom = EncodingDetector.strip_byte_order_mark(body)
    signature = bom or _SIGNATURES.get(data[:4])
    if signature:
        return _read(data, signature)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    as_utf8 = _read(data, "utf-8")
    legit = data.count(_REPLACEMENT.encode())
    text = as_utf8.text
    non_ascii = len(text) - len(text.encode("ascii", "ignore")) - text.count(_REPLACEMENT)
    if non_ascii + legit > as_utf8.repaired:
        return as_utf8
    declared = [
        name
        for name in (_charset(content_type), _declared(data, is_html))
        if name is not None and not name.startswith("utf-8")
    ]
    for name in declared:
        try:
            return Decoded(data.decode(name), name)
        except UnicodeDecodeError:
            continue
    return _read(data, declared[0] if declared else _LEGACY.get(language, _DEFAULT_LEGACY))


def _read(data: bytes, encoding: str) -> Decoded:
    text = data.decode(encoding, "replace")
    repaired = text.count(_REPLACEMENT) - data.decode(encoding, "ignore").count(_REPLACEMENT)
    return Decoded(text, encoding, repaired)


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    return _known(message.get_param("charset"))


def _declared(data: bytes, is_html: bool) -> str | None:
    return _known(EncodingDetector.find_declared_encoding(data, is_html=is_html))


def _known(name: object) -> str | None:
    """The codec's canonical name, or None for a name Python does not know."""
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
