"""Builds the Maven harness once (offline when the local repository is warm) and runs all cases in one JVM."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from filelock import FileLock

HARNESS = Path(__file__).parent / "harness"
CLASSPATH = HARNESS / "target" / "classpath.txt"
CLASSES = HARNESS / "target" / "classes"
MAIN_CLASS = "xmpaudit.acsref.AcsReference"
BUILD_TIMEOUT_S = 540
RUN_TIMEOUT_S = 300


def missing_tools() -> list[str]:
    return [tool for tool in ("java", "mvn") if shutil.which(tool) is None]


def _fresh() -> bool:
    if not CLASSPATH.exists() or not (CLASSES / "xmpaudit" / "acsref" / "AcsReference.class").exists():
        return False
    built = min(CLASSPATH.stat().st_mtime, (CLASSES / "xmpaudit" / "acsref" / "AcsReference.class").stat().st_mtime)
    sources = [HARNESS / "pom.xml", *HARNESS.joinpath("src").rglob("*.java")]
    return all(source.stat().st_mtime <= built for source in sources)


def build() -> float:
    """Compile the harness and cache its classpath; seconds taken (0 when up to date). One build at a time in
    this checkout: parallel test workers (and runs) wait for it instead of writing into target/ together."""
    CLASSES.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(CLASSES.parent / ".build.lock")):
        return 0.0 if _fresh() else _compile()


def _compile() -> float:
    started = time.monotonic()
    goals = ["compile", "dependency:build-classpath", f"-Dmdep.outputFile={CLASSPATH}"]
    offline = subprocess.run(["mvn", "-q", "-o", "-B", *goals], cwd=HARNESS, capture_output=True, text=True,
                             timeout=BUILD_TIMEOUT_S)
    if offline.returncode != 0:  # cold local repository: resolve from Maven Central once
        online = subprocess.run(["mvn", "-q", "-B", *goals], cwd=HARNESS, capture_output=True, text=True,
                                timeout=BUILD_TIMEOUT_S)
        if online.returncode != 0:
            raise RuntimeError(f"ACS harness build failed:\n{online.stdout[-4000:]}\n{online.stderr[-4000:]}")
    return time.monotonic() - started


def run(cases: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], float]:
    """Run every case through the released process in one JVM; results by case id, and seconds taken."""
    classpath = f"{CLASSES}:{CLASSPATH.read_text().strip()}"
    with tempfile.TemporaryDirectory(prefix="acsref-") as tmp:
        cases_file, results_file = Path(tmp) / "cases.json", Path(tmp) / "results.json"
        cases_file.write_text(json.dumps({"cases": cases}), encoding="utf-8")
        started = time.monotonic()
        done = subprocess.run(["java", "-cp", classpath, MAIN_CLASS, str(cases_file), str(results_file)],
                              capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        seconds = time.monotonic() - started
        if done.returncode != 0 or not results_file.exists():
            raise RuntimeError(f"ACS harness run failed ({done.returncode}):\n{done.stderr[-4000:]}"
                               f"\n{done.stdout[-4000:]}")
        results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    return {result["id"]: result for result in results}, seconds
