"""``python -m xmpaudit.simulator``: serve the demo DAM until interrupted."""

from xmpaudit.simulator.serve import main

if __name__ == "__main__":
    raise SystemExit(main())
