"""The folders are the pipeline, and imports run one way along it.

scrapers (bytes to items) → analysis (items to meaning) → store (items to SQLite) →
bot (items to people) → readout (the CLI and the service that wires them). A module
may import its own package and the ones before it, never one after: the matcher must
not learn about Telegram, nor the store about the CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("scrapers", "analysis", "store", "bot", "readout")


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """Our packages ``path`` imports anywhere in it (inside functions too), with lines."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found.update((name.split(".")[0], node.lineno) for name in names)
    return {(package, line) for package, line in found if package in LAYERS}


def upward_imports(package: str) -> list[str]:
    rank = LAYERS.index(package)
    return [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for imported, line in sorted(imported_packages(path))
        if LAYERS.index(imported) > rank
    ]


@pytest.mark.parametrize("package", LAYERS)
def test_no_package_imports_one_later_in_the_pipeline(package: str) -> None:
    assert upward_imports(package) == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text("def f():\n    from bot.commands import Readout\n    import store.store\n")
    assert imported_packages(module) == {("bot", 2), ("store", 3)}


def test_analysis_does_no_io() -> None:
    """Understanding an item is a pure function of values: no network, files or store."""
    io_modules = {"httpx", "sqlite3", "sqlite_utils", "telegram", "socket", "asyncio", "os"}
    for path in sorted((ROOT / "analysis").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = {node.module.split(".")[0]}
            else:
                continue
            assert not names & io_modules, f"{path.name}:{node.lineno} imports {names}"
