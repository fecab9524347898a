"""SQLite store and the hnswlib graph: rows, replacement, generations, atomic save, reconcile."""

from __future__ import annotations

import numpy as np

from desktop_app.index import Store, VectorIndex
from desktop_app.index.store import NewChunk


def _chunks(n: int, dim: int = 8, seed: int = 0) -> list[NewChunk]:
    rng = np.random.default_rng(seed)
    return [NewChunk(page=i + 1, char_start=0, char_end=5, text=f"chunk {i}",
                     vector=rng.integers(-127, 128, dim).astype(np.int8)) for i in range(n)]


def test_a_file_is_replaced_whole_and_its_old_chunks_reported(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    gen0 = store.generation()
    first, replaced = store.record_file("/a.pdf", size=1, mtime_ns=1, sha256="x",
                                        status="indexed", reason=None, chunks=_chunks(3))
    assert replaced == [] and len(first) == 3 and store.generation() == gen0 + 1
    second, replaced = store.record_file("/a.pdf", size=2, mtime_ns=2, sha256="y",
                                         status="indexed", reason=None, chunks=_chunks(2))
    assert replaced == first and min(second) > max(first), "ids are never reused"
    assert store.counts() == {"indexed": 1, "skipped": 0, "failed": 0, "chunks": 2}
    assert store.integrity_ok()


def test_files_below_a_folder_match_by_path_prefix_case_sensitively(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    for path in ("/docs/a.txt", "/docs/sub/b.txt", "/docs2/c.txt", "/Docs/d.txt"):
        store.record_file(path, size=1, mtime_ns=1, sha256=None, status="skipped",
                          reason="empty file")
    assert sorted(r.path for r in store.files_under("/docs")) == ["/docs/a.txt",
                                                                  "/docs/sub/b.txt"]
    assert [r.path for r in store.files_under("/docs/a.txt")] == ["/docs/a.txt"]


def test_the_graph_saves_atomically_and_loads_with_its_stamp(tmp_path):
    graph = VectorIndex(dim=8)
    vectors = np.eye(8, dtype=np.float32)
    graph.add(np.arange(10, 18), vectors)
    graph.remove([11])
    graph.save(tmp_path / "g.hnsw", stamp="lib:7")
    loaded, stamp = VectorIndex.load(tmp_path / "g.hnsw", dim=8)
    assert stamp == "lib:7" and loaded.labels() == set(range(10, 18)) - {11}
    labels, scores = loaded.search(vectors[3], k=3)
    assert labels[0] == 13 and scores[0] > 0.99 and 11 not in labels
    assert not list(tmp_path.glob("*.tmp"))


def test_a_missing_or_damaged_graph_loads_empty_without_a_stamp(tmp_path):
    graph, stamp = VectorIndex.load(tmp_path / "none.hnsw", dim=8)
    assert stamp is None and len(graph) == 0
    (tmp_path / "bad.hnsw").write_bytes(b"garbage")
    (tmp_path / "bad.json").write_text('{"dim": 8, "stamp": 1, "capacity": 5, "labels": [1]}')
    graph, stamp = VectorIndex.load(tmp_path / "bad.hnsw", dim=8)
    assert stamp is None and len(graph) == 0


def test_the_graph_grows_past_its_initial_capacity_and_caps_k(tmp_path):
    graph = VectorIndex(dim=4)
    rng = np.random.default_rng(0)
    graph.add(np.arange(3000), rng.normal(size=(3000, 4)).astype(np.float32))
    assert len(graph) == 3000
    small = VectorIndex(dim=4)
    small.add(np.array([1, 2]), np.eye(4, dtype=np.float32)[:2])
    labels, _ = small.search(np.ones(4, np.float32), k=10)
    assert sorted(labels.tolist()) == [1, 2]


def test_a_keyword_ranking_past_its_deadline_stops_with_a_timeout(tmp_path):
    import time

    import pytest

    from desktop_app.index.store import QueryTimeout

    store = Store(tmp_path / "db.sqlite3")
    for f in range(5):
        store.record_file(f"/{f}.txt", size=1, mtime_ns=1, sha256=str(f), status="indexed",
                          reason=None, chunks=_chunks(1000, seed=f))
    assert len(store.keyword_search('"chunk"', 10)) == 10
    assert store.has_keyword_match('"chunk"') and not store.has_keyword_match('"absent"')
    with pytest.raises(QueryTimeout):
        store.keyword_search('"chunk"', 10, deadline=time.perf_counter() - 1)
    # the connection is usable afterwards, without the deadline
    assert len(store.keyword_search('"chunk"', 10, deadline=time.perf_counter() + 60)) == 10
