"""What Readout understands about an item: who is named, what kind of event it reports.

Sits between ``scrapers`` (bytes to items) and ``store`` (items to SQLite) in the poll
path, and is read by ``bot`` too (commands resolve leaders, routing matches keywords).
Everything here is a pure function of values — no network, no files, no store — so the
same text always gets the same answer, wherever it is asked.
"""
