"""Mutation report (not in CI): cosmic-ray mutates the write path, the client's retry rules, the workflow-model
rules, the snapshot freshness rules and the audit's classifier in a scratch copy of the tree, runs the fast tests
that cover each, and prints the surviving mutants.

    PYTHONPATH=. python benchmarks/mutation_report.py            # every target (an hour or more on 2 cores)
    PYTHONPATH=. python benchmarks/mutation_report.py --budget 600 freshness compare   # at most 10 min per target
    PYTHONPATH=. python benchmarks/mutation_report.py --count    # only count the mutants each target would run
    PYTHONPATH=. python benchmarks/mutation_report.py journal    # one target by name
    PYTHONPATH=. python benchmarks/mutation_report.py --keep; … add tests …; … --survivors-of /tmp/xmpaudit-mutation-…

Only the functions named per target are mutated (the rules the README states), with the operators that model a
rule being broken (comparisons, membership, boolean constants and connectives, negation, numbers, loops that do
not run, exceptions that are not caught); arithmetic-operator swaps are left out to keep one run bounded. The
working tree is never touched: mutants are applied to a copy under a temporary folder. Results go to
benchmarks/RESULTS.md by hand, with the analysis of each survivor (a gap in the tests or an equivalent mutant).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# A comparison is turned into its negation or moved across its boundary (not into every other comparison).
COMPARISONS = ("Eq_NotEq", "NotEq_Eq", "In_NotIn", "NotIn_In", "Is_IsNot", "IsNot_Is", "Lt_GtE", "Lt_LtE",
               "LtE_Gt", "LtE_Lt", "Gt_LtE", "Gt_GtE", "GtE_Lt", "GtE_Gt")
KEPT_OPERATORS = (*(f"ReplaceComparisonOperator_{c}$" for c in COMPARISONS), "AddNot", "ReplaceTrueWithFalse",
                  "ReplaceFalseWithTrue", "ReplaceAndWithOr", "ReplaceOrWithAnd", "NumberReplacer",
                  "ZeroIterationForLoop", "ExceptionReplacer", "ReplaceBreakWithContinue", "ReplaceContinueWithBreak")
FLAKY = ["tests/test_sync.py::test_failed_batch_is_journaled_and_loses_nothing"]  # batch order under folder pages
SYNC_TESTS = ("tests/test_sync.py", "tests/test_sync_faults.py", "tests/test_batch_caps.py",
              "tests/test_sync_refused_writes.py", "tests/test_sync_step_failures.py")
SYNC_READS = "not pages"  # the sync tests once (guard reads by path), not also with folder pages: one run stays bounded


@dataclass(frozen=True)
class Target:
    """One module, the functions (or classes) of it to mutate ('' = module level), and the tests that cover them."""

    name: str
    module: str
    functions: tuple[str, ...]
    tests: tuple[str, ...]
    select: str = ""  # pytest -k expression


TARGETS = (
    Target("client", "xmpaudit/aem/client.py",
           ("", "_AemRetry", "_retry", "AemClient.__init__", "AemClient.request", "AemClient.post", "_never_connected",
            "_request_error", "error_for_response"),
           ("tests/test_client_retries.py", "tests/test_client.py")),
    Target("journal", "xmpaudit/write/journal.py", ("Journal.append", "Journal._cut_torn_tail", "Journal.read",
                                                    "_write_all", "Journal.last_runs_of"),
           ("tests/test_journal.py", "tests/test_journal_durability.py", "tests/test_undo_selected_rows.py")),
    Target("sling_params", "xmpaudit/write/sling_params.py", ("", "plan_batches", "guarded_params", "guarded_post"),
           SYNC_TESTS, SYNC_READS),
    Target("apply", "xmpaudit/write/apply.py", ("apply_plan", "_as_previewed", "_remove_ghosts", "_stale_reason"),
           SYNC_TESTS, SYNC_READS),
    Target("settle", "xmpaudit/write/settle.py", ("settle", "_put_back", "_verify"), SYNC_TESTS, SYNC_READS),
    Target("workflow_models", "xmpaudit/aem/workflow_models.py", ("read_process_steps", "read_launchers"),
           ("tests/test_workflow_models.py", "tests/test_writeback.py")),
    Target("freshness", "xmpaudit/workspace/freshness.py",
           ("stamp_reads", "max_snapshot_age", "reads_began", "data_since", "_earliest", "journaled_since", "decide"),
           ("tests/test_freshness.py",)),
    Target("compare", "xmpaudit/audit/compare.py", ("_names_differ", "_invalid", "invalid_reasons", "audit"),
           ("tests/test_audit.py", "tests/test_statuses_and_words.py", "tests/test_audit_ids.py"), "not e2e"),
    Target("expected", "xmpaudit/audit/expected.py", ("in_the_way", "keep_keys", "expected_tags"),
           ("tests/test_audit.py", "tests/test_statuses_and_words.py", "tests/test_audit_ids.py"), "not e2e"),
)


def line_ranges(source: str, functions: tuple[str, ...]) -> list[str]:
    """'start-end' line ranges of the named functions/classes ('' = module-level statements that are not defs)."""
    tree = ast.parse(source)
    ranges = []
    for wanted in functions:
        if wanted == "":
            ranges += [f"{n.lineno}-{n.end_lineno}" for n in tree.body
                       if not isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))]
            continue
        scope: list[ast.stmt] = tree.body
        node = None
        for part in wanted.split("."):
            node = next(n for n in scope if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part)
            scope = node.body
        assert node is not None
        ranges.append(f"{node.lineno}-{node.end_lineno}")
    return ranges


def write_config(work: Path, target: Target, timeout: float) -> Path:
    source = (work / target.module).read_text()
    deselect = " ".join(f"--deselect {t}" for t in FLAKY)
    select = f"-k '{target.select}'" if target.select else ""
    command = f"{BIN / 'python'} -m pytest -x -q -p no:cacheprovider {deselect} {select} {' '.join(target.tests)}"
    excluded = ["core/(?!" + "|".join(KEPT_OPERATORS) + ")"]
    config = work / f"{target.name}.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(target.module)}\n"
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n\n"
        "[cosmic-ray.distributor]\nname = \"local\"\n\n"
        f"[cosmic-ray.filters.operators-filter]\nexclude-operators = {json.dumps(excluded)}\n\n"
        f"[cosmic-ray.filters.line-filter.lines]\n{json.dumps(target.module)} = "
        f"{json.dumps(line_ranges(source, target.functions))}\n"
    )
    return config


def run(args: list[str], work: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(work), "MPLBACKEND": "Agg"}
    done = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def run_for(args: list[str], work: Path, budget: float | None) -> None:
    """Run ``args`` (cosmic-ray exec) for at most ``budget`` seconds, then stop it and the test run it started:
    the mutants done by then keep their results, the others stay pending (reported as not run)."""
    env = {**os.environ, "PYTHONPATH": str(work), "MPLBACKEND": "Agg"}
    process = subprocess.Popen(args, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        process.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    stop_strays(work)


def stop_strays(work: Path) -> None:
    """Stop test runs still working in ``work``: cosmic-ray's runner may start them in a session of their own, out
    of the group stopped above (one was found still running a hung mutant an hour later)."""
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(entry / "cwd")).is_relative_to(work):
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue  # gone, not ours, or no /proc here


def session_results(work: Path, session: Path) -> list[dict]:
    rows = []
    for line in run([str(BIN / "cosmic-ray"), "dump", str(session)], work).splitlines():
        item, result = json.loads(line)
        mutation = item["mutations"][0]
        rows.append({"line": mutation["start_pos"][0], "operator": mutation["operator_name"].removeprefix("core/"),
                     "occurrence": mutation["occurrence"], "worker": (result or {}).get("worker_outcome"),
                     "test": (result or {}).get("test_outcome")})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help=f"names ({', '.join(t.name for t in TARGETS)}); default all")
    parser.add_argument("--count", action="store_true", help="only count the mutants per target")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant's test run")
    parser.add_argument("--budget", type=float, metavar="SECONDS",
                        help="stop each target's run after this long (the mutants not run are counted as such)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (its sessions, for cr-report)")
    parser.add_argument("--survivors-of", type=Path, metavar="DIR",
                        help="re-run only the mutants that survived in the sessions kept in DIR (after adding tests)")
    options = parser.parse_args()
    chosen = [t for t in TARGETS if not options.targets or t.name in options.targets]
    work = Path(tempfile.mkdtemp(prefix="xmpaudit-mutation-"))
    try:
        for part in ("xmpaudit", "tests", "pyproject.toml"):
            copy = shutil.copytree if (ROOT / part).is_dir() else shutil.copy2
            copy(ROOT / part, work / part)
        print("| module | mutants | run | killed | survived | timeout | seconds |\n|---|---|---|---|---|---|---|")
        survivors = []
        for target in chosen:
            config = write_config(work, target, options.timeout)
            session = work / f"{target.name}.sqlite"
            if options.survivors_of:
                shutil.copy2(options.survivors_of / session.name, session)
                with sqlite3.connect(session) as db:
                    db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")
            else:
                run([str(BIN / "cosmic-ray"), "init", str(config), str(session)], work)
                run([str(BIN / "cr-filter-operators"), str(session), str(config)], work)
                run([str(BIN / "cr-filter-lines"), "--config", str(config), str(session)], work)
            pending = [r for r in session_results(work, session) if r["worker"] is None]
            if options.count:
                print(f"| {target.module} | {len(pending)} | | | | | |", flush=True)
                continue
            started = time.monotonic()
            run_for([str(BIN / "cosmic-ray"), "exec", str(config), str(session)], work, options.budget)
            every = [r for r in session_results(work, session) if r["worker"] != "skipped"]
            rows = [r for r in every if r["worker"] is not None]
            killed = sum(r["test"] == "killed" for r in rows)
            timeouts = sum(r["worker"] == "timeout" for r in rows)
            lost = [r for r in rows if r["test"] == "survived"]
            source = (ROOT / target.module).read_text().splitlines()
            survivors += [(target.module, r["line"], r["operator"], source[r["line"] - 1].strip()) for r in lost]
            print(f"| {target.module} | {len(every)} | {len(rows)} | {killed} | {len(lost)} | {timeouts} | "
                  f"{time.monotonic() - started:.0f} |", flush=True)
        if survivors:
            print("\n| module | line | operator | code |\n|---|---|---|---|")
            for module, line, operator, code in survivors:
                print(f"| {module} | {line} | {operator} | `{code[:90]}` |")
    finally:
        if options.keep:
            print(f"\nsessions kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
