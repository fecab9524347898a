"""Start-up cost of ``desktop-app search`` as a whole process, and where import time goes.

    python benchmarks/startup.py DATA_DIR              # e.g. a 100k library from latency.py
    python benchmarks/startup.py DATA_DIR --runs 5 --top 15

Times ``python -m desktop_app search QUERY --data-dir DATA_DIR`` end to end (median of
``--runs``, after one untimed run so the OS file cache is warm, as it is for a launcher used
twice), then summarises ``python -X importtime -c "import desktop_app.cli"``: total, the
slowest top-level packages (cumulative) and whether the heavy ones (transformers, pymupdf,
onnxruntime, hnswlib, numpy, tokenizers) are imported at all.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("transformers", "torch", "pymupdf", "fitz", "onnxruntime", "hnswlib", "numpy",
         "tokenizers", "PySide6", "PyQt6")


def time_search(data_dir: Path, query: str, runs: int) -> list[float]:
    cmd = [sys.executable, "-m", "desktop_app", "search", query, "--data-dir", str(data_dir)]
    subprocess.run(cmd, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def importtime(args: list[str]) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) as -X importtime reports them (last run of 3)."""
    for _ in range(3):
        out = subprocess.run([sys.executable, "-X", "importtime", *args],
                             check=True, capture_output=True, text=True).stderr
    rows = []
    for line in out.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|")
        rows.append((name.rstrip()[1:], int(self_us), int(cum_us)))  # drop the separator
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--query", default="how do I configure the network interface")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load average: {load}")
    times = time_search(args.data_dir, args.query, args.runs)
    print(f"desktop-app search (whole process), {args.runs} runs: median "
          f"{statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    print(f"bare interpreter start: {time.perf_counter() - t0:.3f} s")

    for label, cmd in (
            ("import desktop_app.cli", ["-c", "import desktop_app.cli"]),
            ("desktop-app search (every import the command makes)",
             ["-m", "desktop_app", "search", args.query, "--data-dir", str(args.data_dir)])):
        rows = importtime(cmd)
        top_level = [r for r in rows if not r[0].startswith(" ")]
        print(f"\n{label}: {sum(r[2] for r in top_level) / 1e6:.3f} s of imports")
        print(f"  {'module (top level)':40} {'cumulative ms':>14}")
        for name, _, cum in sorted(top_level, key=lambda r: -r[2])[: args.top]:
            print(f"  {name.strip():40} {cum / 1000:14.1f}")
        print("  heavy packages:", ", ".join(
            f"{pkg} {hit[0][2] / 1000:.0f} ms" if (hit := [r for r in rows if r[0].strip() == pkg])
            else f"{pkg} -" for pkg in HEAVY))

if __name__ == "__main__":
    main()
