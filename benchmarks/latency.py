"""Query latency, HNSW recall@10 and memory at 10k / 100k (/ 1M) synthetic chunks.

Builds a real data folder per size: clustered random 384-dim vectors (a mixture of 1,000
gaussian centroids, normalised, stored int8 through ``VectorCodec``) written to SQLite with
``Store.record_file`` (100 chunks per synthetic file, short text from a small vocabulary so
hybrid search has keyword hits) and inserted into the library's ``VectorIndex`` (the app's
M / ef_construction / ef). Then, in a fresh child process per size (so RSS and the first
query are what a newly started app sees): open the library, time the first query (which
loads the bundled model), then warm queries — real short questions embedded by the bundled
model + ``searching.search`` in vector and hybrid mode, result assembly included.

Recall@10: 1,000 queries (perturbed data points) against exact numpy search over the same
decoded vectors, through ``VectorIndex.search`` as the app calls it: asking for 100 neighbours
(what a 10-result search asks the graph for) and for 10. The graph picks its own ef from k
(``max(400, 2k)`` in desktop_app/index/ann.py, so 400 for both); the ef it used is reported
beside each recall.

    python benchmarks/latency.py                      # 10k and 100k
    python benchmarks/latency.py --sizes 10000 100000 1000000 --keep /tmp/latency-libs
    python benchmarks/latency.py --ann-only 1000000   # graph build + recall + RAM, no SQLite
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DIM = 384
CENTROIDS = 1000
CHUNKS_PER_FILE = 100
QUESTIONS = [
    "how do I configure the network interface", "what causes a kernel panic",
    "install packages without internet", "who wrote the first draft of the contract",
    "what is the refund policy", "how does the virus spread between people",
    "symptoms of covid in children", "how to reset a forgotten password",
    "when is the tax return due", "what is the boiling point of water at altitude",
    "how to mount an encrypted disk", "side effects of the vaccine",
    "best practices for backup", "what does error code 404 mean",
    "how many people attended the meeting", "summary of quarterly revenue",
    "how to compile the kernel from source", "what is the warranty period",
    "list of approved suppliers", "why is the system slow after update",
    "how to set up a printer", "incubation period of coronavirus",
    "what are the terms of the lease", "how to change the default shell",
    "recipe for sourdough bread", "what is a mutex", "how to cite a paper",
    "grub boot loader configuration", "which ports does ssh use",
    "protein folding mechanism",
]
VOCAB = sorted(set(" ".join(QUESTIONS).split()) | set(
    "system file data report network package virus patient policy error disk kernel user "
    "server bread tax lease meeting revenue backup printer shell boot memory protein cell "
    "study result method analysis value table figure section page chapter manual".split()))


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def synthetic(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centroids = rng.standard_normal((CENTROIDS, DIM)).astype(np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    out = np.empty((n, DIM), np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        which = rng.integers(0, CENTROIDS, m)
        v = centroids[which] + rng.standard_normal((m, DIM)).astype(np.float32) * 0.06
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p))


def recall_at_10(index, decoded: np.ndarray, labels: np.ndarray, n_queries: int = 1000,
                 seed: int = 1, asks: tuple[tuple[str, int], ...] = (
                     ("k100_app", 100), ("k10", 10))) -> dict[str, float]:
    """index: a VectorIndex holding ``decoded`` (float rows) under ``labels``.

    Each ask is (name, k asked of ``index.search``); the graph chooses the ef from k, and the
    ef it searched at is reported as ``ef_<name>``."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(decoded), n_queries, replace=False)
    norm = decoded / np.linalg.norm(decoded, axis=1, keepdims=True)
    q = norm[pick] + rng.standard_normal((n_queries, DIM)).astype(np.float32) * 0.03
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    exact = np.empty((n_queries, 10), np.int64)
    for s in range(0, n_queries, 100):
        sims = q[s:s + 100] @ norm.T
        top = np.argpartition(-sims, 10, axis=1)[:, :10]
        exact[s:s + 100] = labels[top]
    out = {}
    for name, k_asked in asks:
        hits = 0
        t0 = time.perf_counter()
        for i in range(n_queries):
            got, _ = index.search(q[i], k_asked)
            hits += len(set(got[:10].tolist()) & set(exact[i].tolist()))
        out[f"recall@10_{name}"] = hits / (10 * n_queries)
        out[f"ann_ms_{name}"] = (time.perf_counter() - t0) / n_queries * 1000
        out[f"ef_{name}"] = searched_ef(index)
    return out


def searched_ef(index) -> int | None:
    """The ef the graph's last search ran at (hnswlib keeps it), whatever rule chose it."""
    return getattr(getattr(index, "_index", None), "ef", None)


def sentence_pool(db_path: Path) -> list[str]:
    """Sentences of a real library's chunks (read-only), to make text with real word
    frequencies for the keyword side of hybrid search."""
    import re
    import sqlite3

    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    pool: list[str] = []
    for (text,) in db.execute("SELECT text FROM chunks"):
        pool.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 20)
    db.close()
    return pool


def build(size: int, data_dir: Path, text_from: list[Path] | None = None) -> dict:
    from desktop_app.index.store import NewChunk
    from desktop_app.library import Library

    result: dict = {"size": size, "load_before_build": loadavg()}
    vectors = synthetic(size)
    lib = Library(data_dir)
    codec = lib.codec
    rows = codec.encode(vectors)
    decoded = codec.decode(rows)
    rng = np.random.default_rng(2)
    words = np.asarray(VOCAB)
    pool = [s for p in text_from for s in sentence_pool(p)] if text_from else []
    result["text"] = f"real sentences ({len(pool):,})" if pool else "24 words, small vocabulary"

    def make_text() -> str:
        if not pool:
            return " ".join(words[rng.integers(0, len(words), 24)])
        parts, n = [], 0
        while n < 900:  # real 256-token chunks average ~900 characters
            parts.append(pool[int(rng.integers(0, len(pool)))])
            n += len(parts[-1]) + 1
        return " ".join(parts)
    t0 = time.perf_counter()
    all_ids: list[int] = []
    store = lib.store
    for f in range(0, size, CHUNKS_PER_FILE):
        m = min(CHUNKS_PER_FILE, size - f)
        chunks = []
        for j in range(m):
            text = make_text()
            chunks.append(NewChunk(page=1 + j // 4, char_start=j * 1000,
                                   char_end=j * 1000 + len(text), text=text, vector=rows[f + j]))
        path = f"/synthetic/dir{f // 10_000}/file{f // CHUNKS_PER_FILE}.txt"
        ids, _ = store.record_file(path,
                                   size=1000, mtime_ns=0, sha256=None, status="indexed",
                                   reason=None, pages=25, chunks=chunks)
        all_ids.extend(ids)
    result["sqlite_insert_s"] = time.perf_counter() - t0
    labels = np.asarray(all_ids, np.int64)
    t0 = time.perf_counter()
    lib.graph.add(labels, decoded)  # one thread, as the app adds
    result["graph_build_s"] = time.perf_counter() - t0
    result.update(recall_at_10(lib.graph, decoded, labels))
    t0 = time.perf_counter()
    lib.save_graph()
    result["graph_save_s"] = time.perf_counter() - t0
    with store.db:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    lib.close()
    db = data_dir / "library.sqlite3"
    result["sqlite_bytes"] = db.stat().st_size
    result["bytes_per_chunk_sqlite"] = db.stat().st_size / size
    graph = data_dir / "vectors.hnsw"
    result["graph_file_bytes"] = graph.stat().st_size
    result["graph_meta_bytes"] = graph.with_suffix(".json").stat().st_size
    result["load_after_build"] = loadavg()
    return result


def measure(data_dir: Path, n: int) -> dict:
    """Run in a fresh process: open, first query, warm queries, RSS."""
    result: dict = {"rss_start_mb": rss_mb()}
    t0 = time.perf_counter()
    from desktop_app import searching
    from desktop_app.library import Library
    from desktop_app.searching import SearchOptions

    lib = Library(data_dir)
    result["open_s"] = time.perf_counter() - t0
    result["rss_open_mb"] = rss_mb()
    t0 = time.perf_counter()
    lib.search(QUESTIONS[0], SearchOptions(k=10, mode="hybrid"))
    result["first_query_s"] = time.perf_counter() - t0
    result["rss_after_first_query_mb"] = rss_mb()
    times: dict[str, list[float]] = {k: [] for k in
                                     ("embed", "vector", "hybrid", "total_vector", "total_hybrid",
                                      "app_hybrid")}
    for i in range(n):
        q = QUESTIONS[i % len(QUESTIONS)] + ("" if i < len(QUESTIONS) else f" {i}")
        t0 = time.perf_counter()
        v = lib.encoder.embed_query(q)
        t1 = time.perf_counter()
        searching.search(lib.search_index(), q, v, SearchOptions(k=10, mode="vector"))
        t2 = time.perf_counter()
        searching.search(lib.search_index(), q, v, SearchOptions(k=10, mode="hybrid"))
        t3 = time.perf_counter()
        # what the app runs: the keyword side in parallel with embedding and the graph
        lib.search(q, SearchOptions(k=10, mode="hybrid"))
        times["app_hybrid"].append(time.perf_counter() - t3)
        times["embed"].append(t1 - t0)
        times["vector"].append(t2 - t1)
        times["hybrid"].append(t3 - t2)
        times["total_vector"].append(t2 - t0)
        times["total_hybrid"].append((t1 - t0) + (t3 - t2))
    for key, vals in times.items():
        ms = [v * 1000 for v in vals]
        result[f"{key}_ms"] = {"p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99)}
    gc.collect()
    result["rss_rest_mb"] = rss_mb()
    result["load"] = loadavg()
    lib.close()
    return result


def ann_only(size: int) -> dict:
    from desktop_app.index import VectorIndex
    from desktop_app.index.codec import VectorCodec

    r0 = rss_mb()
    codec = VectorCodec("int8", DIM)
    decoded = codec.decode(codec.encode(synthetic(size)))
    labels = np.arange(1, size + 1, dtype=np.int64)
    index = VectorIndex(DIM)
    t0 = time.perf_counter()
    step = 50_000
    for s in range(0, size, step):
        index.add(labels[s:s + step], decoded[s:s + step])
        print(f"  {s + step:,} added, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    result = {"size": size, "graph_build_s": time.perf_counter() - t0,
              "rss_with_vectors_and_graph_mb": rss_mb() - r0}
    result.update(recall_at_10(index, decoded, labels))
    return result


def brute_force(size: int, repeats: int = 5) -> dict:
    """What a graph-less design would pay per query: exact scans over the stored vectors
    (int8 → float32 matrix product; binary → XOR + popcount), median of ``repeats``."""
    from desktop_app.index.codec import VectorCodec

    vectors = synthetic(size)
    q = vectors[0]
    out: dict = {"size": size}
    f32 = VectorCodec("int8", DIM).decode(VectorCodec("int8", DIM).encode(vectors))
    binary = VectorCodec("binary", DIM).encode(vectors)
    words = np.ascontiguousarray(binary).view(np.uint64)  # 48 bytes = 6 words
    qbits = VectorCodec("binary", DIM).encode(q[None])[0].view(np.uint64)
    del vectors
    for name, fn in (
            ("float32_matmul_ms", lambda: np.argpartition(-(f32 @ q), 100)[:100]),
            ("binary_hamming_ms", lambda: np.argpartition(
                np.bitwise_count(words ^ qbits).sum(axis=1, dtype=np.uint16), 100)[:100])):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = statistics.median(times)
    out["float32_bytes"] = f32.nbytes
    out["binary_bytes"] = binary.nbytes
    return out


def plot(json_files: list[Path], out: Path) -> None:
    """Latency (p50, p95 of embedding + search) against index size, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted((r for f in json_files for r in json.loads(f.read_text())
                   if "total_vector_ms" in r and "real" not in str(r.get("text", ""))),
                  key=lambda r: r["size"])
    sizes = [r["size"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label, colour in (("total_vector_ms", "vector", "tab:blue"),
                               ("total_hybrid_ms", "hybrid", "tab:orange")):
        ax.plot(sizes, [r[key]["p50"] for r in rows], "o-", color=colour, label=f"{label} p50")
        ax.plot(sizes, [r[key]["p95"] for r in rows], "s--", color=colour, label=f"{label} p95")
    ax.axhline(30, color="grey", lw=0.8, ls=":")
    ax.axhline(50, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the library")
    ax.set_ylabel("query embedding + search, ms")
    ax.set_title("Query latency vs index size (2 cores, shared)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def ef_sweep(data_dir: Path) -> dict:
    """Recall@10 of a built library's saved graph, asking for k = 10 … 400 neighbours; the
    graph picks the ef from k (reported as ``ef_k<N>``: 400 up to k = 200, 800 at k = 400)."""
    import sqlite3

    from desktop_app.index import VectorIndex
    from desktop_app.index.codec import VectorCodec

    codec = VectorCodec("int8", DIM)
    db = sqlite3.connect(f"file:{data_dir / 'library.sqlite3'}?mode=ro", uri=True)
    ids, blobs = zip(*db.execute("SELECT id, vector FROM chunks ORDER BY id"))
    labels = np.asarray(ids, np.int64)
    decoded = codec.decode(codec.from_bytes(list(blobs)))
    del blobs
    index, _ = VectorIndex.load(data_dir / "vectors.hnsw", DIM)
    asks = tuple((f"k{k}", k) for k in (10, 50, 100, 200, 400))
    return {"size": len(labels), **recall_at_10(index, decoded, labels, asks=asks)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=300, help="warm queries per size")
    ap.add_argument("--keep", type=Path, help="build the libraries here and keep them")
    ap.add_argument("--ann-only", type=int, nargs="*", default=None,
                    help="sizes to measure as bare graphs (build, recall, RAM) only")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--ef-sweep", type=Path, nargs="*", default=None, metavar="DATA_DIR",
                    help="recall@10 against ef of libraries built earlier (--keep)")
    ap.add_argument("--scan-only", type=int, nargs="*", default=None,
                    help="sizes at which to time exact brute-force scans (float32, binary)")
    ap.add_argument("--text-from", type=Path, nargs="+",
                    help="library.sqlite3 files whose chunk sentences make the synthetic text "
                         "(default: 24 words from a ~200-word vocabulary)")
    ap.add_argument("--suffix", default="", help="data folder name suffix")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--plot", type=Path, nargs="+", metavar=("OUT.png", "RESULTS.json"),
                    help="plot latency against size from earlier --json files, and exit")
    args = ap.parse_args()
    if args.plot:
        plot(args.plot[1:], args.plot[0])
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.queries)))
        return
    print(f"load average at start: {loadavg()}  ({os.cpu_count()} CPUs)")
    results = []
    if args.ef_sweep is not None:
        for data_dir in args.ef_sweep:
            r = ef_sweep(data_dir)
            print(json.dumps(r))
            results.append(r)
    elif args.scan_only is not None:
        for size in args.scan_only:
            r = brute_force(size)
            print(json.dumps(r))
            results.append(r)
    elif args.ann_only is not None:
        for size in args.ann_only:
            r = ann_only(size)
            print(json.dumps(r))
            results.append(r)
    else:
        root = args.keep or Path(tempfile.mkdtemp(prefix="latency-"))
        for size in args.sizes:
            data_dir = root / f"lib-{size}{args.suffix}"
            if (data_dir / "library.sqlite3").exists():
                print(f"{size:,}: reusing {data_dir}")
                r = {"size": size}
            else:
                print(f"{size:,}: building {data_dir}")
                r = build(size, data_dir, args.text_from)
            out = subprocess.run([sys.executable, __file__, "--measure", str(data_dir),
                                  "--queries", str(args.queries)],
                                 check=True, capture_output=True, text=True)
            r.update(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(r))
            results.append(r)
        print()
        print("| chunks | build s (SQLite / graph) | recall@10 (k=100 as the app asks / k=10) | "
              "ef searched | open s | "
              "first query s | embed p50/p95/p99 ms | vector total p50/p95/p99 ms | "
              "hybrid total p50/p95/p99 ms | RSS at rest MB | SQLite B/chunk | load |")
        print("|" + "---|" * 12)
        def f3(r: dict, key: str) -> str:
            d = r[key]
            return f"{d['p50']:.1f} / {d['p95']:.1f} / {d['p99']:.1f}"

        for r in results:
            print(f"| {r['size']:,} | {r.get('sqlite_insert_s', float('nan')):.1f} / "
                  f"{r.get('graph_build_s', float('nan')):.1f} | "
                  f"{r.get('recall@10_k100_app', float('nan')):.4f} / "
                  f"{r.get('recall@10_k10', float('nan')):.4f} | "
                  f"{r.get('ef_k100_app')} / {r.get('ef_k10')} | {r['open_s']:.2f} | "
                  f"{r['first_query_s']:.2f} | {f3(r, 'embed_ms')} | {f3(r, 'total_vector_ms')} | "
                  f"{f3(r, 'total_hybrid_ms')} | {r['rss_rest_mb']:.0f} | "
                  f"{r.get('bytes_per_chunk_sqlite', float('nan')):.0f} | {r['load']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
