"""The labelled story set, linked through a real store in three arrival orders."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.eval.stories import link, load, score

LABELLED = load()
ORDERS = {
    "as-published": list(range(len(LABELLED))),
    "reversed": list(range(len(LABELLED)))[::-1],
    "shuffled": random.Random(12).sample(range(len(LABELLED)), len(LABELLED)),
}


def test_the_set_is_as_large_as_promised() -> None:
    assert len(LABELLED) >= 80
    assert len({labelled.event for labelled in LABELLED}) >= 35


@pytest.mark.parametrize("order", ORDERS)
def test_pairwise_precision_and_recall(order: str, tmp_path: Path) -> None:
    found = score(LABELLED, link(LABELLED, tmp_path / "stories.db", ORDERS[order]))
    assert found.precision >= 0.95, found
    assert found.recall >= 0.95, found
