"""How fast the CLI answers: ``--help``, ``--version`` and ``audit`` of the demo (a saved snapshot offline, and
live with a fresh snapshot saved in the store), as ratios to ``python -c pass``, side by side in one run.

    PYTHONPATH=. python benchmarks/bench_cli_start.py [--repeat 5] [--compare-with /work/main]

Each command runs in its own interpreter ``--repeat`` times; the median is shown. One demo simulator (360 assets)
serves every live measurement. ``--compare-with DIR`` runs the same commands against another checkout's code
(``PYTHONPATH=DIR``) in the same run, so the two columns share the machine's load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "xmpaudit.cli"]


def _env(code: Path, home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), "XMPAUDIT_HOME": str(home), "MPLBACKEND": "Agg"}


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _median_s(command: list[str], env: dict[str, str], repeat: int, cwd: Path) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (user + system) of ``command``: on a busy machine the CPU
    time is what an idle one would wait."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), _cpu_s()
        subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu_s() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _start_simulator(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "xmpaudit.simulator", "--port", "0", "--assets", "360"],
                               env=env, stdout=subprocess.PIPE, text=True, cwd=HERE)
    first = process.stdout.readline() if process.stdout else ""
    return process, first.split(" at ")[1].split(" ")[0]


def commands(url: str, snapshot: Path) -> dict[str, list[str]]:
    """What is measured, by name (every command writes nothing to AEM)."""
    live = ["--url", url, "--user", "admin"]
    return {"python -c pass": [sys.executable, "-c", "pass"],
            "xmpaudit --help": [*CLI, "--help"],
            "xmpaudit --version": [*CLI, "--version"],  # before this branch: a usage error (exit 2), parsed as fast
            "xmpaudit audit --snapshot S": [*CLI, "-q", "audit", "--snapshot", str(snapshot)],
            "xmpaudit audit (fresh snapshot saved)": [*CLI, "-q", "audit", *live]}


def measure(code: Path, url: str, work: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Median seconds of each command with ``code`` on the path (run from ``work``, so ``-m`` finds no other
    checkout in the current folder); its own data folder and snapshot."""
    home = work / f"home-{code.name}"
    env = {**_env(code, home), "XMPAUDIT_PASSWORD": "admin"}
    snapshot = work / f"snapshot-{code.name}"
    subprocess.run([*CLI, "-q", "inventory", "--url", url, "--user", "admin", "--out", str(snapshot)], env=env,
                   check=True, stdout=subprocess.DEVNULL, cwd=work)
    subprocess.run([*CLI, "-q", "audit", "--url", url, "--user", "admin"], env=env, check=True,
                   stdout=subprocess.DEVNULL, cwd=work)  # saves the snapshot the timed live audits reuse
    return {name: _median_s(command, env, repeat, work) for name, command in commands(url, snapshot).items()}


def table(columns: dict[str, dict[str, tuple[float, float]]]) -> str:
    """Markdown: one row per command, per code its median wall time, its ratio to ``python -c pass`` and its
    median CPU time."""
    names = list(columns)
    lines = ["| command | " + " | ".join(f"{n}: wall (s) | × pass | CPU (s)" for n in names) + " |",
             "|---|" + "---|---|---|" * len(names)]
    for command in next(iter(columns.values())):
        cells = []
        for name in names:
            (wall, cpu), (base, _) = columns[name][command], columns[name]["python -c pass"]
            cells.append(f"{wall:.2f} | {wall / base:.0f} | {cpu:.2f}")
        lines.append(f"| `{command}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare-with", type=Path, help="another checkout, measured in the same run")
    args = parser.parse_args()
    codes = {"this branch": HERE, **({"compared": args.compare_with.resolve()} if args.compare_with else {})}
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        simulator, url = _start_simulator(_env(HERE, Path(folder) / "sim"))
        try:
            columns = {name: measure(code, url, Path(folder), args.repeat) for name, code in codes.items()}
        finally:
            simulator.terminate()
            simulator.wait(10)
    print(f"load average {os.getloadavg()[0]:.1f}; median of {args.repeat} runs per command\n")
    print(table(columns))


if __name__ == "__main__":
    main()
