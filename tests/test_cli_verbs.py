"""The CLI verbs end to end against the simulator: inventory, audit reports, sync, writeback, undo, papermill."""

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import DEMO_ROOT
from xmpaudit.cli.main import main
from xmpaudit.core.errors import ConfigError

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


def test_sync_dry_run_apply_writeback_undo(workdir, simulator, capsys, xmpaudit_home):
    assert run("sync") == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was written" in out and simulator.stats.by_endpoint["POST sling"] == 0
    assert run("sync", "--apply", "--status", "missing_xmp") == 0
    assert not (workdir / "journals").exists()  # the shared per-user journal, whatever the working directory
    records = [json.loads(line) for line in (xmpaudit_home / "journal.jsonl").read_text().splitlines()]
    sync_run = records[0]["run"]
    applied = {r["asset"] for r in records if r["event"] == "applied"}
    assert applied and all(r["status"] == "missing_xmp" for r in records if r["event"] == "intent")
    assert run("writeback", "--from-run", sync_run) == 0 and simulator.stats.by_endpoint["POST workflow"] == 0
    assert run("writeback", "--from-run", sync_run, "--apply") == 0
    assert simulator.stats.by_endpoint["POST workflow"] == len(applied)
    capsys.readouterr()
    assert run("audit", "--binaries") == 0
    out = capsys.readouterr().out
    assert "Snapshot: refreshed incrementally (" in out  # the sync's selection saved a snapshot, then wrote
    assert re.search(rf"^- In sync and in the file: {len(applied)} \(", out, re.MULTILINE)
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
def test_papermill_scheduled_report(workdir, simulator, monkeypatch, capfd):
    for key in ("XMPAUDIT_URL", "XMPAUDIT_USER"):
        monkeypatch.delenv(key)  # the connection options reach the kernel as XMPAUDIT_* variables
    assert run("notebook-report", "--url", simulator.url, "--user", "admin", "--output", "reports/audit.ipynb",
               "--process-args", "minimumConfidence=0.5") == 0
    notebook = json.loads((workdir / "reports" / "audit.ipynb").read_text())
    injected = next(c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert "minimumConfidence=0.5" in "".join(injected["source"])
    outputs = json.dumps(notebook["cells"])
    assert f"AEM: {simulator.url}" in outputs and "Process arguments: as given" in outputs
    assert not [o for c in notebook["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "Coverage per folder" in (workdir / "reports" / "audit.html").read_text()
    assert "without encryption" not in capfd.readouterr().err  # the kernel's transport warning (cli/quiet_jupyter.py)


def test_inventory_and_live_audit_share_the_session_rules(workdir, simulator, capsys, xmpaudit_home):
    assert run("inventory") == 0  # into the per-user store, as every surface
    assert str(xmpaudit_home / "snapshots") in capsys.readouterr().out
    assert run("audit") == 0
    first = capsys.readouterr().out
    assert "Snapshot: saved snapshot (younger than the maximum age of 10 min" in first
    assert run("sync", "--apply", "--status", "missing_xmp") == 0
    capsys.readouterr()
    assert run("audit") == 0
    after = capsys.readouterr().out
    assert "Snapshot: refreshed incrementally (sync run sync-" in after
    assert re.search(r"^- XMP missing: 0 \(0\.0%\) \(-\d+\)$", after, re.MULTILINE)  # change since the last
    assert run("audit", "--max-age", "0") == 0
    assert "Snapshot: new inventory (the saved snapshot is " in capsys.readouterr().out
    assert run("audit", "--refresh") == 0
    assert "Snapshot: new inventory (a new inventory was asked for)" in capsys.readouterr().out
    assert run("audit", "--max-age", "soon") == 2
    assert "is not a duration like 600, 90s, 10min or 2h" in capsys.readouterr().err


def test_process_args_are_read_from_aem_unless_given_as_text_or_file(workdir, capsys):
    assert run("audit") == 0
    assert "Process arguments: from runtime model" in capsys.readouterr().out
    (workdir / "acs.txt").write_text("minimumConfidence=0.99\n")
    assert run("audit", "--process-args", "acs.txt") == 0
    strict = capsys.readouterr().out
    assert "Process arguments: as given" in strict
    assert run("audit", "--process-args", "minimumConfidence=0.99") == 0
    assert capsys.readouterr().out.split("Snapshot:")[0] == strict.split("Snapshot:")[0]


@pytest.mark.parametrize("verb", ["app", "notebook-report", "lab", "audit", "sync"])
def test_every_verb_takes_the_same_connection_options_and_passes_them_to_child_processes(verb, tmp_path):
    from xmpaudit.cli.main import build_parser
    from xmpaudit.cli.options import connection_env

    (tmp_path / "token.json").write_text("{}")
    args = build_parser().parse_args([verb, "--url", "https://author.example", "--user", "librarian",
                                      "--token-file", str(tmp_path / "token.json"), "--service-credentials", "sc.json"])
    assert args.process_args is None  # not given: read from AEM
    assert connection_env(args) == {"XMPAUDIT_URL": "https://author.example", "XMPAUDIT_PROFILE": "",
                                    "XMPAUDIT_USER": "librarian", "XMPAUDIT_TOKEN_FILE": str(tmp_path / "token.json"),
                                    "XMPAUDIT_SERVICE_CREDENTIALS": str(Path("sc.json").resolve())}


def test_a_child_process_cannot_take_overrides_of_a_profile(capsys):
    from xmpaudit.cli.main import build_parser
    from xmpaudit.cli.options import connection_env

    args = build_parser().parse_args(["app", "--profile", "prod", "--token-file", "t.json"])
    with pytest.raises(ConfigError, match=r"--token-file with --profile: put them into the profile instead"):
        connection_env(args)
    assert connection_env(build_parser().parse_args(["app", "--profile", "prod"])) == {"XMPAUDIT_PROFILE": "prod"}
