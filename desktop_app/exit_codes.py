"""How the app's processes end, for scripts and the shell: one list for the command line,
the window and the self-test."""

from __future__ import annotations

EXIT_OK = 0
#: a command that ran and did not do what was asked (``model use`` that could not switch, a
#: self-test that failed)
EXIT_FAILED = 1
EXIT_USAGE = 2
#: the data folder cannot be used (locked, damaged, not writable, the disk is full)
EXIT_DATA_DIR = 3
#: no window can open here (no display, missing system libraries, Qt not installed)
EXIT_NO_WINDOW = 4
#: 128 + SIGINT, what a shell reports for a program stopped with Ctrl+C
EXIT_INTERRUPTED = 130
#: 128 + SIGPIPE: the reader of our output went away (``… | head``). What ``cat`` reports to
#: the shell in the same place, so ``set -o pipefail`` scripts see the truncation as they do
#: for any other tool, and it is told apart from a failure (1, 2, 3).
EXIT_BROKEN_PIPE = 141
