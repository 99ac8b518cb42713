"""A local AEM-compatible HTTP server with a generated demo DAM (see ``python -m xmpaudit.simulator``).

Names load on first use, so the CLI's parser can import ``simulator.serve``'s options without the server."""

from __future__ import annotations

import importlib
from typing import Any

_OWNERS = {
    "CloudLimits": "xmpaudit.simulator.cloud_limits",
    "DemoSpec": "xmpaudit.simulator.demo",
    "build_demo_repository": "xmpaudit.simulator.demo",
    "Node": "xmpaudit.simulator.repository",
    "Property": "xmpaudit.simulator.repository",
    "Repository": "xmpaudit.simulator.repository",
    "Simulator": "xmpaudit.simulator.server",
}

__all__ = ["CloudLimits", "DemoSpec", "Node", "Property", "Repository", "Simulator", "build_demo_repository"]


def __getattr__(name: str) -> Any:
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'xmpaudit.simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(owner), name)
    globals()[name] = value
    return value
