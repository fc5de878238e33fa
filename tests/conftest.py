from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sitestub import FixtureSite

pytest_plugins = ("tests.fake_telegram",)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SITES = FIXTURES / "sites"
CORPUS = ROOT.parent / "shared" / "corpus" / "feedparser-tests"


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    server = FixtureSite().start()
    yield server
    server.stop()


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    """The CLI in-process, in an empty working directory, with no READOUT_* in the env."""
    from readout.cli import main

    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("READOUT_")]:
        monkeypatch.delenv(name)

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
    """The installed console script in a subprocess: what a user actually runs."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    full_env.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "readout", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
