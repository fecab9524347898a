"""How well the relevance figure separates answers from unrelated passages.

Indexes a SciFact subset (the evidence of the first N claims plus as many other abstracts)
with ``Library`` and runs, in each search mode, the claims (which have an answer in the
library) and off-topic questions and nonsense (which have none). Prints, per mode, the
cosine similarity and relevance of the top result for each group, and how often
``good_match`` is right: true for an answered claim whose top result is its evidence, false
for a question the library cannot answer.

    python benchmarks/relevance.py [--claims 150] [--others 1500] [--work-dir DIR]

The constants in desktop_app/searching.py (COSINE_MIDPOINT, COSINE_SPREAD, WORDS_WEIGHT,
GOOD_MATCH) were chosen from what this prints.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import scifact
from scifact import index_corpus

from desktop_app.embedding import MINILM
from desktop_app.searching import SearchOptions

#: Questions a person might type that a library of biomedical abstracts cannot answer.
OFF_TOPIC = [
    "how do I replace the chain on a bicycle", "best temperature to bake sourdough bread",
    "when does the train to Lyon leave", "how to set up a wireless printer on Windows",
    "who won the football world cup in 1998", "recipe for lemon drizzle cake",
    "how many moons does Jupiter have", "cheap flights to Lisbon in March",
    "how to change a flat tyre on a car", "what is the capital of Australia",
    "how do I reset my router password", "lyrics of a famous Beatles song",
    "tax return deadline for freelancers", "how to tune a guitar by ear",
    "install python on a mac", "knitting pattern for a wool scarf",
    "history of the Roman empire", "how to grow tomatoes on a balcony",
    "what time is sunset in Oslo in June", "how to write a cover letter for a job",
    "rules of chess castling", "how to paint a bedroom wall",
    "mortgage interest rates comparison", "how to train a puppy to sit",
    "the plot of Moby Dick", "compile a C program with gcc",
    "how do volcanoes form", "where to buy a second-hand sofa",
    "meaning of the word serendipity", "how to fold a paper airplane",
]
NONSENSE = ["zzzzqqq xylophone", "qwerty asdf zxcv", "blorft wimzle", "xq zv kp",
            "lorem ipsum dolor sit amet", "aaaa bbbb cccc", "fjdksla", "purple monkey dishwasher"]


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    q = statistics.quantiles(values, n=20) if len(values) > 1 else values * 19
    return f"p5 {q[0]:.3f}  p50 {statistics.median(values):.3f}  p95 {q[-1]:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--claims", type=int, default=150)
    ap.add_argument("--others", type=int, default=1500)
    ap.add_argument("--work-dir", type=Path, default=None)
    args = ap.parse_args()
    corpus, queries, qrels = scifact()
    claims = [q for q in queries if q in qrels][: args.claims]
    needed = {d for q in claims for d in qrels[q] if d in corpus}
    rest = sorted(set(corpus) - needed)
    random.Random(7).shuffle(rest)
    texts = {d: corpus[d] for d in sorted(needed | set(rest[: args.others]))}
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="relevance-"))
    lib, _, seconds, _ = index_corpus(work, texts, MINILM, None)
    print(f"{len(texts)} abstracts, {len(claims)} claims, {len(OFF_TOPIC)} off-topic, "
          f"{len(NONSENSE)} nonsense; indexed in {seconds:.0f} s")
    for mode in ("hybrid", "vector", "keyword"):
        answered = lib.search_many([queries[q] for q in claims], SearchOptions(k=10, mode=mode))
        unanswerable = lib.search_many(OFF_TOPIC + NONSENSE, SearchOptions(k=10, mode=mode))
        hit_top, hit_sim, miss_top, miss_sim, right = [], [], [], [], 0
        for q, results in zip(claims, answered):
            if results and Path(results[0].path).stem in qrels[q]:
                hit_top.append(results[0].score)
                if results[0].similarity is not None:
                    hit_sim.append(results[0].similarity)
                right += results[0].good_match
        for results in unanswerable:
            miss_top.append(results[0].score if results else 0.0)
            if results and results[0].similarity is not None:
                miss_sim.append(results[0].similarity)
        quiet = sum(not (r and r[0].good_match) for r in unanswerable)
        print(f"\n{mode}: top result is the evidence for {len(hit_top)} of {len(claims)} claims")
        print(f"  evidence at top  relevance {percentiles(hit_top)}")
        print(f"                   similarity {percentiles(hit_sim)}")
        print(f"  unanswerable top relevance {percentiles(miss_top)}")
        print(f"                   similarity {percentiles(miss_sim)}")
        print(f"  good_match right: {right} of {len(hit_top)} answered "
              f"({right / max(len(hit_top), 1):.2f}), {quiet} of {len(unanswerable)} "
              f"unanswerable said 'no good match' ({quiet / len(unanswerable):.2f})")
    lib.close()


if __name__ == "__main__":
    main()
