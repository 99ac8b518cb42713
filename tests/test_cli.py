import subprocess
import sys

import pytest
import requests

from xmpaudit.cli.main import main

pytestmark = pytest.mark.e2e


def test_simulator_command_serves_the_demo():
    process = subprocess.Popen([sys.executable, "-m", "xmpaudit.simulator", "--port", "0", "--assets", "30"],
                               stdout=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert "30 demo assets at http://127.0.0.1:" in first
        url = first.split(" at ")[1].split(" ")[0]
        token = requests.get(f"{url}/libs/granite/csrf/token.json", auth=("admin", "admin"), timeout=5).json()
        assert token["token"]
        hits = requests.get(f"{url}/bin/querybuilder.json", params={"type": "dam:Asset", "p.limit": "100"},
                            auth=("admin", "admin"), timeout=5).json()
        assert hits["results"] == 30
    finally:
        process.terminate()
        process.wait(5)


def test_lab_rejects_missing_notebook_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XMPAUDIT_URL", "http://127.0.0.1:9")
    assert main(["lab", "--notebooks", str(tmp_path / "none")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_usage_errors():
    with pytest.raises(SystemExit):
        main([])
    assert main(["simulator", "--assets", "-1"]) == 2
