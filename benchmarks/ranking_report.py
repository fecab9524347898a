"""One report for a ranking change: the known-item pages (the questions the ranking was tuned
on and the unseen ones), SciFact and COVID-QA, for each search configuration, in one table,
so that a gain on one set is read next to what it does to the others.

    python benchmarks/ranking_report.py
    python benchmarks/ranking_report.py --configs default,hybrid:perall,vector:perall
    python benchmarks/ranking_report.py --sets known,unseen --configs default,hybrid:kw0.5

A configuration is what ``known_items.py`` reads (``default``, ``before``,
``mode[:perN|:perall][:kwW][:rrf][:fixed][:nopage][:byrank]``). Each set's script runs once
with every configuration on its own library under ``--work-root`` (made the first time: the
known-item manuals in minutes, SciFact in about 25 minutes, COVID-QA in about one, on 2
cores), with the keyword side's time budget lifted unless ``--keyword-budget`` says
otherwise: on a busy machine the product's 20 ms budget measures the load, not the ranking.
The manuals come from shared/scripts/get-debian-pdfs.sh (``--pdfs``), SciFact and COVID-QA
from shared/data.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = ("known", "unseen", "scifact", "covidqa")
# "SciFact nDCG@10 [name] = 0.7073", "COVID-QA answer-chunk nDCG@10 [name] = 0.6386  hit@10 = 0.79"
_RESULT = re.compile(r"nDCG@10 \[(.+)\] = ([0-9.]+)(?:\s+hit@10 = ([0-9.]+))?")


def known_items(questions: str, work: Path, pdfs: Path, configs: list[str],
                budget: str) -> list[str]:
    """'page-hit@10 / MRR@10' per configuration, from known_items.py's JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        _run([HERE / "known_items.py", "--questions", HERE / questions, "--work-dir", work,
              "--pdfs", pdfs, "--configs", ",".join(configs), "--keyword-budget", budget,
              "--depth", "0", "--json", out])
        results = list(json.loads(out.read_text(encoding="utf-8"))["results"].values())
    return [f"{r['page_hit@10']:.3f} / {r['mrr@10']:.3f}" for r in results]


def ir_set(script: str, work: Path, configs: list[str], budget: str) -> list[str]:
    """nDCG@10 (and hit@10 where the set has it) per configuration, from the script's lines
    (one per configuration, in order)."""
    lines = _run([HERE / script, "--work-dir", work, "--configs", ",".join(configs),
                  "--keyword-budget", budget])
    found = [m.groups() for line in lines.splitlines() if (m := _RESULT.search(line))]
    if len(found) != len(configs):
        raise SystemExit(f"{script} printed {len(found)} results for {len(configs)} "
                         f"configurations:\n{lines}")
    return [f"{hit} ({ndcg})" if hit else ndcg for _, ndcg, hit in found]


def _run(cmd: list[object]) -> str:
    args = [sys.executable, *map(str, cmd)]
    print("$ python", " ".join(args[1:]), file=sys.stderr, flush=True)
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="before,default,vector:perall,keyword:perall")
    ap.add_argument("--sets", default=",".join(SETS),
                    help=f"comma-separated, of: {', '.join(SETS)}")
    ap.add_argument("--work-root", type=Path, default=Path("/work/bench"),
                    help="holds known-items/, known-items-unseen/, scifact/, covidqa/ "
                         "(their libraries, reused)")
    ap.add_argument("--pdfs", type=Path, default=Path("/work/bench/debian-pdfs"),
                    help="the Debian manuals (shared/scripts/get-debian-pdfs.sh)")
    ap.add_argument("--keyword-budget", default="0",
                    help="seconds for the keyword side in hybrid search (0: no limit)")
    args = ap.parse_args()
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(sets) - set(SETS)
    if unknown:
        ap.error(f"unknown set(s): {', '.join(sorted(unknown))}; choose from {', '.join(SETS)}")
    root, budget = args.work_root, args.keyword_budget
    columns: dict[str, list[str]] = {}
    if "known" in sets:
        columns["known items, tuned (page-hit@10 / MRR@10)"] = known_items(
            "known_items.jsonl", root / "known-items", args.pdfs, configs, budget)
    if "unseen" in sets:
        columns["known items, unseen (page-hit@10 / MRR@10)"] = known_items(
            "known_items_unseen.jsonl", root / "known-items-unseen", args.pdfs, configs,
            budget)
    if "scifact" in sets:
        columns["SciFact nDCG@10"] = ir_set("scifact.py", root / "scifact", configs, budget)
    if "covidqa" in sets:
        columns["COVID-QA hit@10 (nDCG@10)"] = ir_set("covidqa.py", root / "covidqa", configs,
                                                      budget)
    print("| search | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for i, config in enumerate(configs):
        print(f"| {config} | " + " | ".join(col[i] for col in columns.values()) + " |")


if __name__ == "__main__":
    main()
