"""Links to an asset's page in AEM's Assets UI (the one place every view builds them)."""

from __future__ import annotations

from urllib.parse import quote

ASSET_DETAILS = "/assetdetails.html"


def asset_link(base_url: str | None, path: str) -> str | None:
    """The asset's page in AEM's Assets UI (6.5 and AEMaaCS: ``/assetdetails.html<path>``); None without a base
    URL. The path is percent-encoded (``/`` kept), so spaces, ``#`` and ``?`` in names stay part of the path."""
    return None if not base_url else base_url.rstrip("/") + ASSET_DETAILS + quote(str(path), safe="/")
