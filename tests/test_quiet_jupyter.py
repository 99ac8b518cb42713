"""The Jupyter processes the CLI starts print no warnings meant for Jupyter's developers (``cli/quiet_jupyter.py``):
a notebook's kernel no transport warning (its cells' own warnings still show), `xmpaudit lab` no DeprecationWarning."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xmpaudit.cli.quiet_jupyter import QUIET_KERNEL

RUN_ONE_CELL = """
import sys, nbformat, papermill
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import warnings; warnings.warn('mine')")])
notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
nbformat.write(notebook, sys.argv[1])
extra = sys.argv[3:]
done = papermill.execute_notebook(sys.argv[1], sys.argv[2], kernel_name="python3", progress_bar=False,
                                  extra_arguments=extra)
print("cell said:", done.cells[0].outputs[0]["text"].strip().splitlines()[0])
"""


def run_notebook(tmp_path, *kernel_arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUN_ONE_CELL, str(tmp_path / "in.ipynb"),
                           str(tmp_path / "out.ipynb"), *kernel_arguments], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.notebooks
def test_the_kernel_does_not_warn_about_its_transport(tmp_path):
    quiet = run_notebook(tmp_path, *QUIET_KERNEL)
    assert quiet.returncode == 0, quiet.stderr
    assert "without encryption" not in quiet.stderr and "UserWarning: mine" in quiet.stdout
    assert "without encryption" in run_notebook(tmp_path).stderr  # what it silences


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_lab_starts_without_a_deprecation_warning(tmp_path):
    env = {**os.environ, "XMPAUDIT_URL": "http://127.0.0.1:9", "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    lab = subprocess.Popen([sys.executable, "-m", "xmpaudit.cli.main", "lab", "--no-browser", "--notebooks",
                            str(notebooks), "--lab-port", str(free_port())], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("is running at" in line for line in lines):
            lines.append(lab.stdout.readline())
    finally:
        os.killpg(lab.pid, signal.SIGTERM)  # lab and the Jupyter server it started
        lab.wait(30)
    assert any("is running at" in line for line in lines), "".join(lines)
    assert not [line for line in lines if "Warning" in line], "".join(lines)
