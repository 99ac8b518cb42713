"""Runs in flight, visible to every user: a lease node in AEM per write run (run id, owner, host, pid, expiry).

A run writes its lease before its first move and removes it at its end; cleanup and undo leave alone the backups
of a run whose lease is live (not expired, and not a process on this machine known to be gone)."""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.dates import moment_words
from xmpaudit.core.errors import AemError, AemNotFoundError
from xmpaudit.core.jcrpath import validate_path

LEASES = "/etc/xmpaudit/runs"
LEASE_TIME = timedelta(hours=1)  # renewed while the run sends; a crashed run's lease ends this long after
RENEW_AFTER = timedelta(minutes=20)


def run_key(run: str) -> str:
    """The part of a run id its backup nodes carry (``xmpaudit-backup-<key>``) and its lease is named by."""
    return run.rsplit("-", 1)[-1]


@dataclass
class Lease:
    """One run's lease: who runs it, where, and until when it counts as in flight."""

    run: str
    owner: str
    host: str
    pid: int
    expires: datetime

    @property
    def path(self) -> str:
        return f"{LEASES}/{run_key(self.run)}"

    def live(self, now: datetime | None = None) -> bool:
        """Whether the run may still be in flight: not expired, and not a process of this machine that is gone."""
        if (now or datetime.now(timezone.utc)) >= self.expires:
            return False
        return not (self.host == socket.gethostname() and not _process_alive(self.pid))

    def words(self) -> str:
        return f"run {self.run} of {self.owner} on {self.host} is in flight (lease until {moment_words(self.expires)})"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def take(client: AemClient, run: str) -> Lease:
    """Write ``run``'s lease (before its first move): raises AemError when AEM refuses it (nothing moved yet)."""
    lease = Lease(run, getpass.getuser(), socket.gethostname(), os.getpid(),
                  datetime.now(timezone.utc) + LEASE_TIME)
    renew(client, lease)
    return lease


def renew(client: AemClient, lease: Lease) -> None:
    """Write (or push back the expiry of) ``lease``."""
    lease.expires = datetime.now(timezone.utc) + LEASE_TIME
    name = run_key(lease.run)
    client.sling_post(LEASES, [(f"{name}/run", lease.run), (f"{name}/owner", lease.owner),
                               (f"{name}/host", lease.host), (f"{name}/pid", str(lease.pid)),
                               (f"{name}/pid@TypeHint", "Long"), (f"{name}/expires", lease.expires.isoformat())])


def renew_if_due(client: AemClient, lease: Lease) -> None:
    """Renew when less than ``LEASE_TIME - RENEW_AFTER`` is left."""
    if lease.expires - datetime.now(timezone.utc) < LEASE_TIME - RENEW_AFTER:
        renew(client, lease)


def release(client: AemClient, lease: Lease) -> str:
    """Remove the lease at the run's end: '' or why it could not be removed (it then expires by itself)."""
    try:
        client.sling_post(LEASES, [(":operation", "delete"), (":applyTo", validate_path(lease.path))])
    except AemError as exc:
        return f"the run's lease {lease.path} could not be removed ({exc}); it expires at {moment_words(lease.expires)}"
    return ""


def live_leases(client: AemClient) -> dict[str, Lease]:
    """The leases of runs that may be in flight, by run key (a lease that cannot be read counts as none)."""
    try:
        body = client.get_json(f"{LEASES}.1.json")
    except AemNotFoundError:
        return {}
    found = {}
    for name, node in (body or {}).items():
        lease = _lease_of(node)
        if lease is not None and lease.live():
            found[name] = lease
    return found


def _lease_of(node: Any) -> Lease | None:
    if not isinstance(node, dict):
        return None
    try:
        return Lease(str(node["run"]), str(node.get("owner", "")), str(node.get("host", "")),
                     int(node.get("pid", 0)), datetime.fromisoformat(str(node["expires"])))
    except (KeyError, ValueError):
        return None
