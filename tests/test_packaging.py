"""Project hygiene: dependency lists agree, CI runs the README's test command."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("dependencies:") + 1
    conda = {_name(line.strip()[2:]) for line in lines[start:]
             if line.startswith("  - ") and not line.strip().startswith("- -")}
    conda -= {"python", "pip", "pip:"}
    assert conda == runtime


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "./dev.sh test" in readme and "./dev.sh run" in readme
    assert "./dev.sh test" in (ROOT / ".ci" / "run").read_text()
