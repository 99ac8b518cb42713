"""Session fixture of the ACS reference suite (skipped with a message where java or mvn is missing)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import harness_runner
from reference import Reference, build_reference


@pytest.fixture(scope="session")
def acs_reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    missing = harness_runner.missing_tools()
    if missing:
        pytest.skip(f"ACS reference suite needs {' and '.join(missing)} (./dev.sh test installs them on Debian)")
    return build_reference(tmp_path_factory.mktemp("acsref"))
