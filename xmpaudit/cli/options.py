"""What the verbs share: connection options, process arguments, the asset selection, printing.

Light on purpose: the parsers import it for ``--help``, so what a verb needs from the package is imported inside
the helper that needs it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from xmpaudit.core.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from xmpaudit.aem.client import AemClient
    from xmpaudit.core.acs import SyncArguments

DEFAULT_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
DEFAULT_ROOT = "/content/dam/xmpaudit-demo"
# the files verbs write: option, its attribute, the extensions it takes (checked before anything is read)
OUTPUT_FILES = (("--csv", "csv", (".csv",)), ("--plot", "plot", (".png", ".svg", ".pdf")),
                ("--output", "output", (".ipynb",)))


def add_journal_option(parser: argparse.ArgumentParser, purpose: str = "journal file") -> None:
    """``--journal``, defaulting to the per-user journal every surface shares."""
    parser.add_argument("--journal", type=Path, default=None,
                        help=f"{purpose} (default: the per-user journal every surface shares, "
                             "$XMPAUDIT_JOURNAL or <data folder>/journal.jsonl)")


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """How to reach AEM (defaults from the ``XMPAUDIT_*`` variables, else the demo DAM) and the ACS arguments."""
    group = parser.add_argument_group("AEM connection (default: XMPAUDIT_* variables, else the demo DAM)")
    group.add_argument("--url", help="AEM author URL")
    group.add_argument("--profile", help="profile name in ~/.config/xmpaudit/profiles.toml")
    group.add_argument("--user", help="user for basic auth (password from $XMPAUDIT_PASSWORD)")
    group.add_argument("--token-file", help="AEMaaCS local development token JSON")
    group.add_argument("--service-credentials", help="AEMaaCS service credentials JSON")
    group.add_argument("--process-args", default=None,
                       help="the ACS step's arguments: key=value lines, or a file holding them "
                            "(default: read from AEM's workflow models)")


def add_freshness_options(parser: argparse.ArgumentParser) -> None:
    """Where the saved snapshot is and how old it may be before it is read again (the session's rules)."""
    parser.add_argument("--snapshot-dir", default=None,
                        help="keep the snapshot in this folder (default: the per-user snapshot store)")
    parser.add_argument("--max-age", default=None,
                        help="reuse a saved snapshot younger than this (600, 90s, 10min, 2h; default: "
                             "$XMPAUDIT_MAX_SNAPSHOT_AGE, else 10min) when nothing was journaled since")
    parser.add_argument("--refresh", action="store_true", help="take a new inventory even if a fresh one is saved")


def add_selection_options(parser: argparse.ArgumentParser, default_status: str) -> None:
    """Which assets a write verb takes: a folder and statuses, or a file of paths."""
    parser.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder (default: the demo folder)")
    parser.add_argument("--assets-file", help="file with one asset path per line (instead of --root/--status)")
    parser.add_argument("--status", default=default_status, help=f"statuses to pick under --root ({default_status})")


def add_writeback_options(parser: argparse.ArgumentParser) -> None:
    """The writeback workflow's model, concurrency and pre-flight override."""
    add_model_option(parser)
    parser.add_argument("--max-concurrent", type=int, default=4, help="workflows at a time (4)")
    parser.add_argument("--force", action="store_true", help="start the writeback despite pre-flight warnings")


def add_model_option(parser: argparse.ArgumentParser) -> None:
    """``--model``; its default (``aem.workflows.WRITEBACK_MODEL``) is filled in when the verb runs."""
    parser.add_argument("--model", default=None, help="writeback workflow model (default: AEM's DAM XMP writeback, "
                                                      "/var/workflow/models/dam-xmp-writeback)")


def fill_run_defaults(args: argparse.Namespace) -> None:
    """The defaults decided when a verb runs, so ``$XMPAUDIT_HOME``/``$XMPAUDIT_JOURNAL`` count and ``--help``
    imports nothing heavy: the per-user journal and the writeback model."""
    if getattr(args, "journal", "") is None:
        from xmpaudit.core.locations import default_journal_path

        args.journal = default_journal_path()
    if getattr(args, "model", "") is None:
        from xmpaudit.aem.workflows import WRITEBACK_MODEL

        args.model = WRITEBACK_MODEL


def client_for(args: argparse.Namespace) -> AemClient:
    """The AEM client the connection options describe."""
    from xmpaudit.aem.connection import connect

    password = os.environ.get("XMPAUDIT_PASSWORD") if args.user else None
    return connect(args.url, profile=args.profile, user=args.user, password=password, token_file=args.token_file,
                   service_credentials_file=args.service_credentials)


def connection_env(args: argparse.Namespace) -> dict[str, str]:
    """The connection options as the ``XMPAUDIT_*`` variables a child process (app kernel, papermill) reads;
    ``--url`` replaces a profile from the environment. Files are made absolute (the child has another cwd)."""
    from xmpaudit.aem.settings import PROFILE_VARIABLE, env_variable

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
    from xmpaudit.aem.process_args import given_process_args

    return given_process_args(args.process_args, "--process-args")


def sync_arguments(args: argparse.Namespace, client: AemClient | None = None) -> SyncArguments:
    """The ACS arguments by their owner (aem/process_args): --process-args (text or a file) when given; else the
    workflow models in AEM (printing where they came from); else the process defaults."""
    from xmpaudit.aem.process_args import AS_GIVEN, resolve_process_args

    sync_args, source = resolve_process_args(client, process_args_text(args))
    if source != AS_GIVEN and (client is not None or source.startswith(AS_GIVEN)):
        print(source)
    return sync_args


def asset_paths(args: argparse.Namespace, client: AemClient, sync_args: SyncArguments) -> list[str]:
    """Assets named by --assets-file, else the assets under --root with one of --status."""
    from xmpaudit.core.number_words import counted

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


def print_frame(frame: pd.DataFrame, limit: int = 30) -> None:
    """The first ``limit`` rows, numbers as every view words them (``tables.cell_frame``)."""
    import pandas as pd

    from xmpaudit.audit.tables import cell_frame
    from xmpaudit.core.number_words import counted

    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        print(cell_frame(frame.head(limit)).to_string(index=False))
        if len(frame) > limit:
            print(f"… {counted(len(frame) - limit, 'more row')}")


def print_table(frame: pd.DataFrame, limit: int = 30) -> None:
    """``print_frame`` with the headers in words (``tables.column_words``), as notebooks and reports show them."""
    import pandas as pd

    from xmpaudit.audit.tables import cell_frame, column_words
    from xmpaudit.core.number_words import counted

    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        print(cell_frame(frame.head(limit)).rename(columns=column_words).to_string(index=False))
        if len(frame) > limit:
            print(f"… {counted(len(frame) - limit, 'more row')}")


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
    from xmpaudit.aem.user_files import read_user_text

    return read_user_text(name, "--assets-file").splitlines()


def check_output_paths(args: argparse.Namespace) -> None:
    """One ConfigError, before anything is read, when --out or --checkpoint names a file, --journal's parent (or
    the journal) is one, an --export has an extension no export writes, or a file a verb writes (``OUTPUT_FILES``)
    cannot be written there."""
    exports = getattr(args, "export", None) or []
    if exports:
        from xmpaudit.audit.fixlist import export_kind

        for path in exports:
            export_kind(path)
    for option, attribute, suffixes in OUTPUT_FILES:
        if getattr(args, attribute, None):
            check_output_file(getattr(args, attribute), option, suffixes)
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


def check_output_file(name: str, option: str, suffixes: tuple[str, ...]) -> Path:
    """``name`` as a file a verb may write: one ConfigError when it is a folder, has another extension than
    ``suffixes``, or its folder is blocked by a file, cannot be created or is not writable. Creates the folder."""
    path = Path(name).expanduser()
    if path.is_dir():
        raise ConfigError(f"{option} {name} is a folder: name a file ({' or '.join(suffixes)})")
    if path.suffix.lower() not in suffixes:
        raise ConfigError(f"{option} {name} must end in {' or '.join(suffixes)}")
    blocking = _file_on_the_way(path.parent)
    if blocking:
        raise ConfigError(f"{option} {name}: {blocking} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{option} {name}: cannot create the folder {path.parent} ({exc.strerror})") from None
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"{option} {name}: no permission to write there")
    return path


def _file_on_the_way(folder: Path) -> Path | None:
    """The first existing non-folder on the way to (and including) ``folder``, if any."""
    for step in [*reversed(folder.parents), folder]:
        if step.exists() and not step.is_dir():
            return step
    return None
