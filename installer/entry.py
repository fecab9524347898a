"""The frozen app's entry point: exactly the ``desktop-app`` command (window, CLI, flags)."""

import sys

from desktop_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
