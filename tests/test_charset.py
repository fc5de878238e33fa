"""Each document is decoded once, in the encoding it was written in; bad bytes cost only
themselves; characters nobody should see never leave the parser."""

from __future__ import annotations

import pytest

from scrapers.charset import decode
from scrapers.model import Item
from scrapers.text import clean, clean_item, normalize_space

RUSSIAN = "Путин провёл совещание"


def test_one_invalid_byte_does_not_make_utf8_a_code_page() -> None:
    body = f"<title>{RUSSIAN}</title><title>bad \xff</title>".encode().replace(b"\xc3\xbf", b"\xff")
    decoded = decode(body, "application/xml")
    assert decoded.encoding == "utf-8"
    assert RUSSIAN in decoded.text
    assert decoded.repaired == 1 and "bad \ufffd" in decoded.text


def test_utf8_beats_a_stale_latin1_header() -> None:
    body = f'<?xml version="1.0" encoding="utf-8"?><t>{RUSSIAN}</t>'.encode()
    assert RUSSIAN in decode(body, "text/xml; charset=ISO-8859-1").text


@pytest.mark.parametrize(
    ("declaration", "content_type"),
    [
        ('<?xml version="1.0" encoding="windows-1251"?>', None),
        ("<?xml version='1.0' encoding='WINDOWS-1251'?>", "application/rss+xml"),
        ('<?xml version="1.0"?>', "application/xml; charset=windows-1251"),
        ('<?xml version="1.0"?>', 'text/xml; charset="cp1251"'),
    ],
)
def test_declared_legacy_encoding_is_honoured(declaration: str, content_type: str | None) -> None:
    body = declaration.encode() + f"<t>{RUSSIAN}</t>".encode("cp1251")
    decoded = decode(body, content_type)
    assert decoded.encoding == "cp1251" and RUSSIAN in decoded.text


def test_html_meta_charset_is_honoured() -> None:
    body = b'<html><head><meta charset="koi8-r"></head><body>' + RUSSIAN.encode("koi8-r")
    assert RUSSIAN in decode(body, "text/html", is_html=True).text


def test_undeclared_legacy_text_falls_back_to_the_sources_code_page() -> None:
    body = f"<t>{RUSSIAN}</t>".encode("cp1251")
    assert RUSSIAN in decode(body, None, language="ru").text
    assert decode(b"<t>caf\xe9</t>", None, language="en").text == "<t>café</t>"


def test_mislabelled_legacy_text_is_not_replaced_wholesale() -> None:
    """A windows-1251 feed that claims UTF-8 is not "UTF-8 with every letter broken"."""
    body = b'<?xml version="1.0" encoding="utf-8"?>' + f"<t>{RUSSIAN}</t>".encode("cp1251")
    assert RUSSIAN in decode(body, None, language="ru").text


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_mark_wins(codec: str) -> None:
    body = f'<?xml version="1.0" encoding="windows-1252"?><t>{RUSSIAN}</t>'.encode(codec)
    assert RUSSIAN in decode(body, "text/xml; charset=iso-8859-1").text


def test_utf16_without_mark_is_recognised_by_its_first_characters() -> None:
    body = f'<?xml version="1.0" encoding="utf-16"?><t>{RUSSIAN}</t>'.encode("utf-16-le")
    assert RUSSIAN in decode(body).text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Putin\x00 met", "Putin met"),
        ("Putin \u202egro.nilmerk\u202c", "Putin gro.nilmerk"),
        ("\u2066isolated\u2069 \u202aembedded\u202c \u202dover\u202c", "isolated embedded over"),
        ("lone \ud800 surrogate \udfff", "lone  surrogate "),
        ("joined pair \ud83d\ude00", "joined pair \U0001f600"),
        ("bell\x07 escape\x1b[31m c1\x85\x9b", "bell escape[31m c1"),
        ("keeps\ttabs\nand lines", "keeps\ttabs\nand lines"),
        ("windows\r\nline ends\rtoo", "windows\nline ends\ntoo"),
        ("noncharacters \ufffe\uffff", "noncharacters "),
        ("Ünïcödé 中文 ✓ \ufffd", "Ünïcödé 中文 ✓ \ufffd"),
    ],
)
def test_unsafe_characters_are_removed(raw: str, expected: str) -> None:
    assert clean(raw) == expected
    assert clean(expected) == expected


def test_every_text_field_of_an_item_is_cleaned() -> None:
    dirty = Item(
        source="s",
        title="Putin\u202e met\x00",
        url="https://e.org/\u202e1",
        guid="id\ud800",
        summary="lead\x1b",
        text="text\u2066",
    )
    item = clean_item(dirty)
    assert (item.title, item.url, item.guid, item.summary, item.text) == (
        "Putin met",
        "https://e.org/1",
        "id",
        "lead",
        "text",
    )
    tidy = Item(source="s", title="fine", url=None)
    assert clean_item(tidy) is tidy


def test_normalized_text_is_clean() -> None:
    assert normalize_space(" a\x00b \u202e c\n") == "ab c"
