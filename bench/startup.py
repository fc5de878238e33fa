"""How long the ``readout`` command takes to start, against bare Python in the same run.

    python bench/startup.py [--runs 7] [--importtime] [--tree ../other-checkout]

Each command runs as a fresh process (``python -m readout ...``, in an empty folder, so
with the embedded default config), ``--runs`` times; the figure is the median wall time,
and the ratio is against ``python -c pass`` measured in between, so a busy machine shows
as such. ``import readout.service`` is what ``readout run`` imports before its first poll
(bench/chaos.py measures the whole restart). With ``--importtime``, the heaviest imports
of each command, from ``python -X importtime``; with ``--tree``, the code of another
checkout is measured (put first on PYTHONPATH), for a before and after on one machine.

Goals (issue 16): ``readout --help`` within 0.15 s; ``sources`` within 0.5 s, both on a
quiet machine, where ``python -c pass`` takes 0.035-0.04 s. A shared machine slows every
process alike, so each goal is held as its ratio to ``python -c pass`` in the same run
(4x and 13x), with the absolute figure beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TREE = [Path(__file__).resolve().parent.parent]  # the checkout measured (--tree)
QUIET_PASS = 0.0375  # python -c pass on a quiet 2-core machine: what turns seconds to ratios
HELP_GOAL, SOURCES_GOAL = 0.15 / QUIET_PASS, 0.5 / QUIET_PASS  # 4x and about 13x


@dataclass(frozen=True)
class Figure:
    goal: str
    seconds: float
    baseline: float
    target: float | None

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline

    @property
    def ok(self) -> bool:
        return self.target is None or self.ratio <= self.target

    def line(self) -> str:
        figure = f"{self.ratio:.1f}x python -c pass ({self.seconds:.3f} s)"
        if self.target is None:
            return f"{self.goal}: {figure} (no goal: for reference)"
        verdict = "ok" if self.ok else "MISS"
        quiet = self.target * QUIET_PASS
        return f"{self.goal}: {figure} (goal <= {self.target:.0f}x, {quiet:g} s quiet) {verdict}"


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    env["PYTHONPATH"] = str(TREE[0])
    return env


def _wall(argv: Sequence[str], folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=folder, env=_environment(), stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


COMMANDS: tuple[tuple[str, tuple[str, ...], float | None], ...] = (
    ("readout --help start-up", ("-m", "readout", "--help"), HELP_GOAL),
    ("readout sources start-up", ("-m", "readout", "sources"), SOURCES_GOAL),
    ("readout --version start-up", ("-m", "readout", "--version"), None),
    ("import readout.service (run, before its first poll)", ("-c", "import readout.service"), None),
)


def measure(runs: int) -> list[Figure]:
    """Medians of ``runs`` starts of each command, and of ``python -c pass`` between them."""
    python = sys.executable
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for _, args, _ in COMMANDS:  # compile and cache every module once, untimed
            _wall([python, *args], folder)
        bare: list[float] = []
        took: dict[str, list[float]] = {goal: [] for goal, _, _ in COMMANDS}
        for _ in range(runs):
            for goal, args, _ in COMMANDS:
                bare.append(_wall([python, "-c", "pass"], folder))
                took[goal].append(_wall([python, *args], folder))
    baseline = statistics.median(bare)
    return [
        Figure(goal, statistics.median(took[goal]), baseline, target)
        for goal, _, target in COMMANDS
    ]


def heaviest_imports(args: Sequence[str], count: int = 8) -> list[tuple[str, float]]:
    """The top-level imports of one command with the most cumulative time, from -X importtime."""
    with tempfile.TemporaryDirectory() as name:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *args],
            cwd=name,
            env=_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=True,
        )
    found = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            module = parts[2]
            if module.startswith(" ") and not module.startswith("  "):  # top level only
                found.append((module.strip(), int(parts[1]) / 1e6))
    return sorted(found, key=lambda pair: -pair[1])[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--tree", type=Path, help="measure the code of this checkout instead")
    options = parser.parse_args()
    if options.tree is not None:
        TREE[0] = options.tree.resolve()
    figures = measure(max(options.runs, 3))
    print(f"python -c pass: {figures[0].baseline:.3f} s (the baseline, median)")
    for figure in figures:
        print(figure.line())
    if options.importtime:
        for goal, args, _ in COMMANDS:
            heavy = ", ".join(f"{m} {s * 1000:.0f} ms" for m, s in heaviest_imports(args))
            print(f"  {goal}, heaviest imports: {heavy}")
    missed = sum(1 for figure in figures if not figure.ok)
    print(f"{len(figures) - missed} ok, {missed} missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
