"""The panel opened on a session: a Sync prepared before the workflow model changed is refused with one line naming
the old and new minimumConfidence (nothing written); another surface's sync shows the newer-numbers line."""

from __future__ import annotations

from tests.conftest import DEMO_ROOT, client_for
from tests.test_session_arguments import HALF, change_models
from xmpaudit.ui.panel import AuditPanel
from xmpaudit.workspace.session import open_session
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync


def sling_posts(simulator) -> int:
    return sum(n for endpoint, n in simulator.stats.by_endpoint.items() if endpoint.startswith("POST sling"))


def test_a_sync_previewed_before_the_model_changed_is_refused_with_one_line(simulator):
    session = open_session(root=DEMO_ROOT, show_progress=False, client=client_for(simulator))
    panel = AuditPanel.from_session(session, background=False)
    fixable = session.audit().fixable()["path"].astype(str).tolist()[:3]
    panel.select(fixable)
    panel.preview_button.click()
    assert panel.messages[-1].startswith("Preview: ")
    change_models(simulator, HALF)
    simulator.stats.reset()
    panel.sync_button.click()
    assert panel.messages[-1].startswith("Error: ") and "minimumConfidence is now 0.5" in panel.messages[-1]
    assert "0.0" in panel.messages[-1] and "\n" not in panel.messages[-1]
    assert sling_posts(simulator) == 0


def test_a_panel_on_given_arguments_does_not_read_them_again(simulator):
    session = open_session(root=DEMO_ROOT, process_args="minimumConfidence=0.0", show_progress=False,
                           client=client_for(simulator))
    panel = AuditPanel.from_session(session, background=False)
    panel.select(session.audit().fixable()["path"].astype(str).tolist()[:2])
    panel.preview_button.click()
    change_models(simulator, HALF)
    panel.sync_button.click()
    assert panel.messages[-1].startswith("Sync done"), panel.messages[-1]


def test_the_panel_on_a_session_says_when_another_surface_wrote_and_its_refresh_reads_it(simulator):
    session = open_session(root=DEMO_ROOT, show_progress=False, client=client_for(simulator))
    panel = AuditPanel.from_session(session, background=False)
    assert panel.newer is not None and panel.newer.check() is None
    assert panel.newer.widget.layout.display == "none"
    with client_for(simulator) as other:  # another surface (its own client) syncs into the same per-user journal
        targets = session.audit().fixable()["path"].astype(str).tolist()[:2]
        assert apply_plan(other, plan_sync(other, targets, session.args), Journal(session.journal),
                          show_progress=False).ok
    line = panel.newer.check()
    assert line is not None and line.startswith("Newer numbers: a sync wrote 2 assets")
    assert panel.newer.widget.layout.display == "flex"
    panel.newer.button.click()
    assert panel.messages[-1].startswith("Refreshed ")
    assert set(panel.table.loc[targets, "status"].astype(str)) == {"in_sync"}
    panel.newer.close()


def test_the_panels_own_sync_is_not_news_to_it(simulator):
    """The panel shows what it wrote (it reads those rows again): its own runs never raise the newer-numbers line,
    another page's do."""
    session = open_session(root=DEMO_ROOT, show_progress=False, client=client_for(simulator))
    panel = AuditPanel.from_session(session, background=False)
    panel.select(session.audit().fixable()["path"].astype(str).tolist()[:2])
    panel.preview_button.click()
    panel.sync_button.click()
    assert panel.messages[-1].startswith("Sync done"), panel.messages[-1]
    assert panel.newer is not None and panel.newer.check() is None
    assert session.newer_elsewhere() is not None  # to a page that did not write it, it is news
    panel.newer.close()


def test_the_panels_own_undo_is_not_news_and_the_notice_waits_while_the_panel_writes(simulator):
    """Its undo's run is known once done; while a job runs (its run id not known yet) the notice does not look."""
    import time

    from xmpaudit.ui.newer_notice import NewerNotice

    session = open_session(root=DEMO_ROOT, show_progress=False, client=client_for(simulator))
    panel = AuditPanel.from_session(session, background=False)
    panel.select(session.audit().fixable()["path"].astype(str).tolist()[:2])
    panel.preview_button.click()
    panel.sync_button.click()
    panel.undo_scope.value = "run"  # the whole run
    panel.undo_button.click()
    panel.confirm_button.click()
    assert panel.messages[-1].startswith("Undo done"), panel.messages[-1]
    assert panel.newer is not None and panel.newer.check() is None
    assert session.newer_elsewhere().startswith("Newer numbers: an undo wrote 2 assets")
    panel.newer.close()

    looks: list[int] = []

    class Counting:
        def newer_elsewhere(self, **_: object) -> None:
            looks.append(1)

    busy = NewerNotice(Counting(), lambda: None, interval=0.01, paused=lambda: True)
    time.sleep(0.2)
    busy.close()
    assert looks == []
