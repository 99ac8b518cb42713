"""aem/querybuilder.py: one page of full asset hits asked for and checked; AEM's read limit and throttling."""

import pytest

from tests.conftest import asset_hit
from xmpaudit.aem.querybuilder import ASSET_NODE_DEPTH, asset_query, check_page, get_page
from xmpaudit.core.errors import AemHttpError, AemResponseError


def test_a_page_asks_for_full_hits_deep_enough_for_xmp_items_in_a_stable_order():
    params = asset_query("/content/dam/brand", limit=500, offset=1000, extra={"p.guessTotal": "20"})
    assert params == {"type": "dam:Asset", "path": "/content/dam/brand", "p.limit": "500", "p.offset": "1000",
                      "p.guessTotal": "20", "orderby": "path", "p.hits": "full",
                      "p.nodedepth": str(ASSET_NODE_DEPTH)}
    assert ASSET_NODE_DEPTH >= 5  # asset/jcr:content/metadata/dam:predictedTags/1/<grandchild>
    assert "path" not in asset_query("", limit=1, offset=0)


def test_check_page_gives_the_hits_and_more():
    hits = [asset_hit("/c/a.jpg"), asset_hit("/c/b.jpg")]
    assert check_page({"hits": hits, "more": True}, "u") == (hits, True)
    assert check_page({"hits": [], "success": True}, "u") == ([], False)


@pytest.mark.parametrize("body, words", [
    ([], "no 'hits' list"),
    ({"hits": None}, "no 'hits' list"),
    ({"success": False, "hits": [], "errorMessage": "bad predicate"}, "bad predicate"),
    ({"hits": [{"jcr:path": "/c/a.jpg"}, {"name": "no path"}]}, "hits without jcr:path"),
    ({"hits": ["text"]}, "hits without jcr:path"),
])
def test_a_malformed_answer_is_one_clear_error(body, words):
    with pytest.raises(AemResponseError, match=words):
        check_page(body, "http://aem/bin/querybuilder.json")


class FakeClient:
    """Answers get_json with the given errors first, then a page."""

    def __init__(self, *errors: int) -> None:
        self.errors = list(errors)
        self.calls = 0

    def get_json(self, path, params):
        self.calls += 1
        if self.errors:
            raise AemHttpError("GET failed", method="GET", url=path, status=self.errors.pop(0))
        return {"hits": [], "more": False}


def test_throttled_pages_are_asked_again_after_a_wait(monkeypatch):
    waits = []
    monkeypatch.setattr("xmpaudit.aem.querybuilder.time.sleep", waits.append)
    client = FakeClient(429, 429)
    assert get_page(client, {}) == {"hits": [], "more": False}
    assert client.calls == 3 and waits == [0.5, 1.0]


def test_a_read_limit_failure_says_what_to_do():
    with pytest.raises(AemHttpError, match="smaller page size") as caught:
        get_page(FakeClient(500), {})
    assert caught.value.status == 500


def test_other_errors_are_raised_at_once():
    client = FakeClient(403)
    with pytest.raises(AemHttpError) as caught:
        get_page(client, {})
    assert caught.value.status == 403 and client.calls == 1
