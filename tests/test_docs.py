"""The docs are true: every test, file, CLI verb and option, and public name that the README and docs/ name exists
(cited tests and paths in benchmarks/ too);
the README stays a front door; the notebooks import only the public face and are stored without outputs."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import xmpaudit
from xmpaudit.cli.main import build_parser

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BENCHMARK_PAGES = sorted((REPO / "benchmarks").glob("*.md"))  # results and how to run: cited tests and paths too
CITING_PAGES = [*PAGES, *BENCHMARK_PAGES]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
README_MAX_LINES = 200

CITATION = re.compile(r"`(tests/[\w/]+\.py)::([\w\[\]\-.]+)(?:::(\w+))?`")
BARE_TEST = re.compile(r"(?<![:\w/])`(test_\w+)`")
REPO_PATH = re.compile(r"`((?:tests|xmpaudit|docs|notebooks|benchmarks)/[^`\s:]*)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
PUBLIC_IMPORT = re.compile(r"from xmpaudit import \(?([\w\s,]+?)\)?(?:\n(?!\s)|$|#)", re.S)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
CODE_BLOCK = re.compile(r"```\w*\n(.*?)```", re.S)
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def page_text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def where(page: Path) -> str:
    return str(page.relative_to(REPO))


@cache
def defined_tests(file: str) -> frozenset[str]:
    """Test functions and ``Class::method`` names defined in one test file."""
    tree = ast.parse((REPO / file).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names |= {f"{node.name}::{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
    return frozenset(names)


def test_every_cited_test_exists():
    missing = []
    for page in CITING_PAGES:
        for file, name, method in CITATION.findall(page_text(page)):
            test = name.split("[")[0] + (f"::{method}" if method else "")
            if not (REPO / file).is_file() or test not in defined_tests(file):
                missing.append(f"{where(page)}: {file}::{test}")
    assert not missing, "cited tests that do not exist:\n" + "\n".join(missing)


def test_tests_are_cited_in_the_one_form():
    bare = [f"{where(page)}: `{name}` (write `tests/<file>.py::{name}`)"
            for page in CITING_PAGES for name in BARE_TEST.findall(page_text(page))]
    assert not bare, "tests cited without their file:\n" + "\n".join(bare)


def test_every_repository_path_and_link_the_docs_name_exists():
    missing = []
    for page in CITING_PAGES:
        text = page_text(page)
        for path in REPO_PATH.findall(text):
            pattern = any(c in path for c in "<{*…")  # such as tests/test_<module>.py
            if not pattern and not (REPO / path).exists():
                missing.append(f"{where(page)}: `{path}`")
        for target in LINK.findall(text):
            if "://" not in target and not (page.parent / target).exists():
                missing.append(f"{where(page)}: link ({target})")
    assert not missing, "paths and links to nothing:\n" + "\n".join(missing)


def _parser_options() -> tuple[dict[str, set[str]], set[str]]:
    """Each verb's options, and the options before the verb."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    verbs = {verb: {o for a in p._actions for o in a.option_strings} for verb, p in sub.choices.items()}
    return verbs, {o for a in parser._actions for o in a.option_strings}


def _commands(text: str) -> list[str]:
    """Every ``xmpaudit …`` command line in a page: in code blocks and in inline code."""
    lines = [line for block in CODE_BLOCK.findall(text) for line in block.splitlines()]
    lines += CODE_SPAN.findall(CODE_BLOCK.sub("", text))
    commands = []
    for line in lines:
        match = re.search(r"(?:^|[\s/])(?<!from )xmpaudit ((?:-q )?[a-z][\w-]*.*)", line.split("#")[0])
        if match:
            commands.append(match.group(1).strip())
    return commands


def test_every_cli_verb_and_option_the_docs_mention_exists():
    verbs, global_options = _parser_options()
    every_option = set(global_options).union(*verbs.values())
    wrong = []
    for page in PAGES:
        text = page_text(page)
        for command in _commands(text):
            words = command.split()
            verb = next(w for w in words if not w.startswith("-"))
            if verb not in verbs:
                wrong.append(f"{where(page)}: verb {verb!r} in `xmpaudit {command}`")
                continue
            wrong += [f"{where(page)}: {o} is not an option of `xmpaudit {verb}`"
                      for o in OPTION.findall(command) if o not in verbs[verb] | global_options]
        for span in CODE_SPAN.findall(text):
            if span.startswith("--"):
                wrong += [f"{where(page)}: {o} is no option of any verb"
                          for o in OPTION.findall(span.split()[0]) if o not in every_option]
    assert not wrong, "CLI in the docs that the parser does not have:\n" + "\n".join(wrong)


def test_every_verb_has_an_example_or_a_reference_in_the_cli_page():
    verbs, _ = _parser_options()
    page = page_text(REPO / "docs" / "cli.md")
    assert all(f"### `xmpaudit {verb}`" in page for verb in verbs), "run python docs/make_cli_reference.py"


def _cli_reference_module():
    spec = importlib.util.spec_from_file_location("make_cli_reference", REPO / "docs" / "make_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_generated_from_the_parser():
    tool = _cli_reference_module()
    written = tool.generated_block(page_text(REPO / "docs" / "cli.md"))
    assert written == tool.reference(), "docs/cli.md is out of date: run python docs/make_cli_reference.py"


def _notebook_code(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def test_every_imported_name_is_public():
    sources = [(where(page), page_text(page)) for page in PAGES]
    sources += [(where(nb), code) for nb in NOTEBOOKS for code in _notebook_code(nb)]
    public = set(xmpaudit.__all__)
    unknown = [f"{origin}: {name}" for origin, text in sources for names in PUBLIC_IMPORT.findall(text)
               for name in re.split(r"[\s,]+", names.strip()) if name and name not in public]
    assert not unknown, "imported from xmpaudit but not public (add to _OWNERS):\n" + "\n".join(unknown)


def test_examples_import_only_from_the_public_face():
    sources = [(where(page), block) for page in PAGES for block in CODE_BLOCK.findall(page_text(page))]
    sources += [(where(nb), code) for nb in NOTEBOOKS for code in _notebook_code(nb)]
    inner = [f"{origin}: {line.strip()}" for origin, text in sources for line in text.splitlines()
             if re.match(r"\s*(from xmpaudit\.\w|import xmpaudit\.)", line)]
    assert not inner, "examples and notebooks import internal modules:\n" + "\n".join(inner)


def test_the_api_table_lists_every_public_name():
    page = page_text(REPO / "docs" / "python-api.md")
    listed = set(re.findall(r"`(\w+)`", page.split("## The public names", 1)[1]))
    assert set(xmpaudit._OWNERS) <= listed, f"not in docs/python-api.md: {sorted(set(xmpaudit._OWNERS) - listed)}"


def test_readme_is_a_front_door():
    lines = page_text(REPO / "README.md").splitlines()
    assert len(lines) < README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"
    assert "![" in page_text(REPO / "README.md"), "the README shows a screenshot"


def test_benchmark_tables_live_only_in_results():
    header = re.compile(r"^\|.*\b(wall s|peak RSS|req/asset|requests per)\b.*\|$", re.M | re.I)
    copies = [where(page) for page in PAGES if header.search(page_text(page))]
    assert not copies, f"benchmark tables outside benchmarks/RESULTS.md: {copies}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda nb: nb.stem)
def test_notebooks_are_stored_without_outputs(notebook):
    document = json.loads(notebook.read_text(encoding="utf-8"))
    code = [cell for cell in document["cells"] if cell["cell_type"] == "code"]
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)
    assert "widgets" not in document.get("metadata", {}), "widget state stored"


@pytest.mark.e2e
def test_python_api_examples_run(tmp_path, xmpaudit_home):
    """The code blocks of docs/python-api.md, run as one script against the embedded demo DAM."""
    blocks = CODE_BLOCK.findall(page_text(REPO / "docs" / "python-api.md"))
    script = tmp_path / "examples.py"
    script.write_text("\n".join(blocks) + "\nprint('examples ran')\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XMPAUDIT_")}
    env.update(PYTHONPATH=str(REPO), MPLBACKEND="Agg", XMPAUDIT_HOME=str(xmpaudit_home))  # its demo DAM ends with it
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.rstrip().endswith("examples ran")
    assert (tmp_path / "journals" / "xmpaudit.jsonl").is_file()


def test_cli_reference_names_no_path_of_this_checkout():
    """The generated reference is the same on every clone: no default holds where the kit happens to live."""
    reference = _cli_reference_module().reference()
    assert str(REPO) not in reference
    assert str(Path.home()) not in reference
