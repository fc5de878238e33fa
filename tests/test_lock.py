"""The store lock on its own: held, refused with the holder named, released on exit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from store.lock import StoreLock, StoreLockedError


def test_a_second_lock_on_the_same_store_is_refused_naming_the_holder(tmp_path: Path) -> None:
    store = str(tmp_path / "data" / "readout.db")
    with StoreLock(store), pytest.raises(StoreLockedError) as refused:
        StoreLock(store).__enter__()
    assert str(refused.value).startswith(f"{store} is in use by another 'readout run' ")
    assert f"(pid {os.getpid()} on " in str(refused.value)


def test_the_lock_is_free_again_after_the_block(tmp_path: Path) -> None:
    store = str(tmp_path / "readout.db")
    with StoreLock(store):
        pass
    with StoreLock(store) as again:
        assert again.path is not None and again.path.read_text().startswith(f"pid {os.getpid()}")


def test_the_same_file_by_another_path_is_the_same_lock(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    absolute = str(tmp_path / "data" / "readout.db")
    roundabout = str(tmp_path / "data" / ".." / "data" / "readout.db")
    with StoreLock(absolute), pytest.raises(StoreLockedError):
        StoreLock(roundabout).__enter__()


def test_a_memory_store_takes_no_lock(tmp_path: Path) -> None:
    with StoreLock(":memory:") as first, StoreLock(":memory:") as second:
        assert first.path is None and second.path is None
