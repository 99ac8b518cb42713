"""``python -m xmpaudit.cli``: the command line."""

from xmpaudit.cli.main import main

raise SystemExit(main())
