"""Bad places and unreachable services are one line and exit 2, never a traceback: what-if's --csv/--plot, the
notebook report's notebooks, output and failing cells, a huge --max-age, and any file error a verb meets."""

import os

import pytest

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.cli.main import main
from xmpaudit.core.errors import ConfigError
from xmpaudit.workspace.freshness import max_snapshot_age


@pytest.fixture
def snapshot_dir(tmp_path):
    hits = [asset_hit("/content/dam/t/a.jpg", [{"name": "beach", "confidence": 0.9}], xmp_node([("beach", 0.9)])),
            asset_hit("/content/dam/t/b.jpg", [{"name": "sky", "confidence": 0.4}])]
    folder = tmp_path / "snap"
    snapshot_from_hits(hits, root="/content/dam/t").save(folder)
    return folder


def _one_line_exit_2(argv, capsys, *words):
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert "Traceback" not in captured.out + captured.err
    for word in words:
        assert word in err
    return err


@pytest.mark.parametrize("option, bad, words", [
    ("--csv", "{tmp}", ("is a folder",)),
    ("--csv", "{file}/sweep.csv", ("is a file, not a folder",)),
    ("--csv", "{tmp}/sweep.txt", ("must end in .csv",)),
    ("--plot", "{tmp}", ("is a folder",)),
    ("--plot", "{file}/deeper/plot.png", ("is a file, not a folder",)),
    ("--plot", "{tmp}/plot.txt", ("must end in .png",)),
])
def test_what_if_outputs_to_bad_places_are_one_line(snapshot_dir, tmp_path, capsys, option, bad, words):
    (tmp_path / "a-file").write_text("x")
    target = bad.format(tmp=tmp_path, file=tmp_path / "a-file")
    _one_line_exit_2(["-q", "what-if", "--snapshot", str(snapshot_dir), option, target], capsys, option, *words)
    assert not (tmp_path.parent / f"{tmp_path.name}.png").exists(), "matplotlib appended .png to a folder's name"


def test_what_if_output_without_permission_is_one_line(snapshot_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # root may write anywhere: pretend it may not
    _one_line_exit_2(["-q", "what-if", "--snapshot", str(snapshot_dir), "--csv", str(tmp_path / "s.csv")], capsys,
                     "no permission")


def test_what_if_output_in_a_missing_folder_is_written(snapshot_dir, tmp_path, capsys):
    target = tmp_path / "new" / "deeper" / "sweep.csv"
    assert main(["-q", "what-if", "--snapshot", str(snapshot_dir), "--csv", str(target)]) == 0
    assert target.stat().st_size > 0


def test_a_file_error_while_a_verb_runs_is_one_line(snapshot_dir, capsys, monkeypatch):
    import pandas as pd

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device", "sweep.csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    err = _one_line_exit_2(["-q", "what-if", "--snapshot", str(snapshot_dir), "--csv", "sweep.csv"], capsys)
    assert err == "error: No space left on device: sweep.csv"


def test_notebook_report_with_a_missing_notebooks_folder_is_one_line(tmp_path, capsys):
    _one_line_exit_2(["-q", "notebook-report", "--notebooks", str(tmp_path / "none"), "--output",
                      str(tmp_path / "r" / "audit.ipynb")], capsys, "--notebooks", "no such folder")
    _one_line_exit_2(["-q", "notebook-report", "--notebooks", str(tmp_path), "--output",
                      str(tmp_path / "r" / "audit.ipynb")], capsys, "holds no 02_coverage_audit.ipynb")


@pytest.mark.parametrize("bad, words", [("{tmp}", ("is a folder",)), ("{file}/audit.ipynb", ("is a file",)),
                                        ("{tmp}/audit.html", ("must end in .ipynb",))])
def test_notebook_report_to_bad_output_paths_is_one_line(tmp_path, capsys, bad, words):
    (tmp_path / "a-file").write_text("x")
    output = bad.format(tmp=tmp_path, file=tmp_path / "a-file")
    _one_line_exit_2(["-q", "notebook-report", "--output", output], capsys, "--output", *words)


def test_notebook_report_whose_notebook_fails_is_one_line(tmp_path, capsys, monkeypatch):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    def unreachable(*_args, **_kwargs):
        raise PapermillExecutionError(3, 2, "session = open_session()", "ConnectionError",
                                      "AEM at http://127.0.0.1:9 is unreachable\nmore", ["Traceback …"])

    monkeypatch.setattr(papermill, "execute_notebook", unreachable)
    output = tmp_path / "r" / "audit.ipynb"
    err = _one_line_exit_2(["-q", "notebook-report", "--url", "http://127.0.0.1:9", "--output", str(output)], capsys,
                           "stopped in cell 2", "ConnectionError", "unreachable", str(output))
    assert "more" not in err


@pytest.mark.notebooks
def test_notebook_report_against_an_unreachable_aem_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _one_line_exit_2(["-q", "notebook-report", "--url", "http://127.0.0.1:9", "--output", "r/audit.ipynb"], capsys,
                     "the audit notebook stopped in cell")


@pytest.mark.parametrize("given", ["99999999999999999999d", "9" * 400, float("inf"), 1e300])
def test_a_huge_max_age_is_one_config_error(given):
    with pytest.raises(ConfigError, match="too large"):
        max_snapshot_age(given)


@pytest.mark.e2e
def test_a_huge_max_age_on_the_command_line_is_one_line(aem_env, capsys, monkeypatch):
    _one_line_exit_2(["-q", "audit", "--max-age", "99999999999999999999d"], capsys, "too large")
    monkeypatch.setenv("XMPAUDIT_MAX_SNAPSHOT_AGE", "9" * 30)
    _one_line_exit_2(["-q", "audit"], capsys, "too large")


def test_a_data_folder_under_a_file_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, simulator):
    """#24 item 10: $XMPAUDIT_HOME under a file: a live audit (its journal is there) stops with one line."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("XMPAUDIT_HOME", str(blocker / "xmpaudit"))
    monkeypatch.setenv("XMPAUDIT_PASSWORD", "admin")
    _one_line_exit_2(["-q", "audit", "--url", simulator.url, "--user", "admin"], capsys, "is a file, not a folder")


def test_a_data_folder_that_cannot_be_made_stops_the_demo_dam_with_one_line(monkeypatch, capsys):
    """#24 item 10: $XMPAUDIT_HOME where no folder can be made (under /proc): the demo DAM, whose record lives
    there, is not started; one line, exit 2."""
    monkeypatch.setenv("XMPAUDIT_HOME", "/proc/xmpaudit-not-here/xmpaudit")
    for name in ("XMPAUDIT_URL", "XMPAUDIT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    _one_line_exit_2(["-q", "audit"], capsys, "/proc/xmpaudit-not-here")


def test_an_offline_audit_runs_where_only_the_history_cannot_be_written(tmp_path, monkeypatch, capsys, snapshot_dir):
    """The history is a record, not an input: an offline audit still answers, with a warning."""
    monkeypatch.setenv("XMPAUDIT_HOME", "/proc/xmpaudit-not-here/xmpaudit")
    assert main(["-q", "audit", "--snapshot", str(snapshot_dir)]) == 0
    assert "of the 2 assets with smart tags have their tags in XMP" in capsys.readouterr().out
