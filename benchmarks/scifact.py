"""SciFact through the real pipeline: index 5,183 abstracts with ``Library``, run the 300 test
claims, print document nDCG@10 (a document scores by its best chunk).

    python benchmarks/scifact.py [--chunk-tokens N] [--framing late|alone|blend:W]
                                 [--context N] [--window N] [--limit-queries N]

Reference: the bundled model embedding each abstract whole scored 0.647 (shared/data/README).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import ndcg_at_10, scifact

from desktop_app import searching
from desktop_app.embedding import MINILM
from desktop_app.library import Library
from desktop_app.searching import SearchOptions


def profile_from_args(args: argparse.Namespace):
    changes: dict[str, object] = {}
    if args.framing == "alone":
        changes["standalone_weight"] = 1.0
    elif args.framing == "late":
        changes["standalone_weight"] = 0.0
    elif args.framing.startswith("blend:"):
        changes["standalone_weight"] = float(args.framing.split(":", 1)[1])
    if args.context is not None:
        changes["context_tokens"] = args.context
    if args.window is not None:
        changes["window_tokens"] = args.window
    if args.head is not None:
        changes["head_tokens"] = args.head
    return MINILM.with_framing(**changes) if changes else MINILM


def add_pipeline_arguments(ap: argparse.ArgumentParser) -> None:
    """The options both evaluation scripts share: how to index, what to evaluate."""
    ap.add_argument("--chunk-tokens", type=int, default=None)
    ap.add_argument("--framing", default="default")
    ap.add_argument("--context", type=int, default=None)
    ap.add_argument("--window", type=int, default=None)
    ap.add_argument("--head", type=int, default=None,
                    help="tokens of the file's start read as context by each chunk")
    ap.add_argument("--limit-queries", type=int, default=None)
    ap.add_argument("--modes", default="vector,hybrid,keyword",
                    help="search modes to evaluate on the same index")
    ap.add_argument("--configs", default=None,
                    help="instead of --modes: search configurations as known_items.py reads "
                         "them (default, before, hybrid:per10:rrf, ...)")
    ap.add_argument("--keyword-budget", type=float, default=searching.KEYWORD_BUDGET_S,
                    help="seconds the keyword side may take in hybrid search (0: no limit; "
                         "a loaded machine otherwise cuts it short)")


def searches(args: argparse.Namespace) -> list[tuple[str, SearchOptions]]:
    """(label, options) to evaluate: ``--configs`` when given, else one per ``--modes``;
    sets the keyword budget from ``--keyword-budget``."""
    searching.KEYWORD_BUDGET_S = args.keyword_budget or None
    if args.configs:
        from known_items import parse_config

        return [parse_config(c) for c in args.configs.split(",") if c.strip()]
    return [(mode, SearchOptions(k=10, mode=mode)) for mode in args.modes.split(",")]


def index_corpus(work: Path, texts: dict[str, str], profile, chunk_tokens: int | None):
    """Write ``texts`` as ``<work>/corpus/<id>.txt`` (once) and index them in
    ``<work>/library``; (the open library, the sync's summary, seconds taken, corpus folder)."""
    docs = work / "corpus"
    docs.mkdir(parents=True, exist_ok=True)
    for doc_id, text in texts.items():
        target = docs / f"{doc_id}.txt"
        if not target.exists():
            target.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    lib = Library(work / "library", profile=profile, chunk_tokens=chunk_tokens)
    lib.add([docs])
    summary = None
    for event in lib.sync():
        summary = event.summary or summary
    return lib, summary, time.perf_counter() - started, docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    add_pipeline_arguments(ap)
    ap.add_argument("--work-dir", type=Path, default=None,
                    help="keep the corpus files and library here (default: a temp folder)")
    args = ap.parse_args()
    corpus, queries, qrels = scifact()
    profile = profile_from_args(args)
    with tempfile.TemporaryDirectory() as tmp:
        lib, summary, index_s, _ = index_corpus(args.work_dir or Path(tmp), corpus, profile,
                                                args.chunk_tokens)
        with lib:
            stats = lib.encoder.stats
            qids = [q for q in queries if q in qrels][: args.limit_queries]
            print(f"framing={args.framing} chunk_tokens={lib.chunk_tokens} "
                  f"profile={lib.profile.framing}")
            print(f"indexed {summary.indexed} files, {summary.chunks} chunks in {index_s:.0f} s;"
                  f" tokens encoded {stats.tokens_encoded:,} (padded {stats.padded_tokens:,})")
            for mode, options in searches(args):
                started = time.perf_counter()
                # one passage per document: the metric ranks documents by their best chunk
                results = lib.search_many([queries[q] for q in qids],
                                          replace(options, k=10, per_file=1))
                search_s = time.perf_counter() - started
                scores = []
                for qid, hits in zip(qids, results):
                    ranked = [Path(hit.path).stem for hit in hits]
                    scores.append(ndcg_at_10(ranked, qrels[qid]))
                print(f"SciFact nDCG@10 [{mode}] = {sum(scores) / len(scores):.4f}   "
                      f"({1000 * search_s / len(qids):.1f} ms/query)")


if __name__ == "__main__":
    main()
