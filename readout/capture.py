"""What ``readout check --save DIR`` writes: one source's answer and what was read from it.

A user whose source breaks can attach the folder to a bug report, and whoever reads it
sees the bytes exactly as the site sent them beside the items (or the error) Readout
made of them, without needing to reach the site, which may answer differently from
elsewhere or tomorrow.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from readout import __version__
from scrapers.fetch import Fetched
from scrapers.model import Batch, Source

# Cookies the site set are its visitors' business, not a bug report's.
_WITHHELD_HEADERS = frozenset({"set-cookie", "set-cookie2"})


def write_capture(
    folder: Path,
    source: Source,
    file: Path | None,
    response: Fetched | None,
    batch: Batch | None,
    error: str | None,
) -> list[Path]:
    """Write ``response.json``, the body as it came, and ``parsed.json`` into ``folder``.

    Files of an earlier capture in the same folder are replaced, so a folder always holds
    one coherent capture. Returns the files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for earlier in (*folder.glob("body.*"), folder / "response.json"):
        earlier.unlink(missing_ok=True)
    written = []
    if response is not None:
        body = folder / f"body{_suffix(response, source)}"
        body.write_bytes(response.body)
        meta = {
            "source": source.id,
            "kind": source.kind,
            "read_from": str(file) if file is not None else "network",
            "url": response.url,
            "status": response.status if file is None else None,
            "headers": [
                [name, "(withheld)" if name.lower() in _WITHHELD_HEADERS else value]
                for name, value in response.headers
            ],
            "body_file": body.name,
            "body_bytes": len(response.body),
            "body_sha256": hashlib.sha256(response.body).hexdigest(),
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "readout": __version__,
        }
        written += [_write_json(folder / "response.json", meta), body]
    result = {
        "source": source.id,
        "error": error,
        "fallback": batch.fallback if batch is not None else False,
        "skipped": [
            {"position": s.position, "reason": s.reason} for s in (batch.skipped if batch else ())
        ],
        "items": [item.as_json() for item in batch.items] if batch is not None else [],
    }
    written.append(_write_json(folder / "parsed.json", result))
    return written


def _suffix(response: Fetched, source: Source) -> str:
    kind = (response.content_type or "").lower()
    if "html" in kind:
        return ".html"
    if "json" in kind:
        return ".json"
    if "xml" in kind or "rss" in kind or "atom" in kind:
        return ".xml"
    return ".html" if source.kind == "html" else ".xml"


def _write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
