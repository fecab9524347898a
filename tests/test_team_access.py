"""Who sees what in a team library, enforced by the server (row-level security): a user
reads their own rows and those shared with a role they belong to, writes only their own;
a non-member reads nothing. Shown through the app's store and with plain SQL."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest

from desktop_app.index.pg_errors import TeamLibraryError
from desktop_app.index.pg_store import PgStore
from desktop_app.index.pg_vectors import PgVectorGraph
from desktop_app.index.records import NewChunk

DIMS = 384


def _vectors(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(-127, 128, (n, DIMS)).astype(np.int8)


def _index(store: PgStore, path: str, texts: list[str], sha: str, seed: int) -> list[int]:
    """Index a file the way a sync does: words first, then vectors and the graph."""
    vecs = _vectors(seed, len(texts))
    ids, _ = store.record_file(path, size=1, mtime_ns=1, sha256=sha, status="indexed",
                               reason=None, pages=1,
                               chunks=[NewChunk(1, 0, len(t), t, None) for t in texts])
    store.set_vectors(store.files()[path].id,
                      [(cid, v.view(np.uint8).tobytes()) for cid, v in zip(ids, vecs)])
    PgVectorGraph(lambda: store).add(np.asarray(ids), vecs.astype(np.float32))
    return ids


@pytest.fixture
def team(alice_url, bob_url):
    """alice shares one folder with the team and keeps one private; bob has his own file."""
    alice = PgStore(alice_url, share="team")
    alice.add_root("/home/alice/shared")
    alice_private = PgStore(alice_url)
    alice_private.add_root("/home/alice/private")
    shared = _index(alice, "/home/alice/shared/plan.txt",
                    ["shared budget plan", "shared travel notes"], "sha-shared", 1)
    private = _index(alice, "/home/alice/private/diary.txt",
                     ["private diary budget"], "sha-private", 2)
    bob = PgStore(bob_url)
    bob.add_root("/home/bob")
    own = _index(bob, "/home/bob/todo.txt", ["bob budget todo"], "sha-bob", 3)
    yield {"alice": alice, "bob": bob, "shared": shared, "private": private, "own": own}
    for store in (alice, alice_private, bob):
        store.close()


def test_a_member_finds_shared_passages_but_never_private_ones(team):
    bob, shared, private, own = team["bob"], team["shared"], team["private"], team["own"]
    visible = set(shared) | set(own)
    found = {cid for cid, _ in bob.keyword_search('"budget"', 10)}
    assert found == {shared[0], own[0]}
    assert set(bob.chunk_rows(shared + private + own)) == visible
    assert set(bob.chunk_vectors(shared + private + own)) == visible
    assert bob.chunk_vector(private[0]) is None
    assert set(bob.chunk_ids()) == visible
    graph = PgVectorGraph(lambda: bob)
    assert len(graph) == 3
    labels, sims = graph.search(_vectors(2, 1)[0].astype(np.float32), 10)
    assert set(labels.tolist()) == visible, "RLS filters the HNSW scan; k is still filled"
    assert np.all(np.diff(sims) <= 1e-6)
    # his sync sees his own files only: it never re-reads or deletes alice's
    assert list(bob.files()) == ["/home/bob/todo.txt"]
    assert bob.counts()["chunks"] == 1 and bob.roots() == ["/home/bob"]
    assert bob.pending_files() == [] and bob.problems() == []


def test_shared_content_is_reused_by_hash_and_private_content_stays_unknown(team):
    bob = team["bob"]
    assert bob.indexed_file_with_sha256("sha-private") is None
    source = bob.indexed_file_with_sha256("sha-shared")
    assert source is not None and source.path == "/home/alice/shared/plan.txt"
    chunks = bob.chunks_of_file(source.id)
    ids, _ = bob.record_file("/home/bob/copy.txt", size=1, mtime_ns=1, sha256="sha-shared",
                             status="indexed", reason=None, pages=1, chunks=chunks)
    assert bob.pending_count() == 0
    mine, theirs = bob.chunk_vectors(ids), bob.chunk_vectors(team["shared"])
    assert [mine[i] for i in ids] == [theirs[i] for i in team["shared"]]


def test_the_owner_sees_everything_of_theirs_and_the_sync_view_is_theirs(team):
    alice = team["alice"]
    assert sorted(alice.files()) == ["/home/alice/private/diary.txt",
                                     "/home/alice/shared/plan.txt"]
    found = {cid for cid, _ in alice.keyword_search('"budget"', 10)}
    assert found == {team["shared"][0], team["private"][0]}, "bob's file is private to him"
    assert alice.roots() == ["/home/alice/private", "/home/alice/shared"]


def test_sharing_a_folder_later_and_making_it_private_again(team, bob_url):
    alice, bob, private = team["alice"], team["bob"], team["private"]
    assert alice.set_root_share("/home/alice/private", "team") == 1
    assert set(bob.chunk_rows(private)) == set(private)
    assert bob.indexed_file_with_sha256("sha-private") is not None
    alice.set_root_share("/home/alice/private", None)
    assert bob.chunk_rows(private) == {}
    # adding a folder again with a share role shares it (``index PATH --share team``)
    assert not alice.add_root("/home/alice/private")
    assert set(bob.chunk_rows(private)) == set(private)


def test_a_role_one_does_not_belong_to_is_refused(alice_url, pg_server):
    with pg_server.admin() as conn:
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                     "'finance') THEN CREATE ROLE finance NOLOGIN; END IF; END $$")
    with pytest.raises(TeamLibraryError, match="alice is not a member of the role 'finance'"):
        PgStore(alice_url, share="finance")
    with pytest.raises(TeamLibraryError, match="no role 'nobody'"):
        PgStore(alice_url, share="nobody")
    alice = PgStore(alice_url)
    alice.add_root("/home/alice/x")
    with pytest.raises(TeamLibraryError, match="finance"):
        alice.set_root_share("/home/alice/x", "finance")
    alice.close()


def test_a_non_member_is_told_how_to_get_in(carol_url):
    with pytest.raises(TeamLibraryError) as caught:
        PgStore(carol_url)
    assert str(caught.value) == ("carol is not a member of this team library's role 'team'; "
                                 "ask its administrator to run: GRANT team TO carol")


def _rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query).fetchall()


def test_plain_sql_shows_each_user_exactly_what_the_app_shows(team, alice_url, bob_url,
                                                              carol_url):
    everything = sorted(team["shared"] + team["private"] + team["own"])
    alice_sees = [r[0] for r in _rows(alice_url, "SELECT id FROM desktop_app.chunks ORDER BY id")]
    assert alice_sees == sorted(team["shared"] + team["private"])
    bob_sees = [r[0] for r in _rows(bob_url, "SELECT id FROM desktop_app.chunks ORDER BY id")]
    assert bob_sees == sorted(team["shared"] + team["own"])
    assert not set(bob_sees) & set(team["private"]) and set(bob_sees) < set(everything)
    assert [r[0] for r in _rows(bob_url, "SELECT path FROM desktop_app.files ORDER BY path")] \
        == ["/home/alice/shared/plan.txt", "/home/bob/todo.txt"]
    assert _rows(bob_url, "SELECT path FROM desktop_app.roots ORDER BY path") == [("/home/bob",)]
    assert _rows(bob_url, "SELECT key FROM desktop_app.user_meta WHERE owner = 'alice'") == []
    for table in ("chunks", "files", "roots", "library_meta"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _rows(carol_url, f"SELECT * FROM desktop_app.{table}")


def test_plain_sql_cannot_change_another_users_rows(team, bob_url):
    shared = team["shared"]
    with psycopg.connect(bob_url, autocommit=True) as conn:
        assert conn.execute("UPDATE desktop_app.chunks SET text = 'defaced' "
                            "WHERE id = ANY(%s)", (shared,)).rowcount == 0
        assert conn.execute("DELETE FROM desktop_app.chunks WHERE owner = 'alice'").rowcount == 0
        assert conn.execute("DELETE FROM desktop_app.files WHERE owner = 'alice'").rowcount == 0
        assert conn.execute("UPDATE desktop_app.files SET owner = 'bob' "
                            "WHERE owner = 'alice'").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO desktop_app.files (owner, path, size, mtime_ns, status, "
                         "updated_at) VALUES ('alice', '/forged', 1, 1, 'skipped', 0)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE desktop_app.library_meta SET value = 'other-model' "
                         "WHERE key = 'dims'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM desktop_app.library_meta")
    texts = [r.text for r in team["alice"].chunk_rows(shared).values()]
    assert sorted(texts) == ["shared budget plan", "shared travel notes"]


def test_the_library_settings_are_set_once_and_per_user_settings_are_each_users(alice_url,
                                                                                bob_url):
    alice, bob = PgStore(alice_url), PgStore(bob_url)
    with alice.transaction():
        alice.set_meta("model_id", "minilm")
        alice.set_meta("model_dir", "/home/alice/models")
    bob.set_meta("model_id", "minilm")  # the same value: nothing to change
    with pytest.raises(TeamLibraryError, match="model_id is 'minilm'"):
        bob.set_meta("model_id", "another-model")
    assert bob.get_meta("model_id") == "minilm" and bob.get_meta("dims") == "384"
    assert bob.get_meta("model_dir") is None, "a model folder is a per-user setting"
    alice.set_meta("ocr", "off")
    assert bob.get_meta("ocr") is None and alice.get_meta("ocr") == "off"
    alice.set_ignored_counts({"hidden": 2})
    assert bob.ignored_counts() == {}
    assert alice.library_uuid() == bob.library_uuid() != ""
    alice.close()
    bob.close()


def test_the_indexed_keyword_function_shows_a_caller_only_what_they_may_read(team, bob_url,
                                                                             admin_url):
    query = ("SELECT id FROM desktop_app.keyword_matches(to_tsquery('simple', 'budget'), "
             "10, NULL, NULL, NULL, NULL, NULL) ORDER BY id")
    assert [r[0] for r in _rows(bob_url, query)] == sorted([team["shared"][0],
                                                            team["own"][0]])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _rows(bob_url, "SET ROLE alice")  # not a role bob belongs to
    # a library made by an administrator who cannot bypass row-level security has no such
    # function: its searches take the plain path, with the same results
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("DROP FUNCTION desktop_app.keyword_matches")
    bob = PgStore(bob_url)
    assert not bob.indexed_keywords
    assert {cid for cid, _ in bob.keyword_search('"budget"', 10)} == {team["shared"][0],
                                                                     team["own"][0]}
    assert bob.has_keyword_match('"travel"') and not bob.has_keyword_match('"diary"')
    bob.close()
