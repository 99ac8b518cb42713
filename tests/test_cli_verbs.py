"""The CLI verbs end to end against the simulator: inventory, audit reports, sync, writeback, undo, papermill."""

import json
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import DEMO_ROOT
from xmpaudit.cli.main import main

pytestmark = pytest.mark.e2e


@pytest.fixture
def workdir(simulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key, value in {"XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def run(*argv):
    return main(["-q", *argv])


def test_inventory_and_reports(workdir, capsys):
    assert run("inventory", "--root", DEMO_ROOT, "--out", "snap") == 0
    assert "120 assets" in capsys.readouterr().out
    capsys.readouterr()
    assert run("audit", "--snapshot", "snap", "--report", "r.html", "--report", "r.csv", "--report", "r.xlsx",
               "--export", "fix.csv", "--export", "fix.txt") == 0
    out = capsys.readouterr().out
    assert "assets with smart tags have their tags in XMP" in out and "- XMP missing: " in out
    assert (workdir / "fix.csv").read_text().startswith("priority,name,folder,status,problem,reason,")  # the fix list
    html = (workdir / "r.html").read_text()
    assert "<img alt=\"audit plots\" src=\"data:image/png;base64," in html and "Coverage per folder" in html
    csv = (workdir / "r.csv").read_text().splitlines()
    assert csv[0] == "path,folder,status,reason,smart_tag_count,expected_count,xmp_item_count" and len(csv) == 121
    book = load_workbook(workdir / "r.xlsx")
    assert book.sheetnames == ["Summary", "By status", "Worst folders", "Fix list", "Invalid", "Tag differences",
                               "Assets", "Plots"]
    assert len(book["Plots"]._images) == 1
    assert run("audit", "--snapshot", "snap", "--report", "r.pdf") == 2
    assert "must end in .html, .csv or .xlsx" in capsys.readouterr().err


def test_sync_dry_run_apply_writeback_undo(workdir, simulator, capsys):
    assert run("sync") == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was written" in out and simulator.stats.by_endpoint["POST sling"] == 0
    assert run("sync", "--apply", "--status", "missing_xmp") == 0
    records = [json.loads(line) for line in (workdir / "journals" / "xmpaudit.jsonl").read_text().splitlines()]
    sync_run = records[0]["run"]
    applied = {r["asset"] for r in records if r["event"] == "applied"}
    assert applied and all(r["status"] == "missing_xmp" for r in records if r["event"] == "intent")
    assert run("writeback", "--from-run", sync_run) == 0 and simulator.stats.by_endpoint["POST workflow"] == 0
    assert run("writeback", "--from-run", sync_run, "--apply") == 0
    assert simulator.stats.by_endpoint["POST workflow"] == len(applied)
    capsys.readouterr()
    assert run("audit", "--binaries") == 0
    assert re.search(rf"^- In sync and in the file: {len(applied)} \(", capsys.readouterr().out, re.MULTILINE)
    assert run("undo") == 0 and "Dry run" in capsys.readouterr().out
    assert run("undo", "--apply") == 0
    assert "applied" in capsys.readouterr().out
    assert run("sync", "--status", "missing_xmp") == 0
    assert f"{len(applied)} create" in capsys.readouterr().out  # back to missing


def test_assets_file_and_errors(workdir, capsys):
    (workdir / "assets.txt").write_text(f"# chosen\n{DEMO_ROOT}/people/what?.jpg\n{DEMO_ROOT}/gone.jpg\n")
    assert run("sync", "--assets-file", "assets.txt") == 0
    out = capsys.readouterr().out
    assert "no longer exists" in out
    assert run("undo", "--journal", "none.jsonl") == 2
    assert "has no sync run to undo" in capsys.readouterr().err


@pytest.mark.notebooks
def test_papermill_scheduled_report(workdir, monkeypatch):
    for key in ("XMPAUDIT_URL", "XMPAUDIT_USER", "XMPAUDIT_PASSWORD"):
        monkeypatch.delenv(key)
    assert run("notebook-report", "--output", "reports/audit.ipynb", "--process-args", "minimumConfidence=0.5") == 0
    notebook = json.loads((workdir / "reports" / "audit.ipynb").read_text())
    injected = next(c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert "minimumConfidence=0.5" in "".join(injected["source"])
    assert not [o for c in notebook["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "Coverage per folder" in (workdir / "reports" / "audit.html").read_text()
