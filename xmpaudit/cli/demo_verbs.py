"""``xmpaudit demo status|stop|reset``: the per-user demo DAM every surface without settings shares."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from xmpaudit.aem.demo_dam import (
    DEFAULT_ASSETS,
    DEFAULT_SEED,
    DEFAULT_WORKFLOW_SECONDS,
    DemoDam,
    answers,
    read_record,
    record_path,
    reset_demo,
    shared_demo,
    stop_demo,
)
from xmpaudit.core.dates import moment_words, parse_moment
from xmpaudit.core.number_words import counted
from xmpaudit.workspace.freshness import age_words


def since_words(started_at: str) -> str:
    """When a demo DAM started and how long ago (``6 Dec 2026, 13:50 UTC, 12 min ago``), as the kit words moments
    and ages (``core.dates.moment_words``, ``freshness.age_words``)."""
    started = parse_moment(started_at)
    if started is None:
        return started_at
    return f"{moment_words(started)}, {age_words(datetime.now(timezone.utc) - started)} ago"


def dam_words(dam: DemoDam) -> str:
    """One line on a demo DAM: URL, pid, since when, how many assets."""
    return f"{dam.url} (pid {dam.pid}), running since {since_words(dam.started_at)}, {counted(dam.assets, 'asset')}"


def cmd_demo(args: argparse.Namespace) -> int:
    if args.action == "stop":
        stopped = stop_demo()
        print(f"Stopped the demo DAM at {stopped.url} (pid {stopped.pid})." if stopped else "No demo DAM was running.")
        return 0
    if args.action == "reset":
        dam = reset_demo(args.assets, args.seed)
        print(f"A fresh demo DAM: {dam_words(dam)}")
        return 0
    dam = read_record()
    if dam is None:
        print("No demo DAM is running; one starts when a command, notebook or the app runs without settings.")
        return 1
    if not answers(dam):
        print(f"The demo DAM recorded at {dam.url} (pid {dam.pid}) does not answer; the next use starts a new one.")
        return 1
    print(f"Demo DAM: {dam_words(dam)}\nRecord: {record_path()} (stop it with `xmpaudit demo stop`)")
    return 0


def use_shared_demo(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Point ``env`` (a child process's environment) at the user's demo DAM when it names no AEM; ``args`` give
    its size and workflow speed if it has to be started."""
    if env.get("XMPAUDIT_URL") or env.get("XMPAUDIT_PROFILE"):
        return
    dam, note = shared_demo(getattr(args, "assets", DEFAULT_ASSETS), getattr(args, "seed", DEFAULT_SEED),
                            getattr(args, "workflow_seconds", DEFAULT_WORKFLOW_SECONDS))
    env.update(XMPAUDIT_URL=dam.url, XMPAUDIT_USER="admin", XMPAUDIT_PASSWORD="admin")
    asked = getattr(args, "assets", DEFAULT_ASSETS)
    if not note and dam.assets != asked:
        note = f"already running; `xmpaudit demo reset --assets {asked}` for one of {counted(asked, 'asset')}"
    print(f"Your demo DAM: {dam_words(dam)}{f' ({note})' if note else ''}; `xmpaudit demo stop` ends it.",
          flush=True)
