"""The labelled search set (tests/eval/search.tsv), scored as /search matches: a text is
found when it has every word of the query in some form. Written before the stemmer."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from analysis.stemming import query_stems, text_stems, words

SET = Path(__file__).with_name("eval") / "search.tsv"


class Row(NamedTuple):
    language: str
    query: str
    text: str
    expected: bool


def load() -> list[Row]:
    rows = []
    for line in SET.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            language, query, text, expected = line.split("\t")
            assert expected in ("yes", "no"), line
            rows.append(Row(language, query, text, expected == "yes"))
    return rows


def found(query: str, text: str) -> bool:
    stems = set().union(*text_stems(text))
    return all(query_stems(word) & stems for word in words(query))


def score(rows: list[Row]) -> tuple[float, float]:
    hits = [(row.expected, found(row.query, row.text)) for row in rows]
    true = sum(e and g for e, g in hits)
    precision = true / max(sum(g for _, g in hits), 1)
    recall = true / max(sum(e for e, _ in hits), 1)
    return precision, recall


ROWS = load()


def test_the_set_is_as_large_as_promised() -> None:
    assert len(ROWS) >= 120
    assert {row.language for row in ROWS} == {"ru", "uk", "kk", "en"}
    assert sum(not row.expected for row in ROWS) >= 40


def test_precision_and_recall_over_the_whole_set() -> None:
    precision, recall = score(ROWS)
    assert precision >= 0.92, precision
    assert recall >= 0.97, recall


def test_precision_and_recall_in_each_language() -> None:
    for language in ("ru", "uk", "kk", "en"):
        precision, recall = score([row for row in ROWS if row.language == language])
        assert precision >= 0.85 and recall >= 0.9, (language, precision, recall)
