"""feedparser's own test feeds, as hostile input: items or one clear error, never a crash.

The corpus lives beside the project (../shared/corpus) and is read in place, never
copied. Without it these tests skip and say why; with it they read every file.
"""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from store.identity import item_key
from store.store import Store
from tests.conftest import CORPUS, Run
from tests.sitestub import FixtureSite

pytestmark = pytest.mark.corpus


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"feedparser corpus not found at {CORPUS} (CI has ../shared beside the clone)")
    files = sorted(p for p in CORPUS.rglob("*.xml") if p.is_file())
    assert len(files) > 1000, f"corpus at {CORPUS} looks incomplete: {len(files)} files"
    return files


def test_every_corpus_file_checks_cleanly(cli: Callable[..., Run]) -> None:
    """Each file gives items, or only entries skipped with a reason (many of feedparser's
    files test one element in an entry that has no title, text or link), or is a valid
    empty feed, or fails with one clear line."""
    outcomes = {"items": 0, "only skipped": 0, "empty": 0, "error": 0}
    for path in corpus_files():
        run = cli("check", "kremlin-en", "--file", str(path), "--json")
        assert "Traceback" not in run.err and "internal error" not in run.err, (path, run.err)
        if run.code == 1:
            assert len(run.err.strip().splitlines()) == 1 and run.err.startswith("kremlin-en: ")
            outcomes["error"] += 1
            continue
        assert run.code == 0, (path, run.err)
        skipped = run.err.splitlines()
        assert all(line.startswith("kremlin-en: skipped entry ") for line in skipped), run.err
        items = [json.loads(line) for line in run.out.splitlines()]
        for item in items:
            assert item["title"], path
            assert set(item) == {
                "source",
                "title",
                "url",
                "published",
                "summary",
                "leaders",
                "tags",
                "participants",
                "story",
            }
            key = item_key("kremlin-en", None, item["url"], item["title"], item["published"])
            assert key
        outcomes["items" if items else "only skipped" if skipped else "empty"] += 1
    print(f"\ncorpus via check: {outcomes}")
    assert outcomes["items"] + outcomes["only skipped"] > 1000


def test_every_corpus_file_polls_from_a_server(
    site: FixtureSite, cli: Callable[..., Run], tmp_path: Path
) -> None:
    files = corpus_files()
    lines = [
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\nconcurrency = 16\n",
        f'[store]\npath = "{tmp_path / "corpus.db"}"\n',
    ]
    for n, path in enumerate(files):
        url = site.add(f"/{n}", path.read_bytes(), content_type="application/xml")
        lines.append(f'[[sources]]\nid = "c{n}"\nurl = "{url}"\n')
    config = tmp_path / "corpus.toml"
    config.write_text("\n".join(lines))
    run = cli("--config", str(config), "poll")
    assert "Traceback" not in run.out + run.err
    summary = run.out.strip().splitlines()[-1]
    assert summary.startswith(f"polled {len(files)} sources: ")
    with Store(tmp_path / "corpus.db") as store:
        keys = [row[0] for row in store.db.execute("SELECT key FROM items")]
        errors = [
            row[0]
            for row in store.db.execute(
                "SELECT last_error FROM source_state WHERE last_error IS NOT NULL"
            )
        ]
    assert keys and all(keys)
    assert not [e for e in errors if "internal error" in e]
    print(f"\ncorpus via poll: {summary}; {len(keys)} items stored")
