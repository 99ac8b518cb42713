"""A run's lease (write/lease.py): live until it expires, and not for a process of this machine that is gone;
written, read by any client and removed on the simulator."""

import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from xmpaudit.write.lease import Lease, live_leases, release, run_key, take


def lease(expires_in: float, pid: int | None = None, host: str | None = None) -> Lease:
    return Lease("sync-20260101T000000Z-abc123", "someone", host or socket.gethostname(), pid or os.getpid(),
                 datetime.now(timezone.utc) + timedelta(seconds=expires_in))


def test_a_lease_is_live_until_it_expires():
    assert lease(60).live() and not lease(-1).live()


def test_a_lease_of_a_process_of_this_machine_that_is_gone_is_not_live():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert not lease(3600, pid=int(gone.stdout)).live()
    assert lease(3600, pid=int(gone.stdout), host="another-machine").live()  # elsewhere: only expiry tells


@pytest.mark.e2e
def test_a_lease_is_seen_by_another_client_and_gone_once_released(simulator, client):
    from tests.conftest import client_for

    taken = take(client, "sync-20260101T000000Z-abc123")
    with client_for(simulator) as other:
        seen = live_leases(other)
        assert list(seen) == [run_key(taken.run)] and seen["abc123"].run == taken.run
        assert seen["abc123"].pid == os.getpid()
    assert release(client, taken) == "" and live_leases(client) == {}
