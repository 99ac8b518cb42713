"""Counts with the right noun and outcomes in words on the command line: sync --apply says how many assets were
written and verified (and which were written but not verified)."""

import pandas as pd
import pytest

from xmpaudit.cli.main import main
from xmpaudit.cli.write_verbs import verified_words
from xmpaudit.core.number_words import counted
from xmpaudit.write.apply import ApplyResult


def _result(*rows):
    frame = pd.DataFrame(rows, columns=["asset", "outcome", "reason", "verified", "repaired", "backup_left"])
    return ApplyResult(run="sync-1", outcomes=frame.astype({"verified": "boolean"}), requests=3)


def test_verified_words_count_with_the_right_noun():
    assert verified_words(_result(("/a", "applied", "", True, False, ""))) == \
        "1 asset written and verified (read back from AEM as planned)"
    both = _result(("/a", "applied", "", True, False, ""), ("/b", "applied", "", True, False, ""),
                   ("/c", "applied", "applied; not verified", pd.NA, False, ""),
                   ("/d", "skipped", "x", pd.NA, False, ""))
    assert verified_words(both) == ("2 assets written and verified (read back from AEM as planned); 1 asset written "
                                    "but NOT verified")


def test_counted_agrees_with_one():
    assert counted(1, "more row") == "1 more row" and counted(2, "more row") == "2 more rows"


@pytest.mark.e2e
def test_sync_apply_says_verified(aem_env, capsys):
    assert main(["-q", "sync", "--apply"]) == 0
    out = capsys.readouterr().out
    applied = int(out.split(": ", 1)[1].split(" applied", 1)[0].split()[-1])
    assert f"{applied} assets written and verified (read back from AEM as planned)" in out
    assert "NOT verified" not in out
