"""Just before a write sends: are the ACS step's arguments in AEM still those its preview was made with?"""

from __future__ import annotations

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.process_args import resolve_process_args
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError


def _values(args: SyncArguments) -> dict[str, str]:
    return dict(line.split("=", 1) for line in args.to_process_args().splitlines())


def changed_arguments(previewed: SyncArguments, now: SyncArguments) -> str:
    """One line naming each argument whose value changed ('' when none did)."""
    before, after = _values(previewed), _values(now)
    changes = [f"{key} is now {after[key]} in the workflow model (the preview used {before[key]})"
               for key in before if before[key] != after[key]]
    return "; ".join(changes) + ": preview again" if changes else ""


def check_arguments(client: AemClient, previewed: SyncArguments, *, read_from_aem: bool) -> None:
    """Re-read the step's arguments from AEM (only when the preview read them there, not when they were given)
    and refuse (``ConfigError``, one line, nothing sent) when they changed since the preview."""
    if not read_from_aem:
        return
    now, _ = resolve_process_args(client, None)
    why = changed_arguments(previewed, now)
    if why:
        raise ConfigError(why)
