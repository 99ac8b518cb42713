"""A notebook the CLI runs prints no kernel-transport warning (``cli/quiet_kernel.py``), and its own warnings still
show in its cells."""

from __future__ import annotations

import subprocess
import sys

import pytest

from xmpaudit.cli.quiet_kernel import QUIET_KERNEL

pytestmark = pytest.mark.notebooks
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


def test_the_kernel_does_not_warn_about_its_transport(tmp_path):
    quiet = run_notebook(tmp_path, *QUIET_KERNEL)
    assert quiet.returncode == 0, quiet.stderr
    assert "without encryption" not in quiet.stderr and "UserWarning: mine" in quiet.stdout
    assert "without encryption" in run_notebook(tmp_path).stderr  # what it silences
