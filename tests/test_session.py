"""The notebook session: login check, a saved snapshot used only when it is of this AEM/folder/arguments and
newer than the last journaled write, the banner, and the previous snapshot's counts for "change since"."""

import json

import pytest

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.aem.connection import check_login
from xmpaudit.core.errors import AemAuthError, AemConnectionError, AemNotFoundError
from xmpaudit.workspace.history import read_history
from xmpaudit.workspace.session import last_write_under, open_session
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync


def session(simulator, tmp_path, **kwargs):
    kwargs.setdefault("journal", tmp_path / "journal.jsonl")
    return open_session(root=DEMO_ROOT, snapshot_dir=tmp_path / "snap", show_progress=False,
                        client=client_for(simulator), **kwargs)


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


def test_saved_snapshot_reused_only_when_fresh_and_of_the_same_source(simulator, tmp_path):
    first = session(simulator, tmp_path)
    assert first.origin == "new inventory" and not first.notes
    assert "login OK" in first.banner_text() and f"Folder: {DEMO_ROOT}" in first.banner_text()
    first.audit()
    again = session(simulator, tmp_path)
    assert again.origin == "saved snapshot" and again.snapshot.meta["taken_at"] == first.snapshot.meta["taken_at"]
    assert session(simulator, tmp_path, refresh=True).origin == "new inventory"
    moved = json.loads((tmp_path / "snap" / "snapshot.json").read_text())
    (tmp_path / "snap" / "snapshot.json").write_text(json.dumps({**moved, "source": "http://other:4502"}))
    elsewhere = session(simulator, tmp_path)
    assert elsewhere.origin == "new inventory"
    assert "was not used: it was taken from another AEM (http://other:4502)" in elsewhere.banner_text()
    named = session(simulator, tmp_path, process_args="sequenceName=dam:otherTags")
    assert named.origin == "new inventory" and "other ACS process arguments" in named.notes[0]


def test_a_journaled_sync_under_the_folder_makes_the_snapshot_stale(simulator, tmp_path):
    first = session(simulator, tmp_path)
    before = first.audit().counts()
    missing = first.audit().fixable()
    missing = missing.loc[missing["status"] == "missing_xmp", "path"].tolist()[:3]
    client = client_for(simulator)
    journal = Journal(tmp_path / "journal.jsonl")
    assert apply_plan(client, plan_sync(client, missing), journal, show_progress=False).ok
    assert last_write_under(journal.path, DEMO_ROOT)["kind"] == "sync"
    assert last_write_under(journal.path, "/content/dam/elsewhere") is None
    second = session(simulator, tmp_path)
    assert second.origin == "new inventory" and "is older than sync run" in second.notes[0]
    result = second.audit()
    assert result.counts()["missing_xmp"] == before["missing_xmp"] - 3
    previous = second.previous_counts()
    assert previous["counts"]["missing_xmp"] == before["missing_xmp"]
    head = second.headline(result)
    assert head.by_status.set_index("status").loc["missing_xmp", "change"] == -3
    assert session(simulator, tmp_path).origin == "saved snapshot"  # newer than the sync now


def test_refresh_keeps_the_replaced_snapshots_counts_even_if_never_audited(simulator, tmp_path):
    first = session(simulator, tmp_path)  # not audited
    second = session(simulator, tmp_path, refresh=True)
    assert second.origin == "new inventory" and not second.notes
    history = read_history(first.snapshot.meta["source"], DEMO_ROOT)
    assert history["taken_at"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").tolist() == [first.snapshot.meta["taken_at"]]
    assert history["surface"].tolist() == ["session, replaced snapshot"]
