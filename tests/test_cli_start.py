"""The CLI answers at once: the parser imports no verb's code, every verb is registered one way, helpers typed."""

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xmpaudit.cli.main import VERB_GROUPS, build_parser
from xmpaudit.cli.verb import Verb

CLI = Path(__file__).resolve().parents[1] / "xmpaudit" / "cli"
HEAVY = ("pandas", "matplotlib", "nbformat", "requests", "numpy")


def _modules_after(code: str) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = (f"import sys\n{code}\n"
             f"print('HEAVY=' + __import__('json').dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    line = [x for x in done.stdout.splitlines() if x.startswith("HEAVY=")][-1]
    return json.loads(line.removeprefix("HEAVY="))


def test_importing_the_cli_imports_no_heavy_library():
    assert _modules_after("import xmpaudit.cli.main") == []


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["sync", "--help"], ["app", "--help"]])
def test_help_and_version_import_no_heavy_library(argv):
    code = ("from xmpaudit.cli.main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass")
    assert _modules_after(code) == []


def test_version_is_printed(capsys):
    from xmpaudit.core.version import __version__

    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"xmpaudit {__version__}"


def _verbs() -> dict:
    return next(a.choices for a in build_parser()._actions if a.choices and "audit" in a.choices)


def test_every_verb_runs_a_function_of_a_verbs_module():
    verbs = _verbs()
    assert list(verbs) == ["inventory", "audit", "what-if", "sync", "writeback", "undo", "cleanup",
                           "notebook-report", "simulator", "lab", "app", "demo"]
    for name, parser in verbs.items():
        run = parser.get_default("func")
        assert isinstance(run, Verb), name
        assert run.module.endswith("_verbs") and callable(getattr(importlib.import_module(run.module), run.function))


def test_every_verb_group_registers_one_way():
    for group in VERB_GROUPS:
        source = Path(group.__file__).read_text(encoding="utf-8")
        assert callable(group.register) and "add_parser(" not in source and "set_defaults(" not in source


def test_writeback_model_default_is_decided_by_its_owner():
    from xmpaudit.aem.workflows import WRITEBACK_MODEL
    from xmpaudit.cli.options import fill_run_defaults

    args = build_parser().parse_args(["sync", "--journal", "j.jsonl"])
    assert args.model is None
    fill_run_defaults(args)
    assert args.model == WRITEBACK_MODEL
    assert WRITEBACK_MODEL in _verbs()["sync"].format_help().replace("\n", "").replace(" ", "")


def test_cli_functions_are_short_and_typed_without_any():
    for path in CLI.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 60, f"{path.name}:{node.name}"
            if isinstance(node, ast.Name):
                assert node.id != "Any", f"{path.name}:{node.lineno} uses Any"
