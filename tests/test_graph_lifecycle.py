"""The vector graph's life at scale: opened in the background, saved when enough changed,
caught up after a crash, never holding a search behind a long insert."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from test_library import write_docs

from desktop_app.data_folder import GRAPH_NAME
from desktop_app.index import Store, VectorIndex, ann
from desktop_app.index.keeper import GraphKeeper
from desktop_app.library import Library
from desktop_app.searching import SearchOptions


def make_library(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    with Library(data, chunk_tokens=32) as lib:
        lib.add([write_docs(tmp_path / "docs")])
        list(lib.sync())
    return data


def test_a_search_is_not_held_up_by_a_long_insert():
    rng = np.random.default_rng(0)
    graph = VectorIndex(64)
    graph.add(np.arange(1000), rng.normal(size=(1000, 64)))
    step = ann.ADD_SLICE  # vectors per slice of a one-thread insert
    bulk = rng.normal(size=(10 * step, 64))
    hnsw = graph._index
    searches: list[threading.Thread] = []
    answers: list[np.ndarray] = []
    count_seen_by_search: list[int] = []

    class SearchDuringSecondSlice:
        """hnswlib's index as it is, except that a search arrives while the insert's second
        slice holds the lock (whatever the machine's speed)."""

        def __getattr__(self, name: str):
            return getattr(hnsw, name)

        def add_items(self, *args, **kwargs) -> None:
            hnsw.add_items(*args, **kwargs)
            if hnsw.get_current_count() == 1000 + 2 * step:
                search = threading.Thread(
                    target=lambda: answers.append(graph.search(bulk[0], 5)[0]))
                search.start()
                searches.append(search)
                with graph._searches_done:  # it queues for the lock we hold
                    asked = graph._searches_done.wait_for(lambda: graph._searches_waiting, 60)
                assert asked, "the search never asked for the graph"

        def knn_query(self, *args, **kwargs):
            count_seen_by_search.append(hnsw.get_current_count())
            return hnsw.knn_query(*args, **kwargs)

    graph._index = SearchDuringSecondSlice()
    graph.add(np.arange(1000, 1000 + len(bulk)), bulk)
    searches[0].join()
    # the search was answered right after the slice it arrived in, not after all of them
    assert count_seen_by_search == [1000 + 2 * step]
    assert len(answers[0]) == 5
    assert len(graph) == 1000 + len(bulk)


def test_a_large_graph_is_saved_once_enough_changed_and_always_on_close(tmp_path, monkeypatch):
    data = make_library(tmp_path)
    graph_file = data / GRAPH_NAME
    monkeypatch.setattr(ann, "SMALL_GRAPH", 1)  # every graph counts as large
    monkeypatch.setattr(ann, "SAVE_FRACTION", 0.5)
    lib = Library(data)
    saved = graph_file.stat().st_mtime_ns
    total = len(lib.graph)
    docs = tmp_path / "docs"
    (docs / "new.txt").write_text("Glaciers carve valleys as they slowly move downhill.")
    list(lib.sync())
    assert len(lib.graph) > total and 0 < lib.graph.unsaved < total / 2
    assert graph_file.stat().st_mtime_ns == saved, "one new file rewrote the whole graph"
    # a crash now (nothing saved on the way out): the next open catches up from SQLite
    lib._connections.close_all()
    lib._lock.release()
    reopened = Library(data)
    assert reopened.graph.labels() == reopened.store.chunk_ids()
    hit = reopened.search("ice shaping valleys", SearchOptions(k=1, mode="vector"))[0]
    assert Path(hit.path).name == "new.txt"
    reopened.close()
    assert graph_file.stat().st_mtime_ns != saved, "closing saves what changed"


def test_the_library_opens_before_its_graph_and_searches_by_keyword_meanwhile(
        tmp_path, monkeypatch):
    data = make_library(tmp_path)
    (data / GRAPH_NAME).unlink()  # the graph must be rebuilt from SQLite
    reached, release = threading.Event(), threading.Event()
    original = Store.vectors

    def held_vectors(self, ids, width):
        reached.set()  # the graph knows what it lacks and starts reading it
        release.wait(30)
        yield from original(self, ids, width)

    monkeypatch.setattr(Store, "vectors", held_vectors)
    lib = Library(data, graph_in_background=True)
    try:
        assert lib.graph_loading() is not None, "opened before the graph was rebuilt"
        assert reached.wait(30)
        loading = lib.graph_loading()
        assert loading == (0, lib.store.counts()["chunks"]), "(inserted, to insert)"
        assert lib.status().graph_loading == loading
        hits = lib.search("when are income tax returns due", SearchOptions(k=1))
        assert hits and Path(hits[0].path).name == "tax.md", "the keyword side answers"
        # a sync waits for the graph instead of writing into a half-built one
        synced = threading.Event()
        threading.Thread(target=lambda: (list(lib.sync()), synced.set()), daemon=True).start()
        assert not synced.wait(0.5)
        release.set()
        assert lib.wait_for_graph(30) and synced.wait(30)
        assert lib.graph_loading() is None
        assert lib.graph.labels() == lib.store.chunk_ids()
        [top] = lib.search("molten rock", SearchOptions(k=1, mode="vector"))
        assert Path(top.path).name == "volcano.txt"
    finally:
        release.set()
        lib.close()


def test_closing_while_the_graph_catches_up_saves_nothing_half_built(tmp_path, monkeypatch):
    data = make_library(tmp_path)
    (data / GRAPH_NAME).unlink()
    first_in, closing = threading.Event(), threading.Event()
    original, stop = Store.vectors, GraphKeeper.stop

    def one_then_wait(self, ids, width):
        for labels, rows in original(self, sorted(ids), width):
            for i in range(len(labels)):  # one vector at a time; the second once closing
                yield labels[i:i + 1], rows[i:i + 1]
                first_in.set()
                closing.wait(30)

    monkeypatch.setattr(Store, "vectors", one_then_wait)
    monkeypatch.setattr(GraphKeeper, "stop", lambda self: (stop(self), closing.set()))
    lib = Library(data, graph_in_background=True)
    assert first_in.wait(30)
    lib.close()
    assert not (data / GRAPH_NAME).exists(), "a half-built graph was saved as whole"
    monkeypatch.undo()
    with Library(data) as reopened:
        assert reopened.graph.labels() == reopened.store.chunk_ids()


def test_a_graph_read_ahead_before_loading_is_the_same_graph(tmp_path, monkeypatch):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    graph = VectorIndex(16)
    graph.add(np.arange(1, 301), vectors)
    graph.save(tmp_path / "g.hnsw", "stamp-1")
    read: list[Path] = []
    real = ann._read_through
    monkeypatch.setattr(ann, "_read_through", lambda p, block=1 << 10: (read.append(p),
                                                                        real(p, block)))
    plain, stamp = VectorIndex.load(tmp_path / "g.hnsw", 16)
    assert read == []
    ahead, stamp_ahead = VectorIndex.load(tmp_path / "g.hnsw", 16, read_ahead=True)
    assert read == [tmp_path / "g.hnsw"] and stamp == stamp_ahead == "stamp-1"
    assert plain.labels() == ahead.labels() == set(range(1, 301))
    for q in vectors[:5]:
        assert np.array_equal(plain.search(q, 5)[0], ahead.search(q, 5)[0])
