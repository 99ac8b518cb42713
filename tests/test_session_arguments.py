"""Arguments are read when they matter: every refresh of a session (and so the app's) reads the ACS step's
arguments from AEM's workflow models again where they were not given, the audit after it uses them, and the banner
of every surface shows the minimumConfidence in use and where and when it was read."""

from __future__ import annotations

import re

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.aem.process_args import resolve_process_args
from xmpaudit.audit.compare import audit
from xmpaudit.cli.main import main
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator.workflow_models import CONF_MODELS, DEFAULT_SYNC_ARGS, RUNTIME_MODELS, SYNC_MODEL_ID
from xmpaudit.ui.app import AppSettings, Dashboard
from xmpaudit.workspace.session import open_session

HALF = DEFAULT_SYNC_ARGS.replace("minimumConfidence=0.0", "minimumConfidence=0.5")


def change_models(simulator, args: str) -> None:
    """What an administrator does: the ACS step's arguments changed in the runtime and the design model."""
    assert "minimumConfidence=0.0" in DEFAULT_SYNC_ARGS
    with client_for(simulator) as client:
        client.post(f"{RUNTIME_MODELS}/{SYNC_MODEL_ID}/nodes/node1/metaData", {"PROCESS_ARGS": args})
        client.post(f"{CONF_MODELS}/{SYNC_MODEL_ID}/jcr:content/flow/process_0/metaData", {"PROCESS_ARGS": args})
        assert resolve_process_args(client, None)[0].minimum_confidence == 0.5


def counts_of_a_new_audit(simulator):
    with client_for(simulator) as client:
        args, _ = resolve_process_args(client, None)
        return audit(take_inventory(client, DEMO_ROOT, args, show_progress=False), args).counts()


def test_refresh_reads_the_arguments_again_and_the_banner_shows_them(simulator, tmp_path):
    session = open_session(root=DEMO_ROOT, show_progress=False, client=client_for(simulator))
    assert session.args.minimum_confidence == 0.0
    assert re.search(r"^Process arguments: from runtime model .* — minimumConfidence 0, sequenceName "
                     r"dam:predictedTags, read \d+ \w{3} \d{4}, \d\d:\d\d UTC$", session.banner_text(), re.MULTILINE)
    before = session.audit().counts()
    change_models(simulator, HALF)
    session.refresh()
    assert session.args.minimum_confidence == 0.5
    assert "minimumConfidence 0.5," in session.banner_text()
    after = session.audit().counts()
    assert after.equals(counts_of_a_new_audit(simulator)) and not after.equals(before)


def test_given_arguments_are_kept_through_a_refresh(simulator):
    session = open_session(root=DEMO_ROOT, process_args="minimumConfidence=0.3", show_progress=False,
                           client=client_for(simulator))
    change_models(simulator, HALF)
    session.refresh()
    assert session.args.minimum_confidence == 0.3 and "Process arguments: as given — minimumConfidence 0.3" in \
        session.banner_text()


def test_the_app_refresh_reads_the_arguments_again(simulator):
    client = client_for(simulator)
    page = Dashboard(open_session(root=DEMO_ROOT, show_progress=False, client=client, surface="app"),
                     AppSettings(root=DEMO_ROOT))
    assert "minimumConfidence 0," in page.banner.value
    change_models(simulator, HALF)
    page.reaudit()
    assert "minimumConfidence 0.5," in page.banner.value
    assert page.session.audit().counts().equals(counts_of_a_new_audit(simulator))
    page.notice.close()


def test_the_cli_audit_banner_shows_the_threshold(aem_env, capsys):
    assert main(["-q", "audit", "--root", DEMO_ROOT]) == 0
    assert "— minimumConfidence 0, sequenceName dam:predictedTags, read " in capsys.readouterr().out
