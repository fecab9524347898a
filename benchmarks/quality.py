"""The quality grid: SciFact and COVID-QA for each framing, chunk size and search mode, through
the real pipeline; writes the table into docs/quality.md between its markers.

    python benchmarks/quality.py                       # the default grid (hours on 2 cores)
    python benchmarks/quality.py --sets covidqa --framings alone,head:32 --chunks 256

Each configuration indexes once and evaluates every search mode on that index
(scifact.py / covidqa.py do the work; this script runs them and collects their lines).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "quality.md"
START, END = "<!-- quality-table:start -->", "<!-- quality-table:end -->"
_RESULT = re.compile(r"nDCG@10 \[(\w+)\] = ([0-9.]+)(?:\s+hit@10 = ([0-9.]+))?")
_TOKENS = re.compile(r"tokens encoded ([0-9,]+)")


def framing_args(framing: str) -> list[str]:
    if framing.startswith("head:"):
        return ["--framing", "alone", "--head", framing.split(":", 1)[1]]
    return ["--framing", framing]


def run(dataset: str, framing: str, chunk: int, modes: str) -> list[tuple]:
    cmd = [sys.executable, str(HERE / f"{dataset}.py"), "--chunk-tokens", str(chunk),
           "--modes", modes, *framing_args(framing)]
    print("$", " ".join(cmd[1:]), flush=True)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    print(out, flush=True)
    tokens = _TOKENS.search(out)
    rows = []
    for mode, ndcg, hit in _RESULT.findall(out):
        rows.append((dataset, framing, chunk, mode, float(ndcg), float(hit) if hit else None,
                     tokens.group(1) if tokens else ""))
    return rows


def write_table(rows: list[tuple]) -> None:
    lines = [START, "", "| set | framing | chunk | search | nDCG@10 | hit@10 | tokens encoded |",
             "|---|---|---|---|---|---|---|"]
    for dataset, framing, chunk, mode, ndcg, hit, tokens in rows:
        hit_s = f"{hit:.4f}" if hit is not None else ""
        lines.append(f"| {dataset} | {framing} | {chunk} | {mode} | {ndcg:.4f} | {hit_s} "
                     f"| {tokens} |")
    lines += ["", END]
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Retrieval quality\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + "\n".join(lines) + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Generated grid (benchmarks/quality.py)\n\n" + \
            "\n".join(lines) + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {len(rows)} rows to {DOC}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sets", default="covidqa,scifact")
    ap.add_argument("--framings", default="alone,head:32,late,blend:0.75")
    ap.add_argument("--chunks", default="256,128")
    ap.add_argument("--modes", default="vector,hybrid,keyword")
    args = ap.parse_args()
    rows: list[tuple] = []
    for dataset in args.sets.split(","):
        for framing in args.framings.split(","):
            for chunk in (int(c) for c in args.chunks.split(",")):
                rows += run(dataset, framing, chunk, args.modes)
                write_table(rows)  # after every configuration: a long run keeps its results


if __name__ == "__main__":
    main()
