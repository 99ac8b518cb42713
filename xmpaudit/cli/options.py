"""What the verbs share: connection options, process arguments, the asset selection, printing."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from xmpaudit.aem.client import require_root as check
from xmpaudit.aem.connection import connect
from xmpaudit.aem.process_args import AS_GIVEN, given_process_args, resolve_process_args
from xmpaudit.aem.settings import PROFILE_VARIABLE, env_variable
from xmpaudit.aem.user_files import read_user_text
from xmpaudit.audit.fixlist import export_kind
from xmpaudit.audit.tables import cell_frame
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.number_words import counted

DEFAULT_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
DEFAULT_ROOT = "/content/dam/xmpaudit-demo"


def add_journal_option(parser: argparse.ArgumentParser, purpose: str = "journal file") -> None:
    """``--journal``, defaulting to the per-user journal every surface shares."""
    parser.add_argument("--journal", type=Path, default=None,
                        help=f"{purpose} (default: the per-user journal every surface shares, "
                             "$XMPAUDIT_JOURNAL or <data folder>/journal.jsonl)")


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AEM connection (default: XMPAUDIT_* variables, else the demo DAM)")
    group.add_argument("--url", help="AEM author URL")
    group.add_argument("--profile", help="profile name in ~/.config/xmpaudit/profiles.toml")
    group.add_argument("--user", help="user for basic auth (password from $XMPAUDIT_PASSWORD)")
    group.add_argument("--token-file", help="AEMaaCS local development token JSON")
    group.add_argument("--service-credentials", help="AEMaaCS service credentials JSON")
    group.add_argument("--process-args", default=None,
                       help="the ACS step's arguments: key=value lines, or a file holding them "
                            "(default: read from AEM's workflow models)")


def require_root(client: Any, root: str) -> None:
    check(client, root)


def client_for(args: argparse.Namespace) -> Any:
    password = os.environ.get("XMPAUDIT_PASSWORD") if args.user else None
    return connect(args.url, profile=args.profile, user=args.user, password=password, token_file=args.token_file,
                   service_credentials_file=args.service_credentials)


def connection_env(args: argparse.Namespace) -> dict[str, str]:
    """The connection options as the ``XMPAUDIT_*`` variables a child process (app kernel, papermill) reads;
    ``--url`` replaces a profile from the environment. Files are made absolute (the child has another cwd)."""
    env: dict[str, str] = {}
    overrides = [name for name, value in (("--user", args.user), ("--token-file", args.token_file),
                                          ("--service-credentials", args.service_credentials)) if value]
    if args.profile and not args.url and overrides:
        raise ConfigError(f"{', '.join(overrides)} with --profile: put them into the profile instead (this verb's "
                          "kernel reads the profile by name)")
    if args.url:
        env[env_variable("url")] = args.url
        env[PROFILE_VARIABLE] = ""
    if args.profile:
        env[PROFILE_VARIABLE] = args.profile
    if args.user:
        env[env_variable("user")] = args.user
    if args.token_file:
        env[env_variable("token_file")] = str(Path(args.token_file).expanduser().resolve())
    if args.service_credentials:
        env[env_variable("service_credentials_file")] = str(Path(args.service_credentials).expanduser().resolve())
    return env


def process_args_text(args: argparse.Namespace) -> str | None:
    """--process-args as text (read from the file it names, if it names one); None when not given."""
    return given_process_args(args.process_args, "--process-args")


def sync_arguments(args: argparse.Namespace, client: Any = None) -> Any:
    """The ACS arguments by their owner (aem/process_args): --process-args (text or a file) when given; else the
    workflow models in AEM (printing where they came from); else the process defaults."""
    sync_args, source = resolve_process_args(client, process_args_text(args))
    if source != AS_GIVEN and (client is not None or source.startswith(AS_GIVEN)):
        print(source)
    return sync_args


def asset_paths(args: argparse.Namespace, client: Any, sync_args: Any) -> list[str]:
    """Assets named by --assets-file, else the assets under --root with one of --status."""
    if args.assets_file:
        lines = read_assets_file(args.assets_file)
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]

    from xmpaudit.workspace.session import open_session  # the session's store, freshness rule and history

    verb = getattr(args, "command", "sync")
    session = open_session(None, args.root, sync_args.to_process_args(), journal=getattr(args, "journal", None),
                           show_progress=not args.quiet, client=client, surface=f"cli {verb}")
    result = session.audit()
    wanted = [s.strip() for s in args.status.split(",") if s.strip()]
    invalid = int((result.assets["status"] == "invalid").sum())
    if invalid and "invalid" not in wanted:
        print(f"{counted(invalid, 'invalid asset')} under {args.root} not chosen: the ACS process would fail on them "
              "(the Invalid sheet of `xmpaudit audit --export audit.xlsx` says why)")
    return result.assets.loc[result.assets["status"].isin(wanted), "path"].tolist()


def print_frame(frame: Any, limit: int = 30) -> None:
    """The first ``limit`` rows, numbers as every view words them (``tables.cell_frame``)."""
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        print(cell_frame(frame.head(limit)).to_string(index=False))
        if len(frame) > limit:
            print(f"… {len(frame) - limit} more rows")


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def read_assets_file(name: str) -> list[str]:
    """The lines of an --assets-file; a missing, unreadable, non-UTF-8 file or a folder is one ConfigError."""
    return read_user_text(name, "--assets-file").splitlines()


def check_output_paths(args: argparse.Namespace) -> None:
    """One ConfigError, before anything is read, when --out or --checkpoint names a file, --journal's parent (or
    the journal) is one, or an --export has an extension no export writes."""
    for path in getattr(args, "export", None) or []:
        export_kind(path)
    for option, folder in (("--out", getattr(args, "out", None)), ("--checkpoint", getattr(args, "checkpoint", None))):
        if folder and _file_on_the_way(Path(folder)):
            raise ConfigError(f"{option} {folder}: {_file_on_the_way(Path(folder))} is a file, not a folder")
    journal = getattr(args, "journal", None)
    if journal:
        if Path(journal).is_dir():
            raise ConfigError(f"--journal {journal} is a folder, not a journal file")
        blocking = _file_on_the_way(Path(journal).parent)
        if blocking:
            raise ConfigError(f"--journal {journal}: {blocking} is a file, not a folder")


def _file_on_the_way(folder: Path) -> Path | None:
    """The first existing non-folder on the way to (and including) ``folder``, if any."""
    for step in [*reversed(folder.parents), folder]:
        if step.exists() and not step.is_dir():
            return step
    return None
