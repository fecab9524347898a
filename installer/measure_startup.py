"""Measure how long the app takes to put its window on screen.

    python installer/measure_startup.py                      # the frozen build
    python installer/measure_startup.py -- python -m desktop_app   # from source
    xvfb-run -a python installer/measure_startup.py          # a real X11 window

Each run starts the app with ``DESKTOP_APP_STARTUP_REPORT=quit``: the app prints when its
window was first painted, then quits. Three numbers per run: "process" is from the kernel's
record of the process start to that paint (Linux only; counts the bootloader and the
interpreter), "wall" is from just before this script spawned it to the paint, "CPU" the CPU
time the app had used by then (roughly what the wall clock would be on an idle machine).
The first run only warms the disk cache and is not counted. All runs share one data folder,
a new empty one unless ``--data-dir`` names a library to open (to see what a large index
costs).
Prints the runs and the median; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FROZEN = Path(__file__).resolve().parent / "dist" / "desktop-app" / (
    "desktop-app.exe" if sys.platform == "win32" else "desktop-app")
REPORT = re.compile(r"window painted (?P<process>[\d.]+|n/a)(?: s)? after process start "
                    r"\(epoch (?P<epoch>[\d.]+), (?P<cpu>[\d.]+) s CPU\)")


def one_run(command: list[str], data_dir: Path,
            env: dict[str, str]) -> tuple[float | None, float, float]:
    """(process, wall, CPU) seconds until the window was first painted."""
    started = time.time()
    result = subprocess.run([*command, "--data-dir", str(data_dir)], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    match = REPORT.search(result.stderr)
    if match is None:
        raise SystemExit(f"no start-up report from {command} (exit {result.returncode}):\n"
                         f"{result.stderr}")
    process = None if match["process"] == "n/a" else float(match["process"])
    return process, float(match["epoch"]) - started, float(match["cpu"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("command", nargs="*", default=[str(FROZEN)],
                        help="how to start the app (default: the frozen build)")
    args = parser.parse_args()
    env = dict(os.environ, DESKTOP_APP_STARTUP_REPORT="quit")
    env.pop("DESKTOP_APP_DATA_DIR", None)
    if sys.platform.startswith("linux") and not (env.get("DISPLAY")
                                                 or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(f"command: {' '.join(args.command)}  (platform: "
          f"{env.get('QT_QPA_PLATFORM') or 'native'})")
    with tempfile.TemporaryDirectory(prefix="desktop-app-startup-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        one_run(args.command, data_dir, env)  # warm-up: disk cache, a new library's files
        processes, walls, cpus = [], [], []
        for run in range(1, args.runs + 1):
            process, wall, cpu = one_run(args.command, data_dir, env)
            walls.append(wall)
            cpus.append(cpu)
            if process is not None:
                processes.append(process)
            shown = "n/a" if process is None else f"{process:.3f} s"
            print(f"run {run}: process {shown}, wall {wall:.3f} s, CPU {cpu:.3f} s")
    summary = (f"median wall {statistics.median(walls):.3f} s, "
               f"CPU {statistics.median(cpus):.3f} s")
    if processes:
        summary = f"median process {statistics.median(processes):.3f} s, " + summary
    print(summary)
    if hasattr(os, "getloadavg"):
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
