"""``./dev.sh run`` after the README's own install does not install again: it checks that the venv has this
checkout's xmpaudit at pyproject's version and every listed requirement, whoever installed them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def venv_with_xmpaudit(tmp_path: Path, checkout: Path, version: str) -> Path:
    """A venv that sees this interpreter's packages and an editable-style xmpaudit ``version`` from ``checkout``
    (as ``pip install -e`` leaves it), built without the network."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (site / "__editable__.xmpaudit.pth").write_text(f"{checkout}\n")
    info = site / f"xmpaudit-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: xmpaudit\nVersion: {version}\n")
    return venv


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of dev.sh and pyproject.toml beside the package, whose ``run`` stops before starting JupyterLab."""
    folder = tmp_path / "checkout"
    folder.mkdir()
    shutil.copy(ROOT / "pyproject.toml", folder)
    os.symlink(ROOT / "xmpaudit", folder / "xmpaudit")
    script = (ROOT / "dev.sh").read_text().replace('exec "$VENV/bin/xmpaudit" lab "$@"', "echo would-open-lab")
    (folder / "dev.sh").write_text(script)
    return folder


def run(checkout: Path, venv: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"XMPAUDIT_VENV": str(venv)}
    result = subprocess.run(["bash", "dev.sh", "run"], cwd=checkout, env=env, capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    return result.stdout + result.stderr


def test_run_after_the_readmes_install_does_not_install_again(tmp_path, checkout):
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert run(checkout, venv_with_xmpaudit(tmp_path, checkout, version)).strip() == "would-open-lab"


def test_run_installs_when_the_venv_has_another_version(tmp_path, checkout):
    venv = venv_with_xmpaudit(tmp_path, checkout, "0.0.0")
    output = run(checkout, venv)
    assert output.startswith("Installing xmpaudit into")  # (pip is absent here, so the install itself fails)
