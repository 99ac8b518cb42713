"""Errors with one meaning (docs/errors.md): every error a user can act on is an ``XmpAuditError`` and is one line
on the CLI (exit 2) and in notebooks; API misuse is a ``UsageError`` (a ValueError) that surfaces as a traceback;
no bare ValueError or KeyError is raised in core/, aem/, read/ or audit/."""

import ast
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.aem.client import AemClient
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.audit.partitions import audit_partitions
from xmpaudit.cli.main import main
from xmpaudit.core import errors
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError, UsageError, XmpAuditError
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.workspace.errordisplay import install_error_display

PACKAGE = Path(errors.__file__).parent.parent
ERROR_CLASSES = [c for c in vars(errors).values() if isinstance(c, type) and c.__module__ == errors.__name__]
USER_ERRORS = [c for c in ERROR_CLASSES if issubclass(c, XmpAuditError)]
# parse helpers that raise ValueError as float() does; every caller catches it
PARSERS = {("core/acs.py", "parse_java_double")}


@pytest.fixture
def saved_snapshot(tmp_path):
    hits = [asset_hit("/c/d/a.jpg", [{"name": "cat", "confidence": 0.9}], xmp=xmp_node([("cat", 0.9)]))]
    return snapshot_from_hits(hits, root="/c/d").save(tmp_path / "S")


def test_audit_of_a_snapshot_read_with_other_names_is_one_line_and_exit_2(saved_snapshot, capsys):
    code = main(["-q", "audit", "--snapshot", str(saved_snapshot), "--process-args", "nameProperty=dam:x"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: The snapshot was read with other XMP node/property names than these arguments")


def test_the_tree_parts_what_a_user_acts_on_from_api_misuse():
    assert ConfigError in USER_ERRORS and len(USER_ERRORS) == len(ERROR_CLASSES) - 1
    assert issubclass(UsageError, ValueError) and not issubclass(UsageError, XmpAuditError)
    tree = (PACKAGE.parent / "docs" / "errors.md").read_text(encoding="utf-8").split("```")[1]
    assert {c.__name__ for c in ERROR_CLASSES} == set(re.findall(r"\b([A-Z]\w+Error)\b", tree)) - {"ValueError"}


@pytest.mark.parametrize("error", USER_ERRORS, ids=lambda c: c.__name__)
def test_every_user_error_is_one_line_and_exit_2_on_the_cli(error, saved_snapshot, monkeypatch, capsys):
    def fails(cls, folder):
        raise error(f"{error.__name__} for {Path(folder).name}\nsecond line")

    monkeypatch.setattr(Snapshot, "load", classmethod(fails))
    assert main(["-q", "audit", "--snapshot", str(saved_snapshot)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {error.__name__} for S") and "Traceback" not in err


def test_api_misuse_surfaces_as_a_traceback_on_the_cli(saved_snapshot, monkeypatch):
    def misused(cls, folder):
        raise UsageError("a bug in the caller")

    monkeypatch.setattr(Snapshot, "load", classmethod(misused))
    with pytest.raises(UsageError, match="a bug in the caller"):
        main(["-q", "audit", "--snapshot", str(saved_snapshot)])


def test_notebooks_show_every_user_error_as_one_line_and_api_misuse_as_a_traceback(monkeypatch):
    class Shell:
        def set_custom_exc(self, classes, handler):
            self.classes, self.handler = classes, handler

        def _showtraceback(self, etype, value, lines):
            self.shown = lines

    shell = Shell()
    monkeypatch.setitem(sys.modules, "IPython", type(sys)("IPython"))
    sys.modules["IPython"].get_ipython = lambda: shell
    assert install_error_display()
    for error in USER_ERRORS:
        value = error("what went wrong")
        assert isinstance(value, shell.classes)
        assert len(shell.handler(shell, error, value, None)) == 1 and "what went wrong" in shell.shown[0]
    assert not isinstance(UsageError("bug"), shell.classes)


def raises_in(path: Path) -> list[tuple[str, str, int]]:
    """(function, exception name, line) of every ``raise X(...)`` in a module."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
        for node in ast.walk(function):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
                    isinstance(node.exc.func, ast.Name):
                found.append((function.name, node.exc.func.id, node.lineno))
    return found


@pytest.mark.parametrize("layer", ["core", "aem", "read", "audit"])
def test_no_bare_value_or_key_error_is_raised_where_a_user_could_reach_it(layer):
    bare = [f"{path.relative_to(PACKAGE)}:{line} {function} raises {name}"
            for path in sorted((PACKAGE / layer).glob("*.py")) for function, name, line in raises_in(path)
            if name in ("ValueError", "KeyError", "IndexError") and
            (path.relative_to(PACKAGE).as_posix(), function) not in PARSERS]
    assert bare == []


def test_the_app_shows_a_user_error_at_start_as_one_banner_line(monkeypatch):
    import IPython.display

    from xmpaudit.ui.app import dashboard

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    monkeypatch.setenv("XMPAUDIT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("XMPAUDIT_RETRIES", "0")
    assert dashboard() is None
    [banner] = shown
    assert banner.value.startswith("<p style='color:#D55E00'><b>✖ Cannot reach AEM at 127.0.0.1:9")
    assert "Traceback" not in banner.value and "\n" not in banner.value


@pytest.mark.parametrize("read, message", [
    (lambda client, tmp: take_inventory(client, "/content/dam", SyncArguments(), page_size=10**6),
     "page_size must be 1..1000"),
    (lambda client, tmp: take_inventory(client, "content/dam", SyncArguments()), "JCR path must be absolute"),
    (lambda client, tmp: audit_partitions(tmp), "holds no snapshot"),
    (lambda client, tmp: audit_partitions([]), "No snapshot folders to audit"),
], ids=["page size", "relative root", "no snapshot below", "no folder"])
def test_bad_input_to_reads_and_audits_is_a_config_error_before_any_request(read, message, tmp_path):
    client = AemClient(ConnectionSettings(url="http://127.0.0.1:9", retries=0))
    with pytest.raises(ConfigError, match=message):
        read(client, tmp_path)
    assert client.request_count == 0
