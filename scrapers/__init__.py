"""Bytes to items: fetching, feed and page parsing, dates, the built-in catalogue."""
