"""COVID-QA through the real pipeline: 98 long articles, 1,380 questions; a question's relevant
chunk is the one that contains its answer. Prints answer-chunk nDCG@10 and hit@10.

    python benchmarks/covidqa.py [--chunk-tokens N] [--framing late|alone|blend:W] ...

Reference (shared/data/README, 1,000-character chunks): chunks alone 0.391; late chunking in
512-token windows 0.330; 0.25·late + 0.75·alone 0.393.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import covidqa
from scifact import add_pipeline_arguments, index_corpus, profile_from_args, searches

from desktop_app.extract import extract


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    add_pipeline_arguments(ap)
    ap.add_argument("--per-file", type=int, default=None,
                    help="passages per file in results (default: the product's default)")
    ap.add_argument("--work-dir", type=Path, default=None,
                    help="keep the corpus files and library here (default: a temp folder)")
    args = ap.parse_args()
    articles, questions = covidqa()
    profile = profile_from_args(args)
    with tempfile.TemporaryDirectory() as tmp:
        spans: list[tuple[str, int, int]] = []
        lib, summary, index_s, docs = index_corpus(args.work_dir or Path(tmp), articles,
                                                   profile, args.chunk_tokens)
        with lib:
            stats = lib.encoder.stats
            kept = []
            for question, aid, answer in questions[: args.limit_queries]:
                text = extract(docs / f"{aid}.txt")[0].text
                # extraction normalises whitespace a little; find the answer in what was indexed
                start = text.find(answer)
                if start < 0:
                    continue
                kept.append(question)
                spans.append((str((docs / f"{aid}.txt").resolve()), start, start + len(answer)))
            print(f"framing={args.framing} chunk_tokens={lib.chunk_tokens} "
                  f"profile={lib.profile.framing}")
            print(f"indexed {summary.indexed} files, {summary.chunks} chunks in {index_s:.0f} s;"
                  f" tokens encoded {stats.tokens_encoded:,}")
            extra = {} if args.per_file is None else {"per_file": args.per_file or None}
            for mode, options in searches(args):
                started = time.perf_counter()
                results = lib.search_many(kept, replace(options, k=10, **extra))
                search_s = time.perf_counter() - started
                ndcg, hits = [], 0
                for (path, a, b), hits_q in zip(spans, results):
                    relevant = [i for i, h in enumerate(hits_q)
                                if h.path == path and h.char_start < b and h.char_end > a]
                    if relevant:
                        hits += 1
                        ndcg.append(1 / math.log2(relevant[0] + 2))
                    else:
                        ndcg.append(0.0)
                print(f"COVID-QA answer-chunk nDCG@10 [{mode}] = {sum(ndcg) / len(ndcg):.4f}  "
                      f"hit@10 = {hits / len(ndcg):.4f}  "
                      f"({1000 * search_s / max(len(kept), 1):.1f} ms/query)")


if __name__ == "__main__":
    main()
