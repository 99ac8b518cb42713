"""The session every surface opens: login check, the per-user journal and snapshot store, a saved snapshot reused
only while young and with nothing journaled under its folder since (else refreshed, incrementally after a journaled
write, fully when too old), the banner saying which and why, and the previous snapshot's counts."""

import json
import re
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.aem.connection import check_login
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemAuthError, AemConnectionError, AemNotFoundError
from xmpaudit.core.locations import default_journal_path, snapshots_home
from xmpaudit.read.snapshot_store import SnapshotStore
from xmpaudit.workspace.freshness import DATA_SINCE, READS_BEGAN
from xmpaudit.workspace.history import read_history
from xmpaudit.workspace.session import open_session
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync


def session(simulator, tmp_path, **kwargs):
    kwargs.setdefault("snapshot_dir", tmp_path / "snap")
    return open_session(root=DEMO_ROOT, show_progress=False, client=client_for(simulator), **kwargs)


def delete_xmp_behind_their_backs(simulator, asset):
    """A plain Sling POST, as another tool would send: no journal, and no jcr:lastModified change."""
    client_for(simulator).post(f"{asset}/jcr:content/metadata/dam:predictedTags", {":operation": "delete"})


def test_login_check_says_what_is_wrong(simulator):
    check_login(client_for(simulator), DEMO_ROOT)
    with pytest.raises(AemAuthError, match=r"Login to http://127\.0\.0\.1:\d+ refused \(HTTP 401\)"):
        check_login(client_for(simulator, password="wrong"), DEMO_ROOT)
    with pytest.raises(AemNotFoundError, match="/content/dam/nope does not exist on"):
        check_login(client_for(simulator), "/content/dam/nope")
    dead = client_for(simulator)
    dead.base_url = "http://127.0.0.1:9"
    with pytest.raises(AemConnectionError, match="Cannot reach AEM"):
        check_login(dead, DEMO_ROOT)


def test_defaults_are_the_per_user_journal_and_snapshot_store(simulator, xmpaudit_home):
    first = session(simulator, xmpaudit_home, snapshot_dir=None)
    assert first.journal == default_journal_path() == xmpaudit_home / "journal.jsonl"
    assert first.snapshot_dir.parent == SnapshotStore.of(simulator.url, DEMO_ROOT).folder
    assert first.snapshot_dir.is_relative_to(snapshots_home())
    assert f"Journal: {xmpaudit_home / 'journal.jsonl'}" in first.banner_text()
    again = session(simulator, xmpaudit_home, snapshot_dir=None)
    assert again.origin == "saved snapshot" and again.snapshot_dir == first.snapshot_dir


def test_saved_snapshot_reused_only_when_fresh_and_of_the_same_source(simulator, tmp_path):
    first = session(simulator, tmp_path)
    assert first.origin == "new inventory" and not first.notes
    assert "(no saved snapshot of this AEM and folder)" in first.banner_text()
    assert "login OK" in first.banner_text() and f"Folder: {DEMO_ROOT}" in first.banner_text()
    first.audit()
    again = session(simulator, tmp_path)
    assert again.origin == "saved snapshot" and again.snapshot.meta["taken_at"] == first.snapshot.meta["taken_at"]
    assert "nothing journaled under the folder since it was read" in again.banner_text()
    forced = session(simulator, tmp_path, refresh=True)
    assert forced.origin == "new inventory" and "a new inventory was asked for" in forced.banner_text()
    moved = json.loads((tmp_path / "snap" / "snapshot.json").read_text())
    (tmp_path / "snap" / "snapshot.json").write_text(json.dumps({**moved, "source": "http://other:4502"}))
    elsewhere = session(simulator, tmp_path)
    assert elsewhere.origin == "new inventory"
    assert "was not used: it was taken from another AEM (http://other:4502)" in elsewhere.banner_text()
    named = session(simulator, tmp_path, process_args="sequenceName=dam:otherTags")
    assert named.origin == "new inventory" and "other ACS process arguments" in named.banner_text()


def test_a_journaled_sync_under_the_folder_is_read_again_incrementally(simulator, tmp_path):
    first = session(simulator, tmp_path)
    before = first.audit().counts()
    missing = first.audit().fixable()
    missing = missing.loc[missing["status"] == "missing_xmp", "path"].tolist()[:3]
    client = client_for(simulator)
    assert apply_plan(client, plan_sync(client, missing, SyncArguments()), Journal(first.journal),
                      show_progress=False).ok
    second = session(simulator, tmp_path)
    assert second.origin == "refreshed incrementally"
    assert "sync run sync-" in second.banner_text() and "3 journaled assets" in second.banner_text()
    assert second.snapshot.meta[DATA_SINCE] == first.snapshot.meta[DATA_SINCE]  # the rest is as old as before
    assert second.snapshot.meta[READS_BEGAN] > first.snapshot.meta[READS_BEGAN]
    result = second.audit()
    assert result.counts()["missing_xmp"] == before["missing_xmp"] - 3
    assert second.previous_counts()["counts"]["missing_xmp"] == before["missing_xmp"]
    head = second.headline(result)
    assert head.by_status.set_index("status").loc["missing_xmp", "change"] == -3
    assert session(simulator, tmp_path).origin == "saved snapshot"  # read after the sync now


def test_a_change_behind_their_backs_is_seen_once_the_maximum_age_has_passed(simulator, tmp_path):
    first = session(simulator, tmp_path, max_age="1h")
    counts = first.audit().counts()
    in_sync = first.audit().assets
    victim = in_sync.loc[in_sync["status"] == "in_sync", "path"].iloc[0]
    delete_xmp_behind_their_backs(simulator, victim)
    assert session(simulator, tmp_path, max_age="1h").audit().counts().equals(counts)  # young: reused, as it says
    stale = session(simulator, tmp_path, max_age=0)
    assert stale.origin == "new inventory"
    assert "old (maximum 0 s); changes made outside xmpaudit can only be seen" in stale.banner_text()
    assert stale.audit().counts()["missing_xmp"] == counts["missing_xmp"] + 1


def test_the_maximum_age_comes_from_the_environment(simulator, tmp_path, monkeypatch):
    session(simulator, tmp_path)
    monkeypatch.setenv("XMPAUDIT_MAX_SNAPSHOT_AGE", "0s")
    assert session(simulator, tmp_path).origin == "new inventory"
    monkeypatch.setenv("XMPAUDIT_MAX_SNAPSHOT_AGE", "1h")
    assert session(simulator, tmp_path).origin == "saved snapshot"


def test_an_old_snapshot_refreshed_incrementally_keeps_its_age(simulator, tmp_path):
    first = session(simulator, tmp_path)
    meta = json.loads((tmp_path / "snap" / "snapshot.json").read_text())
    long_ago = (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat(timespec="milliseconds")
    (tmp_path / "snap" / "snapshot.json").write_text(json.dumps({**meta, DATA_SINCE: long_ago}))
    again = session(simulator, tmp_path)
    assert again.origin == "new inventory" and "is 30 min old (maximum 10 min)" in again.banner_text()
    assert again.snapshot.meta[DATA_SINCE] > first.snapshot.meta[DATA_SINCE]


def test_refresh_keeps_the_replaced_snapshots_counts_even_if_never_audited(simulator, tmp_path):
    first = session(simulator, tmp_path)  # not audited
    second = session(simulator, tmp_path, refresh=True)
    assert second.origin == "new inventory" and not second.notes
    history = read_history(first.snapshot.meta["source"], DEMO_ROOT)
    assert history["taken_at"].tolist() == [pd.Timestamp(first.snapshot.meta["taken_at"])]
    assert history["surface"].tolist() == ["notebook, replaced snapshot"]


def test_a_damaged_saved_snapshot_is_replaced_and_said_so(simulator, tmp_path):
    session(simulator, tmp_path)
    (tmp_path / "snap" / "assets.parquet").write_bytes(b"not parquet")
    again = session(simulator, tmp_path)
    assert again.origin == "new inventory" and "The saved snapshot could not be read" in again.banner_text()


def test_a_snapshot_stamped_in_the_future_is_read_again_and_the_banner_says_so(simulator, tmp_path):
    session(simulator, tmp_path)
    saved = json.loads((tmp_path / "snap" / "snapshot.json").read_text())
    ahead = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat(timespec="milliseconds")
    stamps = {key: ahead for key in (DATA_SINCE, READS_BEGAN, "oldest_read", "taken_at", "full_read_began")}
    (tmp_path / "snap" / "snapshot.json").write_text(json.dumps({**saved, **stamps}))
    again = session(simulator, tmp_path, max_age="1s")
    assert again.origin == "new inventory"
    assert re.search(r"\(the saved snapshot is stamped 1\d\d min in the future \(\d+ \w{3} \d{4}, \d\d:\d\d "
                     r"UTC\): its age is unknown, so it was read again\)", again.banner_text())


def test_the_banner_says_what_the_snapshot_cannot_see(simulator, tmp_path):
    text = session(simulator, tmp_path).banner_text()
    assert "Not seen: changes made by other tools (not xmpaudit) since " in text
    assert "only a full read sees them all (the last began " in text


def test_a_file_where_the_snapshot_store_should_be_is_a_note_and_a_new_inventory(simulator, xmpaudit_home):
    snapshots_home().parent.mkdir(parents=True, exist_ok=True)
    snapshots_home().write_text("not a folder")
    first = session(simulator, xmpaudit_home, snapshot_dir=None)
    assert first.origin == "new inventory" and first.snapshot_dir is None
    assert any("The snapshot cannot be saved in" in note and "the next surface reads AEM again" in note
               for note in first.notes)
    assert session(simulator, xmpaudit_home, snapshot_dir=None).origin == "new inventory"


def test_the_cli_refuses_a_huge_maximum_age_in_one_line(aem_env, capsys, monkeypatch):
    from xmpaudit.cli.main import main

    assert main(["-q", "audit", "--root", DEMO_ROOT, "--max-age", "9" * 30]) == 2
    assert capsys.readouterr().err.startswith("error: Maximum snapshot age '999")
    monkeypatch.setenv("XMPAUDIT_MAX_SNAPSHOT_AGE", "1e400")
    assert main(["-q", "audit", "--root", DEMO_ROOT]) == 2
