"""What Linux's /proc says about this test process: its threads' nice values and names, its
child processes, its memory."""

from __future__ import annotations

import os
from pathlib import Path

_TASKS = Path("/proc/self/task")


def thread_nices() -> dict[int, tuple[str, int]]:
    """Thread id → (name, nice value); the process's first thread is named "main"."""
    out = {}
    for task in _TASKS.iterdir():
        head, rest = (task / "stat").read_text().rsplit(")", 1)
        tid = int(task.name)
        name = "main" if tid == os.getpid() else head.split("(", 1)[1]
        out[tid] = (name, int(rest.split()[16]))  # the 19th field: nice
    return out


def children() -> set[int]:
    """Live child processes of this one."""
    return {int(pid) for task in _TASKS.iterdir()
            for pid in (task / "children").read_text().split()}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")
