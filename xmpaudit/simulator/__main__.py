"""``python -m xmpaudit.simulator``: serve the demo DAM until interrupted."""

from ..cli import main

if __name__ == "__main__":
    raise SystemExit(main(["simulator", *__import__("sys").argv[1:]]))
