"""The one door for the ACS step's arguments: as given, else read from AEM's workflow models, else the defaults."""

from __future__ import annotations

from pathlib import Path

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.user_files import read_user_text
from xmpaudit.aem.workflow_models import ACS_SYNC_LABEL, ProcessStep, read_process_steps
from xmpaudit.core.acs import SyncArguments, minimum_confidence_note
from xmpaudit.core.errors import AemError, ConfigError

MAX_PROCESS_ARGS_CHARS = 10_000
AS_GIVEN = "Process arguments: as given"


def given_process_args(given: str | Path | None, label: str = "the process arguments") -> str | None:
    """The given arguments as text: key=value lines, or read from the file they name; None when not given
    (None or blank), so the workflow models in AEM decide. ``label`` names them in errors (``--process-args``)."""
    if given is None or not str(given).strip():
        return None
    text = str(given)
    if len(text) > MAX_PROCESS_ARGS_CHARS:
        raise ConfigError(f"{label}: {len(text)} characters long (at most {MAX_PROCESS_ARGS_CHARS})")
    try:
        names_a_file = isinstance(given, Path) or Path(text).expanduser().is_file()
    except (OSError, ValueError):  # key=value lines too long or odd for a file name
        names_a_file = False
    return read_user_text(text, f"{label}: the file") if names_a_file else text


def discover_process_args(client: AemClient) -> list[ProcessStep]:
    """The steps (runtime first, then design) that run the ACS process "Synchronize Smart Tags to XMP
    Metadata Node", found by its class name or its process label."""
    steps = [s for s in read_process_steps(client) if s.is_acs_sync]
    return sorted(steps, key=lambda s: (s.kind != "runtime", s.model, s.step))


def resolve_process_args(client: AemClient | None, given: str | Path | None) -> tuple[SyncArguments, str]:
    """The arguments to audit and sync with, and where they came from (one line; a second line warns when the
    models disagree). Given text (or the file it names) wins; else the first runtime model's step; else (also
    without a client) the process defaults."""
    text = given_process_args(given)
    if text is not None:
        return SyncArguments.from_process_args(text), AS_GIVEN + _warning(minimum_confidence_note(text))
    if client is None:
        return SyncArguments(), "Process arguments: the process defaults (not given, AEM not asked)"
    try:
        steps = discover_process_args(client)
    except AemError as exc:
        return SyncArguments(), f"Process arguments: the process defaults (workflow models not readable: {exc})"
    if not steps:
        return SyncArguments(), ("Process arguments: the process defaults (no workflow model uses "
                                 f"{ACS_SYNC_LABEL!r})")
    parsed: list[tuple[ProcessStep, SyncArguments]] = []
    unusable: list[str] = []
    for step in steps:
        try:
            parsed.append((step, SyncArguments.from_process_args(step.args)))
        except ConfigError as exc:
            unusable.append(f"{step.describe()}: {exc}")
    if not parsed:
        return SyncArguments(), ("Process arguments: the process defaults (no usable model step)\nwarning: "
                                 + "; ".join(unusable))
    chosen, arguments = parsed[0]
    source = f"Process arguments: from {chosen.describe()}" + _warning(minimum_confidence_note(chosen.args))
    others = [f"{s.describe()}: {s.args.strip()!r}" for s, args in parsed[1:] if args != arguments] + unusable
    if others:
        source += ("\nwarning: workflow models disagree on the process arguments; using the first. Differing: "
                   + "; ".join(others))
    return arguments, source


def _warning(note: str) -> str:
    """A second line of the arguments' source naming a value the process does not read as written."""
    return f"\nwarning: {note}" if note else ""
