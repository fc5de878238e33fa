"""What each command imports: ``--help`` and ``sources`` answer without the libraries they
never use, and ``run`` polls before the Telegram side is loaded (readout.cli's and
readout.service's notes). These check the import graph in a fresh interpreter, not the
time taken; bench/startup.py measures that."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The libraries that make start-up slow, each 0.05-0.3 s to import.
HEAVY = (
    "telegram",
    "httpx",
    "httpcore",
    "feedparser",
    "bs4",
    "soupsieve",
    "sqlite_utils",
    "apscheduler",
    "prometheus_client",
    "aiohttp",
    "pydantic",
)
# Runs one command in-process in a fresh interpreter, then reports what was imported.
PROBE = """
import json, sys
from readout.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imported_by(tmp_path: Path, *args: str) -> tuple[int, set[str], str]:
    """Exit code, top-level packages imported, and standard output of ``readout *args``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    modules = set(report["modules"])
    return report["code"], modules | {name.split(".")[0] for name in modules}, done.stdout


def test_help_imports_no_library_and_no_config(tmp_path: Path) -> None:
    code, modules, out = imported_by(tmp_path, "--help")
    assert code == 0 and "COMMAND" in out
    assert modules.isdisjoint(HEAVY)
    assert "readout.config" not in modules and "importlib.metadata" not in modules


def test_version_is_looked_up_when_asked_for(tmp_path: Path) -> None:
    from readout import __version__

    code, modules, out = imported_by(tmp_path, "--version")
    assert code == 0 and out == f"readout {__version__}\n"
    assert modules.isdisjoint(HEAVY)


@pytest.mark.parametrize("command", [["sources"], ["leaders", "--json"]])
def test_listing_commands_read_the_config_and_nothing_else(
    tmp_path: Path, command: list[str]
) -> None:
    code, modules, out = imported_by(tmp_path, *command)
    assert code == 0 and out.strip()
    assert modules & set(HEAVY) == {"pydantic"}  # the config is validated with it


def test_a_bad_config_is_reported_without_opening_the_store(tmp_path: Path) -> None:
    (tmp_path / "readout.toml").write_text('[scheduler]\ninterval = "often"\n')
    code, modules, _ = imported_by(tmp_path, "sources")
    assert code == 2
    assert "sqlite_utils" not in modules and "store" not in modules


def test_the_service_module_polls_without_the_telegram_side(tmp_path: Path) -> None:
    """What ``run`` imports before its first poll: everything but python-telegram-bot."""
    probe = "import json, sys, readout.service; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    modules = {name.split(".")[0] for name in json.loads(done.stdout)} | set(
        json.loads(done.stdout)
    )
    assert "telegram" not in modules and "bot.sender" not in modules
    assert {"apscheduler", "aiohttp", "sqlite_utils"} <= modules


def test_stories_reads_the_store_without_the_network_or_the_feed_parser(tmp_path: Path) -> None:
    from store.store import Store

    (tmp_path / "data").mkdir()
    Store(tmp_path / "data" / "readout.db").close()  # where the default config keeps it
    code, modules, _ = imported_by(tmp_path, "stories")
    assert code == 0 and "sqlite_utils" in modules
    # bs4 still comes with the store (store.admin shortens text with scrapers.text).
    assert modules.isdisjoint({"telegram", "httpx", "feedparser", "apscheduler", "aiohttp"})
