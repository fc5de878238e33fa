"""The sources and leaders in force right now: the configuration, then what admins changed
from chat (kept in the store, so it survives restarts).

Precedence: a source or leader added in chat joins those from the config file and the
built-in catalogue; pausing or removing any source in chat holds until it is resumed or
added again, whatever the file says; aliases added in chat extend a leader's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from analysis.leaders import Leader
from analysis.matching import Matcher
from readout.config import Config
from scrapers.model import Source
from store.store import Store


class Registry:
    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.listeners: list[Callable[[], None]] = []
        self._matcher: Matcher | None = None
        for source in config.sources:
            store.admin.ensure_listed(source)

    def changed(self) -> None:
        """Something changed in chat: rebuild derived state and tell whoever listens."""
        self._matcher = None
        for listener in self.listeners:
            listener()

    def sources(self) -> list[Source]:
        """Every source not removed; a paused one has ``enabled`` False."""
        flags = self.store.admin.flags()
        merged = {source.id: source for source in self.config.sources}
        for source in self.store.admin.added_sources():
            merged[source.id] = source
        found = []
        for source in merged.values():
            flag = flags.get(source.id)
            if flag is not None and flag.removed:
                continue
            found.append(replace(source, enabled=False) if flag and flag.paused else source)
        return found

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources() if s.id == source_id), None)

    def is_paused(self, source_id: str) -> bool:
        flag = self.store.admin.flags().get(source_id)
        return bool(flag and flag.paused)

    def leaders(self) -> list[Leader]:
        merged = {leader.id: leader for leader in self.config.leaders}
        for entry in self.store.admin.leader_entries():
            base = merged.get(entry.id)
            if base is None:
                if entry.name:
                    merged[entry.id] = Leader(entry.id, entry.name, entry.aliases)
                continue
            merged[entry.id] = base.extended(entry.name, entry.aliases)
        return list(merged.values())

    def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = Matcher(self.leaders())
        return self._matcher
