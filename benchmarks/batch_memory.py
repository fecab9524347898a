"""Model throughput and memory against the batch size (padded tokens per ONNX call) and the
window length: what ``Encoder.batch_tokens`` should be.

Each setting runs in a fresh process (onnxruntime's memory arena only grows, so the peak RSS
of one setting would hide the next). The process loads the bundled model, embeds one warm-up
document, then times ``Encoder.embed_documents`` on the same synthetic windows three times
(median) and reports tokens/s and the process's peak RSS (VmHWM) above the loaded model.

    python benchmarks/batch_memory.py                                # default grid
    python benchmarks/batch_memory.py --batches 512 1024 4096 --windows 256 --json out.json
    python benchmarks/batch_memory.py --plot docs/batch-vs-memory.png out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOKENS_PER_SETTING = 60_000


def status_mb(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def one(batch_tokens: int, window: int, models: Path) -> dict:
    import numpy as np

    from desktop_app.embedding import MINILM, Encoder
    from desktop_app.embedding.bundled import bundled_model_dir

    encoder = Encoder(bundled_model_dir(models), MINILM, batch_tokens=batch_tokens)
    loaded = status_mb("VmRSS")
    rng = np.random.default_rng(0)
    n = TOKENS_PER_SETTING // window
    # 20 documents of chunks at the window length (MiniLM embeds each chunk alone)
    docs = [[rng.integers(1000, 20000, window - 2).astype(np.int64) for _ in range(n // 20)]
            for _ in range(20)]
    encoder.embed_documents(docs[:1])
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        encoder.embed_documents(docs)
        times.append(time.perf_counter() - t0)
    tokens = sum(len(c) + 2 for d in docs for c in d)
    return {"batch_tokens": batch_tokens, "window": window, "tokens": tokens,
            "seconds": statistics.median(times),
            "tokens_per_s": tokens / statistics.median(times),
            "model_rss_mb": loaded, "peak_rss_mb": status_mb("VmHWM"),
            "above_model_mb": status_mb("VmHWM") - loaded, "load": os.getloadavg()[0]}


def plot(json_file: Path, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = json.loads(json_file.read_text())
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for window in sorted({r["window"] for r in rows}):
        mine = sorted((r for r in rows if r["window"] == window),
                      key=lambda r: r["batch_tokens"])
        xs = [r["batch_tokens"] for r in mine]
        left.plot(xs, [r["tokens_per_s"] for r in mine], marker="o",
                  label=f"{window}-token windows")
        right.plot(xs, [r["above_model_mb"] for r in mine], marker="o",
                   label=f"{window}-token windows")
    for ax, title in ((left, "model throughput (tokens/s)"),
                      (right, "peak RSS above the loaded model (MB)")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size (padded tokens per ONNX call)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("all-MiniLM-L6-v2 int8, onnxruntime CPU, 2 cores")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    ap.add_argument("--windows", type=int, nargs="+", default=[128, 256, 512])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--plot", type=Path, nargs=2, metavar=("OUT.png", "RESULTS.json"))
    ap.add_argument("--one", type=int, nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--models", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.plot:
        plot(args.plot[1], args.plot[0])
        return
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], args.models)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as models:
        print("| window | batch tokens | tokens/s | peak RSS above model MB | load |")
        print("|---|---|---|---|---|")
        for window in args.windows:
            for batch in args.batches:
                out = subprocess.run([sys.executable, __file__, "--one", str(batch), str(window),
                                      "--models", models], capture_output=True, text=True,
                                     check=True)
                row = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append(row)
                print(f"| {window} | {batch:,} | {row['tokens_per_s']:,.0f} | "
                      f"{row['above_model_mb']:.0f} | {row['load']:.2f} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
