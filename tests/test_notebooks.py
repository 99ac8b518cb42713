"""Every notebook executes against the simulator (nbclient) without errors; git copies carry no outputs; the
audit notebook's numbers are fresh or visibly not, and a user error shows as one line with no old numbers."""

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.locations import default_journal_path
from xmpaudit.read.snapshot_store import SnapshotStore
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
AUDIT_NOTEBOOK = NOTEBOOKS[1]
pytestmark = pytest.mark.notebooks


def execute(path: Path, workdir: Path, parameters: str = "") -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    if parameters:
        index = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
        notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(parameters))
    resources = {"metadata": {"path": str(workdir)}}
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources).execute()
    return notebook


def execute_failing(path: Path, workdir: Path) -> nbformat.NotebookNode:
    """Run until the first failing cell (as Run All does) and return the notebook with its outputs."""
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(workdir)}}
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources)
    with pytest.raises(CellExecutionError):
        client.execute()
    return notebook


def errors(notebook):
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    return [o for o in outputs if o.output_type == "error"]


def output_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for value in output.get("data", {}).values():
                parts.append(value if isinstance(value, str) else "")
    return "\n".join(parts)


def status_counts(notebook) -> dict[str, int]:
    """The headline's counts per status, read from the notebook's markdown output."""
    text = output_text(notebook)
    return {label: int(n) for label, n in re.findall(r"^- ([^:\n]+): (\d+) \(", text, re.MULTILINE)}


def test_three_notebooks_exist_thin_and_clean():
    assert [p.name for p in NOTEBOOKS] == ["01_inventory.ipynb", "02_coverage_audit.ipynb", "03_fix_mismatches.ipynb"]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name} has outputs"
        assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
        assert not any("def " in c.source or "class " in c.source for c in code), f"{path.name} holds logic"


def test_notebooks_run_in_order_against_the_simulator(tmp_path, monkeypatch, xmpaudit_home):
    for name in ("XMPAUDIT_URL", "XMPAUDIT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path)
    for path in NOTEBOOKS:
        parameters = "CHECK_BINARIES = True\nEXPORT_DIR = 'exports'" if path.name.startswith("02") else ""
        notebook = execute(tmp_path / path.name, tmp_path, parameters)
        assert not errors(notebook), f"{path.name}: {errors(notebook)}"
        text = output_text(notebook)
        if not path.name.startswith("03"):  # notebook 03 belongs to the panel
            assert "demo DAM" in text and "login OK" in text, f"{path.name} shows where its numbers come from"
            assert "per asset" not in text, "no developer metrics in user output"
        if parameters:
            counts = {label: int(n.replace(",", "")) for label, n in
                      re.findall(r"<td>(In sync[^<]*)</td>\s*<td>([\d,]+)</td>", text)}
            assert counts["In sync"] == 0, "the binary check ran: every in-sync node is checked against its file"
            assert counts["In sync, not yet in the file"] + counts["In sync and in the file"] > 0
            assert "of the" in text and "assets with smart tags have their tags in XMP" in text
            assert "assetdetails.html" in text, "the fix list links into AEM"
    assert list((xmpaudit_home / "snapshots").glob("*/*/assets.parquet")), "kept in the per-user snapshot store"
    assert not (tmp_path / "snapshots").exists() and not (tmp_path / "journals").exists()
    assert {p.name for p in (tmp_path / "exports").iterdir()} == {
        "fix-list.csv", "fix-list-paths.txt", "audit.xlsx"}
    outputs = str(nbformat.read(NOTEBOOKS[1], as_version=4))  # untouched
    assert "image/png" not in outputs


def test_scheduled_fix_run_applies_and_journals(tmp_path, monkeypatch, xmpaudit_home):
    monkeypatch.delenv("XMPAUDIT_URL", raising=False)
    notebook = execute(NOTEBOOKS[2], tmp_path, "APPLY_ALL_FIXABLE = True")
    assert not errors(notebook)
    journal = (xmpaudit_home / "journal.jsonl").read_text()  # the shared per-user journal
    assert '"event": "applied"' in journal and '"event": "verified"' in journal
    text = str(notebook.cells[-1].outputs)
    assert "sync-" in text


@pytest.fixture
def aem_env(simulator, monkeypatch):
    """The notebooks' kernels talk to this test's simulator through XMPAUDIT_* variables."""
    for key, value in {"XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("XMPAUDIT_PROFILE", raising=False)
    return simulator


def test_audit_notebook_rerun_after_a_sync_shows_new_counts(aem_env, tmp_path):
    before = status_counts(execute(AUDIT_NOTEBOOK, tmp_path))
    assert before["XMP missing"] > 0
    client = client_for(aem_env)
    from xmpaudit.audit.compare import audit
    from xmpaudit.read.inventory import take_inventory

    result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    missing = result.assets.loc[result.assets["status"] == "missing_xmp", "path"].tolist()[:5]
    plan = plan_sync(client, missing, SyncArguments())
    assert apply_plan(client, plan, Journal(default_journal_path()), show_progress=False).ok  # as the CLI and app
    notebook = execute(AUDIT_NOTEBOOK, tmp_path)  # REFRESH = False: the saved snapshot was read before the sync
    after = status_counts(notebook)
    assert after["XMP missing"] == before["XMP missing"] - 5
    assert after["In sync"] == before["In sync"] + 5
    text = output_text(notebook)
    assert "Snapshot: refreshed incrementally (sync run sync-" in text and "5 journaled assets" in text
    assert "(-5)" in text and "(+5)" in text, "the change since the previous snapshot is shown"


@pytest.mark.parametrize("setting, message", [
    ({"XMPAUDIT_PASSWORD": "wrong"}, "refused (HTTP 401): check the user and password"),
    ({"XMPAUDIT_URL": "http://127.0.0.1:9"}, "Cannot reach AEM at 127.0.0.1:9"),
])
def test_audit_notebook_user_error_is_one_line_and_shows_no_old_numbers(aem_env, tmp_path, monkeypatch, setting,
                                                                        message):
    execute(AUDIT_NOTEBOOK, tmp_path)  # leaves a good snapshot behind
    assert SnapshotStore.of(aem_env.url, DEMO_ROOT).latest() is not None
    for key, value in setting.items():
        monkeypatch.setenv(key, value)
    notebook = execute_failing(AUDIT_NOTEBOOK, tmp_path)
    [error] = errors(notebook)
    assert len(error["traceback"]) == 1 and message in error["traceback"][0]
    assert "Traceback" not in error["traceback"][0]
    text = output_text(notebook)
    assert "XMP missing" not in text and "In sync" not in text and "saved snapshot" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_reads_every_line_of_the_parameters_cell(path):
    """Papermill skips a parameter line it cannot parse (a '=' in its comment is enough) and then warns
    'Passed unknown parameter' for it; every assignment line must be one papermill knows."""
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    notebook = load_notebook_node(str(path))
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    assigned = [m.group(1) for m in re.finditer(r"^(\w+)\s*=", cell.source, re.M)]
    assert [p.name for p in _infer_parameters(notebook)] == assigned


def test_notebook_report_passes_only_parameters_the_audit_notebook_has(tmp_path):
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    from xmpaudit.cli.main import build_parser
    from xmpaudit.cli.serve_verbs import REPORT_NOTEBOOK, report_parameters

    args = build_parser().parse_args(["notebook-report", "--journal", str(tmp_path / "j.jsonl")])
    known = {p.name for p in _infer_parameters(load_notebook_node(str(NOTEBOOKS[0].parent / REPORT_NOTEBOOK)))}
    assert set(report_parameters(args)) <= known
