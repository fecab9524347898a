"""The team library's store and vector graph on a real PostgreSQL server: dropped
connections, what a person is told when the library cannot be used, the HNSW search,
concurrent writers, and making the library (``init_team``)."""

from __future__ import annotations

import threading
import time

import numpy as np
import psycopg
import pytest

from desktop_app.index.codec import VectorCodec
from desktop_app.index.pg_errors import TeamLibraryError
from desktop_app.index.pg_schema import init_team
from desktop_app.index.pg_store import PgStore
from desktop_app.index.pg_vectors import PgVectorGraph
from desktop_app.index.records import NewChunk, QueryTimeout, StoreError

DIMS = 384
CODEC = VectorCodec("int8", DIMS)


def _file(store: PgStore, path: str, n: int, seed: int, *, graph: bool = True) -> list[int]:
    rng = np.random.default_rng(seed)
    floats = rng.standard_normal((n, DIMS)).astype(np.float32)
    rows = CODEC.encode(floats)
    ids, _ = store.record_file(path, size=n, mtime_ns=1, sha256=f"sha-{path}",
                               status="indexed", reason=None, pages=1,
                               chunks=[NewChunk(1, 0, 4, f"text {path} {i}", None)
                                       for i in range(n)])
    store.set_vectors(store.files()[path].id,
                      [(cid, row.tobytes()) for cid, row in zip(ids, rows)])
    if graph:
        PgVectorGraph(lambda: store).add(np.asarray(ids), CODEC.decode(rows))
    return ids


def _terminate(pg_server, store: PgStore) -> None:
    pid = store.session.backend_pid()
    with pg_server.admin() as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        # the backend is gone once the server no longer lists it
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s",
                           (pid,)).fetchone():
            pass


def test_a_dropped_connection_is_redone_on_a_new_one(alice_url, pg_server):
    store = PgStore(alice_url)
    _file(store, "/a/one.txt", 2, 1)
    _terminate(pg_server, store)
    assert list(store.files()) == ["/a/one.txt"], "the read is redone"
    _terminate(pg_server, store)
    ids = _file(store, "/a/two.txt", 3, 2)
    assert set(store.chunk_rows(ids)) == set(ids), "so is the write"
    _terminate(pg_server, store)
    assert len(PgVectorGraph(lambda: store)) == 5
    store.close()


def test_a_connection_lost_inside_a_block_saves_none_of_it(alice_url, pg_server):
    store = PgStore(alice_url)
    lost = pytest.raises(TeamLibraryError, match="lost midway; that change was not saved")
    with lost, store.transaction():
        store.set_meta("ocr", "off")
        _terminate(pg_server, store)
        store.set_meta("exclude_patterns", "[]")
    assert store.get_meta("ocr") is None
    store.close()


def test_a_server_that_stays_away_is_reported_as_unreachable(alice_url, pg_server, tmp_path):
    store = PgStore(alice_url)
    store.set_meta("ocr", "off")
    # the server moves away (its address no longer answers) while the store is open
    store.session.conninfo = alice_url.replace(pg_server.socket_dir.replace("/", "%2F"),
                                               str(tmp_path).replace("/", "%2F"))
    _terminate(pg_server, store)
    with pytest.raises(TeamLibraryError) as caught:
        store.files()
    assert "cannot be reached" in str(caught.value)
    assert "nothing that was saved is lost" in str(caught.value)
    assert isinstance(caught.value, StoreError)
    store.session.conninfo = alice_url
    assert store.get_meta("ocr") == "off"
    store.close()


def test_what_a_person_is_told_when_the_library_cannot_be_opened(pg_server, team_db,
                                                                 tmp_path):
    def told(url: str) -> str:
        with pytest.raises(TeamLibraryError) as caught:
            PgStore(url)
        return str(caught.value)

    assert "refused the password of alice" in told(pg_server.url("alice", team_db, "wrong"))
    assert "there is no database 'nowhere'" in told(pg_server.url("alice", "nowhere"))
    away = pg_server.url("alice", team_db).replace(pg_server.socket_dir.replace("/", "%2F"),
                                                   str(tmp_path).replace("/", "%2F"))
    assert "cannot reach the team library's server" in told(away)
    # the server does not tell a stranger which user names exist
    assert "refused the password of mallory" in told(pg_server.url("mallory", team_db, "x"))
    empty = pg_server.new_database(library=False)
    assert "holds no team library" in told(pg_server.url("alice", empty))
    assert "GRANT team TO carol" in told(pg_server.url("carol", team_db))
    with pg_server.admin(team_db) as conn:
        conn.execute("DROP EXTENSION vector CASCADE")
    assert "pgvector" in told(pg_server.url("alice", team_db))


def test_a_server_that_wants_an_encrypted_connection_says_so(pg_server, team_db):
    with pg_server.admin() as conn:
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                     "'erin') THEN CREATE ROLE erin LOGIN PASSWORD 'erin-pw'; END IF; END $$")
    pg_server.refuse_unencrypted("erin")
    with pytest.raises(TeamLibraryError) as caught:
        PgStore(pg_server.url("erin", team_db, "erin-pw"))
    assert "accepts erin only over an encrypted connection" in str(caught.value)
    assert "sslmode=require" in str(caught.value)


def test_a_newer_library_is_refused(alice_url, admin_url):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("UPDATE desktop_app.library_meta SET value = '99' "
                     "WHERE key = 'schema_version'")
    with pytest.raises(TeamLibraryError, match="newer version of the app"):
        PgStore(alice_url)


def test_vector_search_is_best_first_by_cosine_and_honours_allowed(alice_url):
    store = PgStore(alice_url)
    graph = PgVectorGraph(lambda: store)
    ids = _file(store, "/a/many.txt", 50, 7)
    vectors = CODEC.decode(CODEC.from_bytes([store.chunk_vector(i) for i in ids]))
    labels, sims = graph.search(CODEC.query(vectors[10]), 5)
    assert labels[0] == ids[10] and sims[0] == pytest.approx(1.0, abs=1e-3)
    expected = vectors @ CODEC.query(vectors[10]) / np.linalg.norm(vectors, axis=1)
    assert labels.tolist() == [ids[i] for i in np.argsort(-expected)[:5]]
    assert np.allclose(sims, np.sort(expected)[::-1][:5], atol=2e-3)
    allowed = {ids[3], ids[4], ids[40]}
    labels, _ = graph.search(CODEC.query(vectors[10]), 10, allowed=allowed)
    assert set(labels.tolist()) == allowed
    assert graph.search(CODEC.query(vectors[0]), 10, allowed=set())[0].size == 0
    assert len(graph.search(CODEC.query(vectors[0]), 500)[0]) == 50 == len(graph)
    graph.remove(ids[:3])  # the rows stay until the store deletes them
    store.delete_files([store.files()["/a/many.txt"].id])
    assert len(graph) == 0 and graph.search(CODEC.query(vectors[0]), 5)[0].size == 0
    store.close()


def test_catch_up_fills_vectors_stored_before_a_crash(alice_url):
    store = PgStore(alice_url)
    graph = PgVectorGraph(lambda: store)
    ids = _file(store, "/a/crashed.txt", 7, 3, graph=False)  # committed, add() never ran
    assert len(graph) == 0
    assert graph.catch_up(CODEC) == 7 and len(graph) == 7
    assert graph.search(CODEC.query(CODEC.decode(CODEC.from_bytes(
        [store.chunk_vector(ids[2])]))[0]), 1)[0].tolist() == [ids[2]]
    assert graph.catch_up(CODEC) == 0
    store.close()


def test_two_desktops_write_at_once(alice_url, bob_url):
    stores = {"alice": PgStore(alice_url), "bob": PgStore(bob_url),
              "alice2": PgStore(alice_url)}
    start = threading.Barrier(len(stores))
    written: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def sync(name: str) -> None:
        try:
            start.wait()
            written[name] = [cid for i in range(10)
                             for cid in _file(stores[name], f"/{name}/f{i}.txt", 5, i)]
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sync, args=(name,)) for name in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    all_ids = [cid for ids in written.values() for cid in ids]
    assert len(set(all_ids)) == 150, "one sequence of passage ids for everyone"
    assert len(stores["alice"].files()) == 20 and len(stores["bob"].files()) == 10
    for store in stores.values():
        store.close()


def test_a_keyword_search_past_its_deadline_stops(alice_url):
    store = PgStore(alice_url)
    _file(store, "/a/words.txt", 3, 1)
    with pytest.raises(QueryTimeout):
        store.keyword_search('"text"', 10, deadline=time.perf_counter() - 1)
    assert len(store.keyword_search('"text"', 10, deadline=time.perf_counter() + 5)) == 3
    store.close()


def test_init_team_is_idempotent_and_adds_a_second_role(pg_server, team_db, admin_url):
    with pg_server.admin() as conn:
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                     "'dave') THEN CREATE ROLE dave LOGIN PASSWORD 'dave-pw'; END IF; END $$")
    dave = pg_server.url("dave", team_db, "dave-pw")
    with pytest.raises(TeamLibraryError, match="GRANT team TO dave"):
        PgStore(dave)
    alice = PgStore(pg_server.url("alice", team_db))
    uuid_before = alice.library_uuid()
    alice.close()
    init_team(admin_url, "auditors", dims=DIMS)
    init_team(admin_url, "auditors", dims=DIMS)
    with pg_server.admin() as conn:
        conn.execute("GRANT auditors TO dave")
    store = PgStore(dave)
    assert store.library_uuid() == uuid_before, "running it again keeps the library"
    store.close()
    with pytest.raises(TeamLibraryError, match="halfvec\\(384\\) vectors, not 1024"):
        init_team(admin_url, "team", dims=1024)
