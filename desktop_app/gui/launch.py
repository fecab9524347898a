"""Start the window (placeholder until the GUI lands)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("The desktop window is not built yet; use 'desktop-app index|search|status|remove'.",
          file=sys.stderr)
    return 2
