"""Known-item pages: does a search land on the right page of a long manual?

Each question in ``known_items.jsonl`` was written from one page of one PDF manual, in other
words than the page's (benchmarks/README.md says how). The manuals named there are indexed
once into ``--work-dir`` (the library there is reused: a second run only checks the files);
then every question is searched in each configuration of ``--configs``, and the script
prints, per configuration: the right file in the top 10, the right page in the top 10
(page-hit@10), the right page or a page next to it in the top 10, MRR@10 on the right page,
and the median and p95 search latency; ``--by-kind`` adds page-hit@10 per kind of question
and for the questions that borrowed fewer or more of their page's words.

    python benchmarks/known_items.py
    python benchmarks/known_items.py --configs "hybrid:per3,vector:per3,hybrid:per10:kw0.5"
    python benchmarks/known_items.py --json results.json        # '-' for stdout

A configuration is ``mode[:perN|:perall][:kwW][:rrf][:fixed][:nopage][:byrank]``: the search mode,
passages per file (N, or no cap), the keyword side's weight in hybrid fusion, reciprocal
rank fusion instead of normalised scores, the per-file cap kept even for a file that
dominates, and no page evidence (results per passage, contents pages not ranked down);
``default`` is the product's default search, ``before`` the search as it was before the
ranking work (RRF k=60, keyword weight 1, a fixed cap of 3, no page evidence). Each
question is searched on its own (``search_many`` with one query), so the latencies are
those of one search, query embedding included.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from desktop_app import searching
from desktop_app.extract.mupdf import pymupdf
from desktop_app.library import Library
from desktop_app.query_terms import query_terms
from desktop_app.searching import DEFAULT_SEARCH, SearchOptions

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "known_items.jsonl"
DEFAULT_CONFIGS = ("before,default,vector:per3,hybrid:per3:rrf,hybrid:per3:fixed,"
                   "hybrid:per3:nopage,hybrid:perall,vector:perall")
#: the search as it was before fusion by scores, page evidence and the adaptive cap
BEFORE = SearchOptions(k=10, per_file=3, keyword_weight=1.0, fusion="rrf", adaptive_cap=False,
                       page_evidence=False, files_together=False)
K = 10


@dataclass(frozen=True)
class Question:
    text: str
    file: str
    pages: frozenset[int]
    kind: str


def load_questions(path: Path) -> list[Question]:
    """The questions of a JSON-lines file (one object a line; lines starting with # skipped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            row = json.loads(line)
            out.append(Question(row["question"], row["file"], frozenset(row["pages"]),
                                row.get("kind", "")))
    return out


def parse_config(spec: str) -> tuple[str, SearchOptions]:
    """``hybrid:per10:kw0.5`` → SearchOptions(k=10, mode="hybrid", per_file=10,
    keyword_weight=0.5); ``perall``: no cap per file; ``rrf``: reciprocal rank fusion;
    ``fixed``: no adaptive cap; ``nopage``: no page evidence; ``default``: the product's
    default; ``before``: the search before the ranking work."""
    spec = spec.strip()
    if spec == "default":
        d = DEFAULT_SEARCH
        return (f"default ({d.mode}, per file {d.per_file} adaptive, {d.fusion} fusion, "
                f"kw {d.keyword_weight:.2g})", d)
    if spec == "before":
        return "before (hybrid, RRF, kw 1, per file 3 fixed, no page evidence)", BEFORE
    mode, *parts = spec.split(":")
    if mode not in ("hybrid", "vector", "keyword"):
        raise SystemExit(f"unknown search mode {mode!r} in {spec!r}")
    options: dict = {"k": K, "mode": mode}
    for part in parts:
        if part == "perall":
            options["per_file"] = None
        elif part.startswith("per"):
            options["per_file"] = int(part[3:])
        elif part.startswith("kw"):
            options["keyword_weight"] = float(part[2:])
        elif part == "rrf":
            options["fusion"] = "rrf"
            options.setdefault("keyword_weight", 1.0)
        elif part == "fixed":
            options["adaptive_cap"] = False
        elif part == "nopage":
            options["page_evidence"] = False
        elif part == "byrank":
            options["files_together"] = False
        else:
            raise SystemExit(f"unknown part {part!r} in {spec!r}")
    return spec, SearchOptions(**options)


def index(work: Path, pdfs: Path, files: list[str]) -> tuple[Library, dict]:
    """Hard-link (or copy) the manuals into ``work/corpus`` and bring ``work/library`` up to
    date with them; (the open library, what the sync did)."""
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    wanted = set(files)
    for stale in corpus.iterdir():
        if stale.name not in wanted:  # a manual no question names any more
            stale.unlink()
    for name in files:
        target = corpus / name
        if not target.exists():
            source = pdfs / name
            if not source.exists():
                raise SystemExit(f"{source} is missing: fetch the manuals with "
                                 "shared/scripts/get-debian-pdfs.sh")
            # the library skips symbolic links, so a hard link (a copy across file systems)
            try:
                os.link(source, target)
            except OSError:
                partial = target.with_name(target.name + ".partial")
                shutil.copyfile(source, partial)
                os.replace(partial, target)
    started = time.perf_counter()
    lib = Library(work / "library")
    lib.add([corpus])
    summary = None
    for event in lib.sync():
        summary = event.summary or summary
    seconds = time.perf_counter() - started
    pages = 0
    for name in files:
        with pymupdf.open(corpus / name) as doc:
            pages += doc.page_count
    return lib, {"files": len(files), "pages": pages,
                 "passages": lib.status().vectors_in_graph,
                 "indexed_now": summary.indexed if summary else 0,
                 "passages_now": summary.chunks if summary else 0,
                 "sync_seconds": round(seconds, 1)}


def rank_of(question: Question, hits: list) -> tuple[bool, int | None, bool]:
    """(the right file is among the hits, 1-based rank of the first hit on a right page,
    a hit lands on a right page or on the page just before or after one)."""
    pages = [h.page for h in hits if Path(h.path).name == question.file]
    near = any(p is not None and min(abs(p - a) for a in question.pages) <= 1 for p in pages)
    for rank, hit in enumerate(hits, 1):
        if Path(hit.path).name == question.file and hit.page in question.pages:
            return True, rank, near
    return bool(pages), None, near


def evaluate(lib: Library, questions: list[Question], options: SearchOptions,
             depth: int) -> dict:
    """The metrics of one configuration; ``depth`` > 10: also whether the right page is
    among that many results (a separate search, not timed)."""
    lib.search_many([questions[0].text], options)  # warm-up: first-search costs not counted
    file_hits = page_hits = near_hits = 0
    reciprocal = 0.0
    times, per_question = [], []
    for q in questions:
        started = time.perf_counter()
        hits = lib.search_many([q.text], options)[0][:K]
        times.append(time.perf_counter() - started)
        in_file, rank, near = rank_of(q, hits)
        file_hits += in_file
        page_hits += rank is not None
        near_hits += near
        reciprocal += 1 / rank if rank else 0.0
        deep = None
        if depth > K:
            more = lib.search_many([q.text], replace(options, k=depth))[0]
            deep = rank_of(q, more)[1]
        per_question.append({"question": q.text, "kind": q.kind, "file_hit": in_file,
                             "page_rank_deep": deep,
                             "page_rank": rank, "pages": sorted(q.pages),
                             "returned": [[Path(h.path).name, h.page] for h in hits]})
    n = len(questions)
    times.sort()
    return {"file_hit@10": file_hits / n, "page_hit@10": page_hits / n,
            "page_or_neighbour@10": near_hits / n, "mrr@10": reciprocal / n,
            "page_hit_deep": sum(r["page_rank_deep"] is not None for r in per_question) / n,
            "p50_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * times[min(n - 1, int(0.95 * n))], "questions": per_question}


def ranking_cost(lib: Library, questions: list[Question],
                 configs: list[tuple[str, SearchOptions]], rounds: int = 5) -> dict[str, float]:
    """Median milliseconds of ``searching.search`` per configuration with the query's vector
    and the keyword side's candidates computed beforehand: what fusion, page evidence and
    grouping cost, apart from embedding and the keyword query (whose time the machine's load
    dominates). The configurations take turns question by question, so load hits all alike."""
    index = lib.search_index()
    vectors = list(lib.encoder.embed_queries([q.text for q in questions]))
    times: dict[str, list[float]] = {name: [] for name, _ in configs}
    for q, vector in zip(questions, vectors):
        hits = {name: searching.keyword_candidates(index, q.text, options)
                if options.mode == "hybrid" else None for name, options in configs}
        for _ in range(rounds):
            for name, options in configs:
                started = time.perf_counter()
                searching.search(index, q.text, vector, options, keyword_hits=hits[name])
                times[name].append(time.perf_counter() - started)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


def word_overlap(questions: list[Question], corpus: Path) -> list[float]:
    """Per question, the share of its search terms (the words keyword search looks for) that
    occur on its answer pages: how much of the page's wording the question borrowed."""
    texts: dict[tuple[str, int], str] = {}
    out = []
    for q in questions:
        with pymupdf.open(corpus / q.file) as doc:
            for page in q.pages:
                if (q.file, page) not in texts:
                    texts[q.file, page] = doc[page - 1].get_text().lower()
        words = set(re.findall(r"[^\W_]+", " ".join(texts[q.file, p] for p in q.pages)))
        terms, _ = query_terms(q.text)
        parts = [re.findall(r"[^\W_]+", t.lower()) for t in terms]
        found = [all(w in words for w in part) for part in parts if part]
        out.append(sum(found) / len(found) if found else 0.0)
    return out


def breakdown(result: dict, overlap: list[float]) -> dict[str, tuple[int, float]]:
    """Page-hit@10 per kind of question, and for the questions that borrowed fewer or more
    of their page's words than the median: {group: (count, page-hit@10)}."""
    groups: dict[str, list[bool]] = {}
    median = statistics.median(overlap)
    for row, share in zip(result["questions"], overlap):
        hit = row["page_rank"] is not None
        groups.setdefault(row["kind"], []).append(hit)
        side = f"overlap<={median:.2f}" if share <= median else f"overlap>{median:.2f}"
        groups.setdefault(side, []).append(hit)
    # the kinds first, then the two halves by overlap
    order = sorted(groups, key=lambda k: (k.startswith("overlap"), k))
    return {k: (len(groups[k]), sum(groups[k]) / len(groups[k])) for k in order}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=Path, default=QUESTIONS)
    ap.add_argument("--pdfs", type=Path, default=Path("/work/bench/debian-pdfs"),
                    help="folder holding the manuals (shared/scripts/get-debian-pdfs.sh)")
    ap.add_argument("--work-dir", type=Path, default=Path("/work/bench/known-items"),
                    help="the corpus links and the library (reused when present)")
    ap.add_argument("--configs", default=DEFAULT_CONFIGS,
                    help="comma-separated mode[:perN|:perall][:kwW][:rrf][:fixed][:nopage]"
                         "[:byrank], default or before")
    ap.add_argument("--by-kind", action="store_true",
                    help="page-hit@10 per kind of question and by word overlap with the page")
    ap.add_argument("--depth", type=int, default=50,
                    help="also report whether the right page is among this many results "
                         "(0: skip)")
    ap.add_argument("--json", default=None, help="write the results here ('-': stdout)")
    ap.add_argument("--ranking-cost", action="store_true",
                    help="also time searching.search alone per configuration (query vector "
                         "and keyword candidates computed beforehand)")
    ap.add_argument("--keyword-budget", type=float, default=searching.KEYWORD_BUDGET_S,
                    help="seconds the keyword side may take in hybrid search (0: no limit); "
                         "on a loaded machine the product's budget cuts the keyword side "
                         "short, which measures the load rather than the ranking")
    args = ap.parse_args()
    searching.KEYWORD_BUDGET_S = args.keyword_budget or None

    questions = load_questions(args.questions)
    files = sorted({q.file for q in questions})
    configs = [parse_config(c) for c in args.configs.split(",") if c.strip()]
    lib, corpus = index(args.work_dir, args.pdfs, files)
    with lib:
        corpus["questions"] = len(questions)
        print(f"{len(questions)} questions over {corpus['files']} manuals: {corpus['pages']} "
              f"pages, {corpus['passages']} passages in the library")
        print(f"sync: {corpus['indexed_now']} files indexed now ({corpus['passages_now']} "
              f"passages) in {corpus['sync_seconds']} s")
        results = {}
        for name, options in configs:
            results[name] = evaluate(lib, questions, options, args.depth)
        cost = ranking_cost(lib, questions, configs) if args.ranking_cost else {}
    print()
    deep = f" page-hit@{args.depth} |" if args.depth > K else ""
    print(f"| search | file in top 10 | page-hit@10 | page ±1 in top 10 | MRR@10 (page) |{deep}"
          " p50 ms | p95 ms |")
    print("|---" * (7 + bool(deep)) + "|")
    for name, r in results.items():
        deep = f" {r['page_hit_deep']:.2f} |" if args.depth > K else ""
        print(f"| {name} | {r['file_hit@10']:.2f} | {r['page_hit@10']:.2f} "
              f"| {r['page_or_neighbour@10']:.2f} | {r['mrr@10']:.2f} |{deep}"
              f" {r['p50_ms']:.0f} | {r['p95_ms']:.0f} |")
    if cost:
        print("\nsearching.search alone (query vector and keyword candidates ready), median ms: "
              + ", ".join(f"{name} {ms:.2f}" for name, ms in cost.items()))
    overlap = word_overlap(questions, args.work_dir / "corpus")
    for r in results.values():
        for row, share in zip(r["questions"], overlap):
            row["word_overlap"] = round(share, 3)
    if args.by_kind:
        print("\npage-hit@10 by kind of question, and by the share of the question's words "
              "found on its page (below/above the median):")
        for name, r in results.items():
            groups = ", ".join(f"{k} {v:.2f} (n={n})"
                               for k, (n, v) in breakdown(r, overlap).items())
            print(f"{name}: {groups}")
    if args.json:
        payload = json.dumps({"corpus": corpus, "results": results}, indent=1)
        if args.json == "-":
            sys.stdout.write(payload + "\n")
        else:
            tmp = Path(args.json + ".tmp")
            tmp.write_text(payload, encoding="utf-8")
            os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
