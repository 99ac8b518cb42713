"""The options of ``xmpaudit demo status|stop|reset`` (run by ``cli/demo_verbs.py``)."""

from __future__ import annotations

from xmpaudit.aem.demo_dam import DEFAULT_ASSETS, DEFAULT_SEED
from xmpaudit.cli.verb import SubParsers, add_verb


def register(subparsers: SubParsers) -> None:
    """Add the ``demo`` verb."""
    demo = add_verb(subparsers, "demo", "xmpaudit.cli.demo_verbs:cmd_demo",
                    "the per-user demo DAM used without settings: status, stop, reset")
    demo.add_argument("action", choices=("status", "stop", "reset"),
                      help="status: where it runs, since when (exit 1 when none runs); stop: end it; "
                           "reset: a fresh demo DAM")
    demo.add_argument("--assets", type=int, default=DEFAULT_ASSETS, help=f"with reset: demo assets ({DEFAULT_ASSETS})")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"with reset: random seed ({DEFAULT_SEED})")
