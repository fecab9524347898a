"""Vector storage options on SciFact, without re-embedding: int8 (stored), binary (sign bits),
and truncation to fewer dimensions, compared by document nDCG@10 (vector search only), bytes
per chunk and exact-search latency.

    python benchmarks/scifact.py --work-dir DIR        # builds DIR/library once
    python benchmarks/vector_options.py DIR
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import ndcg_at_10, scifact

from desktop_app.index.codec import VectorCodec
from desktop_app.library import Library


def main() -> None:
    work = Path(sys.argv[1])
    _, queries, qrels = scifact()
    with Library(work / "library") as lib:
        rows = lib.store.db.execute(
            "SELECT c.id, f.path, c.vector FROM chunks c JOIN files f ON f.id = c.file_id "
            "ORDER BY c.id").fetchall()
        docs = np.array([Path(r[1]).stem for r in rows])
        stored = lib.codec.from_bytes([r[2] for r in rows])
        full = lib.codec.decode(stored)  # int8 as float, 384 dims
        qids = [q for q in queries if q in qrels]
        qvecs = lib.encoder.embed_queries([queries[q] for q in qids])
    print(f"{len(rows)} chunks, {len(qids)} queries")
    print(f"{'option':14} {'bytes/chunk':>11} {'nDCG@10':>8} {'ms/query':>9}")
    for fmt, dims in (("int8", 384), ("int8", 256), ("int8", 128), ("binary", 384),
                      ("binary", 256)):
        codec = VectorCodec(fmt, dims)
        matrix = codec.decode(codec.encode(full))
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        scores = []
        started = time.perf_counter()
        for qid, q in zip(qids, qvecs):
            sims = matrix @ codec.query(q)
            top = np.argsort(-sims)[:200]
            ranked: list[str] = []
            for i in top:
                if docs[i] not in ranked:
                    ranked.append(docs[i])
                if len(ranked) == 10:
                    break
            scores.append(ndcg_at_10(ranked, qrels[qid]))
        ms = 1000 * (time.perf_counter() - started) / len(qids)
        print(f"{fmt + '-' + str(dims):14} {codec.bytes_per_vector:>11} "
              f"{sum(scores) / len(scores):>8.4f} {ms:>9.2f}")


if __name__ == "__main__":
    main()
