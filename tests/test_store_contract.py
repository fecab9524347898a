"""The store's behaviour, the same for both backends: ``Store`` on an SQLite file and
``PgStore`` on a real PostgreSQL server (one user of a fresh team library)."""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
import pytest

from desktop_app.index import Store
from desktop_app.index.filters import ChunkFilter
from desktop_app.index.pg_store import PgStore
from desktop_app.index.records import NewChunk


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        made = Store(tmp_path / "library.sqlite3")
    else:
        made = PgStore(request.getfixturevalue("alice_url"))
    yield made
    made.close()


def _vec(seed: int, dim: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(-127, 128, dim).astype(np.int8).view(np.uint8)


def _chunks(texts: list[str], *, vectors: bool = False, seed: int = 0) -> list[NewChunk]:
    return [NewChunk(page=i + 1, char_start=10 * i, char_end=10 * i + len(t), text=t,
                     vector=_vec(seed + i) if vectors else None, section=f"part {i}")
            for i, t in enumerate(texts)]


def _record(store, path: str, texts: list[str], *, vectors: bool = True, sha: str | None = None,
            mtime_ns: int = 1, status: str = "indexed", reason: str | None = None,
            title: str | None = None):
    return store.record_file(path, size=len(path), mtime_ns=mtime_ns, sha256=sha,
                             status=status, reason=reason, pages=len(texts),
                             chunks=_chunks(texts, vectors=vectors), title=title)


def test_a_file_is_recorded_replaced_and_deleted_with_its_passages(store):
    gen0 = store.generation()
    first, replaced = _record(store, "/lib/a.txt", ["alpha one", "beta two"], sha="s1",
                              title="The A")
    assert replaced == [] and len(first) == 2 and store.generation() > gen0
    rec = store.files()["/lib/a.txt"]
    assert (rec.size, rec.sha256, rec.status, rec.pages, rec.chunks, bool(rec.embedded),
            rec.title) == (len("/lib/a.txt"), "s1", "indexed", 2, 2, True, "The A")
    rows = store.chunk_rows(first)
    assert [rows[i].text for i in first] == ["alpha one", "beta two"]
    assert rows[first[1]].section == "part 1" and rows[first[1]].title == "The A"
    assert rows[first[0]].path == "/lib/a.txt" and not rows[first[0]].pending
    second, replaced = _record(store, "/lib/a.txt", ["gamma", "delta", "epsilon"], sha="s2")
    assert replaced == first and min(second) > max(first), "ids are never reused"
    assert store.chunk_rows(first) == {}
    assert store.passages_of(rec.id) == list(zip(second, ["gamma", "delta", "epsilon"]))
    assert store.files()["/lib/a.txt"].id == rec.id, "a file keeps its row when replaced"
    assert sorted(store.chunk_ids_of([rec.id])) == sorted(second)
    gone = store.delete_files([rec.id])
    assert sorted(gone) == sorted(second) and store.files() == {}
    assert store.counts() == {"indexed": 0, "skipped": 0, "failed": 0, "chunks": 0}


def test_roots_exclusions_and_leaving_out(store):
    assert store.add_root("/home/u/docs") and not store.add_root("/home/u/docs")
    assert store.add_root("/home/u/notes")
    assert store.roots() == ["/home/u/docs", "/home/u/notes"]
    assert store.leave_out("/home/u/docs/drafts")  # inside a folder that stays: excluded
    assert store.excluded() == ["/home/u/docs/drafts"]
    assert not store.leave_out("/elsewhere")
    assert store.leave_out("/home/u")  # above both folders: they go
    assert store.roots() == []
    store.add_excluded("/home/u/x")
    assert store.excluded() == ["/home/u/docs/drafts", "/home/u/x"]
    store.add_root("/home/u/x")
    assert store.excluded() == ["/home/u/docs/drafts"], "adding a folder ends its exclusion"


def test_files_wait_for_their_vectors_then_are_findable_by_meaning(store):
    ids, _ = _record(store, "/lib/p.txt", ["first passage", "second passage"],
                     vectors=False, sha="same")
    assert store.pending_count() == 1
    [pending] = store.pending_files()
    assert pending.path == "/lib/p.txt" and not pending.embedded
    assert all(row.pending for row in store.chunk_rows(ids).values())
    assert store.chunk_ids() == set() and store.chunk_vectors(ids) == {}
    assert store.chunk_vector(ids[0]) is None
    assert store.indexed_file_with_sha256("same") is None, "a copy needs the vectors too"
    blobs = {cid: _vec(cid).tobytes() for cid in ids}
    store.set_vectors(pending.id, blobs.items())
    assert store.pending_count() == 0 and store.pending_files() == []
    assert store.chunk_ids() == set(ids) and store.chunk_vectors(ids) == blobs
    assert store.chunk_vector(ids[1]) == blobs[ids[1]]
    copied = store.chunks_of_file(pending.id)
    assert [c.vector.tobytes() for c in copied] == [blobs[i] for i in ids]
    assert [c.section for c in copied] == ["part 0", "part 1"]
    assert store.indexed_file_with_sha256("same").path == "/lib/p.txt"
    [(labels, rows)] = list(store.vectors(ids, 16))
    assert labels.tolist() == sorted(ids) and rows.shape == (2, 16)
    assert store.passages_of(pending.id)[0] == (ids[0], "first passage")
    assert store.chunk_rows([ids[0]])[ids[0]].section == "part 0"


def test_keyword_search_with_or_and_and_quoted_phrases(store):
    a, _ = _record(store, "/lib/a.txt", ["the quick brown fox", "lazy dogs sleep"])
    b, _ = _record(store, "/lib/b.md", ["brown bread recipe", "quick brown bread"])
    found = lambda q, **kw: [cid for cid, _ in store.keyword_search(q, 10, **kw)]  # noqa: E731
    assert set(found('"fox" OR "bread"')) == {a[0], b[0], b[1]}
    assert set(found('"quick" AND "brown"')) == {a[0], b[1]}
    assert found('"brown bread"') and set(found('"brown bread"')) == {b[0], b[1]}
    assert found('"bread brown"') == [], "a phrase's words must be side by side, in order"
    assert found('"quick" AND "bread"') == [b[1]]
    assert found('"nothing"') == [] and found("") == []
    assert set(found('"brown"', where=ChunkFilter(file_types=("md",)))) == {b[0], b[1]}
    assert set(found('"brown"', where=ChunkFilter(folder="/lib/a.txt"))) == {a[0]}
    ranked = store.keyword_search('"brown" OR "bread"', 10)
    assert ranked[0][0] in b and all(x[1] <= y[1] for x, y in itertools.pairwise(ranked)), \
        "best first, lower is better"
    assert store.has_keyword_match('"lazy"') and not store.has_keyword_match('"zebra"')


def test_keyword_search_folds_case_and_accents(store):
    ids, _ = _record(store, "/lib/menu.txt", ["Crème Brûlée at the CAFÉ", "plain text"])
    for query in ('"creme brulee"', '"café"', '"Cafe"', '"CRÈME"'):
        assert [cid for cid, _ in store.keyword_search(query, 10)] == [ids[0]], query


def test_passages_by_filter(store):
    old, _ = _record(store, "/lib/old/a.pdf", ["old text"], mtime_ns=10**18)
    new, _ = _record(store, "/lib/new/b.TXT", ["new text"], mtime_ns=2 * 10**18)
    _record(store, "/lib/new/c.txt", ["waiting"], vectors=False)
    assert sorted(store.chunk_ids_where(ChunkFilter())) == sorted(old + new)
    assert store.chunk_ids_where(ChunkFilter(folder="/lib/old")) == old
    assert store.chunk_ids_where(ChunkFilter(folder="/lib/ol")) == []
    assert store.chunk_ids_where(ChunkFilter(file_types=("txt",))) == new
    since = datetime.fromtimestamp(1.5e9)
    assert store.chunk_ids_where(ChunkFilter(since=since)) == new


def test_counts_problems_moves_and_stats(store):
    _record(store, "/lib/a.txt", ["one"], vectors=False)
    _record(store, "/lib/sub/b.txt", ["two"])
    _record(store, "/lib/big.bin", [], status="skipped", reason="too large (300 MB)")
    _record(store, "/lib/bad.pdf", [], status="failed", reason="damaged file")
    _record(store, "/other/c.txt", ["three"])
    assert store.counts() == {"indexed": 3, "skipped": 1, "failed": 1, "chunks": 3}
    assert store.counts_under("/lib") == {"indexed": 2, "skipped": 1, "failed": 1,
                                          "meaning_pending": 1}
    assert store.problems() == [("/lib/bad.pdf", "failed", "damaged file"),
                                ("/lib/big.bin", "skipped", "too large (300 MB)")]
    assert sorted(r.path for r in store.files_under("/lib/sub")) == ["/lib/sub/b.txt"]
    rec = store.files()["/lib/sub/b.txt"]
    store.move_file(rec.id, "/lib/moved.txt", 99, 7)
    moved = store.files()["/lib/moved.txt"]
    assert (moved.id, moved.size, moved.mtime_ns) == (rec.id, 99, 7)
    store.update_stat(rec.id, 100, 8)
    assert (store.files()["/lib/moved.txt"].size, store.files()["/lib/moved.txt"].mtime_ns) \
        == (100, 8)
    store.set_max_file_mb(512)
    assert store.files()["/lib/big.bin"].mtime_ns == -1, "looked at again under a new limit"
    assert store.get_meta("max_file_mb") == "512"


def test_meta_and_transactions(store):
    assert store.get_meta("exclude_patterns") is None
    with store.transaction():
        store.set_meta("exclude_patterns", '["*.log"]')
    assert store.get_meta("exclude_patterns") == '["*.log"]'
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        store.set_meta("ocr", "off")
        store.set_meta("exclude_patterns", "[]")
        raise RuntimeError("boom")
    assert store.get_meta("ocr") is None, "all of the block or none"
    assert store.get_meta("exclude_patterns") == '["*.log"]'
    store.set_ignored_counts({"hidden": 3})
    assert store.ignored_counts() == {"hidden": 3}
    assert store.library_uuid() and store.frozen is False
    assert store.quick_check() is None and store.integrity_ok()
    store.checkpoint()
