"""AEM's QueryBuilder JSON servlet: asset queries, page checks, throttled page reads."""

from __future__ import annotations

import time
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemHttpError, AemResponseError

QUERYBUILDER_PATH = "/bin/querybuilder.json"
MAX_PAGE_SIZE = 1000


# asset(0) / jcr:content(1) / metadata(2) / predictedTags, dam:predictedTags(3) / tag items(4) / grandchildren(5):
# the audit must see children of XMP items (the process never writes any, so a node with them is stale)
ASSET_NODE_DEPTH = 5
DEFAULT_WORKERS = 4


# Seconds to wait before asking again for a page still answered 429 after the client's own retries.
THROTTLE_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


class PagingError(AemResponseError):
    """QueryBuilder paging made no progress (``more: true`` without new hits) or broke its order."""


def asset_query(root: str, *, limit: int, offset: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """QueryBuilder parameters for one page of full asset hits under ``root``."""
    params = {
        "type": "dam:Asset",
        "p.limit": str(limit),
        "p.offset": str(offset),
        "p.guessTotal": "true",
        "orderby": "path",
        "p.hits": "full",
        "p.nodedepth": str(ASSET_NODE_DEPTH),
    }
    if root:
        params["path"] = root
    params.update(extra or {})
    return params


def check_page(body: Any, url: str) -> tuple[list[dict[str, Any]], bool]:
    """The hits of a QueryBuilder answer and its ``more`` flag (AemResponseError for a malformed answer)."""
    if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
        raise AemResponseError(f"QueryBuilder answer from {url} has no 'hits' list", url=url)
    if body.get("success") is False:
        raise AemResponseError(f"QueryBuilder reported failure: {body.get('errorMessage')}", url=url)
    hits = [h for h in body["hits"] if isinstance(h, dict) and isinstance(h.get("jcr:path"), str)]
    if len(hits) != len(body["hits"]):
        raise AemResponseError(f"QueryBuilder answer from {url} has hits without jcr:path", url=url)
    return hits, bool(body.get("more"))


def get_page(client: AemClient, params: dict[str, str]) -> Any:
    """One QueryBuilder page; while AEM still throttles (429) after the client's retries, wait and ask again."""
    for wait_s in (*THROTTLE_WAITS, None):
        try:
            return client.get_json(QUERYBUILDER_PATH, params)
        except AemHttpError as exc:
            if exc.status == 500:
                raise AemHttpError(f"{exc} (AEM stops a query that reads more than its limit of nodes, 100,000 on "
                                   "AEM as a Cloud Service: try a smaller page size)", method=exc.method, url=exc.url,
                                   status=500) from None
            if exc.status != 429 or wait_s is None:
                raise
            time.sleep(wait_s)
    raise AssertionError("unreachable")
