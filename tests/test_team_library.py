"""A team library through the app: the same ``Library`` facade and command line on a real
PostgreSQL + pgvector server (tests/pg_server.py), with the real model.

Two people index at once and each finds what the other shared; nobody (a member through the
app, a member with plain SQL, or someone who is not a member) reads a private passage; a
client with another model is refused; a connection dropped mid-sync loses nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from desktop_app.embedding import ModelProfile
from desktop_app.library import Library, LibraryError

SHARED_LINE = "The shared ferry timetable lists a bicycle fare of four euros on weekdays."
PRIVATE_LINE = "Alice's private diary says the quarterly bonus goes to the lighthouse keeper."
BOB_LINE = "Bob's shared notes say the greenhouse heating fails below minus twelve degrees."


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "desktop_app", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _team(tmp_path: Path, who: str, url: str, model_dir: Path, *,
          share: str | None = None) -> Library:
    return Library(tmp_path / f"{who}-data", library_url=url, share=share,
                   models_root=model_dir.parent)


def _index(lib: Library, *folders: Path) -> None:
    lib.add(folders)
    for _ in lib.sync():
        pass


def _paths(lib: Library, query: str) -> list[str]:
    return [Path(r.path).name for r in lib.search(query)]


def test_two_people_index_at_once_and_find_only_what_is_shared_with_them(
        tmp_path, alice_url, bob_url, model_dir):
    a_shared = tmp_path / "alice" / "shared"
    a_private = tmp_path / "alice" / "private"
    b_shared = tmp_path / "bob" / "shared"
    _write(a_shared, "ferry.txt", SHARED_LINE)
    _write(a_private, "diary.txt", PRIVATE_LINE)
    _write(b_shared, "greenhouse.txt", BOB_LINE)

    alice_shares = _team(tmp_path, "alice", alice_url, model_dir, share="team")
    alice_keeps = _team(tmp_path, "alice2", alice_url, model_dir)
    bob = _team(tmp_path, "bob", bob_url, model_dir, share="team")
    errors: list[BaseException] = []

    def run(lib: Library, *folders: Path) -> None:
        try:
            _index(lib, *folders)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(alice_shares, a_shared)),
               threading.Thread(target=run, args=(bob, b_shared))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    _index(alice_keeps, a_private)

    assert _paths(bob, "bicycle fare on the ferry")[0] == "ferry.txt"
    assert _paths(alice_keeps, "greenhouse heating in frost")[0] == "greenhouse.txt"
    assert _paths(alice_keeps, "who gets the quarterly bonus")[0] == "diary.txt"
    # Bob's search never shows Alice's private file, by meaning or by its exact words.
    assert "diary.txt" not in _paths(bob, "who gets the quarterly bonus")
    assert "diary.txt" not in _paths(bob, '"lighthouse keeper"')
    # Each sync sees its owner's files only: Bob's library knows one folder and one file.
    assert bob.roots() == [str(b_shared)]
    assert bob.status().counts.get("indexed") == 1
    # searchable by meaning: his passage and the one shared with him, not alice's private one
    assert bob.status().vectors_in_graph == len(bob.graph) == 2
    for lib in (alice_shares, alice_keeps, bob):
        lib.close()


def test_plain_sql_reads_no_more_than_the_app_shows(tmp_path, alice_url, bob_url, carol_url,
                                                    model_dir):
    with _team(tmp_path, "alice", alice_url, model_dir) as alice:
        _index(alice, _write(tmp_path / "private", "diary.txt", PRIVATE_LINE).parent)
    with psycopg.connect(bob_url) as bob_sql:
        tables = [r[0] for r in bob_sql.execute(
            "SELECT schemaname || '.' || tablename FROM pg_tables "
            "WHERE tableowner <> 'bob' AND schemaname NOT IN ('pg_catalog', "
            "'information_schema')")]
        assert tables, "the library's tables are visible to a member"
        for table in tables:
            text = " ".join(str(row) for row in bob_sql.execute(f"SELECT * FROM {table}"))
            assert "lighthouse" not in text and "diary" not in text, table
    with pytest.raises(psycopg.Error), psycopg.connect(carol_url) as carol_sql:
        for table in tables:
            carol_sql.execute(f"SELECT * FROM {table}").fetchall()


def test_someone_who_is_not_a_member_is_refused_in_words(tmp_path, carol_url, model_dir):
    with pytest.raises(LibraryError) as refused:
        _team(tmp_path, "carol", carol_url, model_dir)
    message = str(refused.value)
    assert "carol" in message and "team" in message
    assert "Traceback" not in message


def test_a_wrong_password_is_refused_in_words(tmp_path, pg_server, team_db, model_dir):
    with pytest.raises(LibraryError) as refused:
        _team(tmp_path, "alice", pg_server.url("alice", team_db, password="wrong"), model_dir)
    assert "password" in str(refused.value)


def test_a_client_with_another_model_is_refused(tmp_path, alice_url, model_dir):
    with _team(tmp_path, "alice", alice_url, model_dir) as lib:
        recorded = lib.profile
    other = ModelProfile.from_json(recorded.to_json().replace(recorded.model_id, "other-model"))
    with pytest.raises(LibraryError) as refused:
        Library(tmp_path / "x", library_url=alice_url, profile=other,
                models_root=model_dir.parent)
    assert recorded.model_id in str(refused.value)


def test_a_connection_dropped_mid_sync_loses_nothing(tmp_path, pg_server, team_db, alice_url,
                                                     model_dir):
    folder = tmp_path / "docs"
    for i in range(6):
        _write(folder, f"note{i}.txt", f"Note {i}: the harbour crane number {i} needs oil.")
    with _team(tmp_path, "alice", alice_url, model_dir) as lib:
        lib.add([folder])
        dropped = False
        for progress in lib.sync():
            if not dropped and progress.files_done >= 2:
                # the server ends every connection of alice's: the next call reconnects
                with pg_server.admin(team_db) as admin:
                    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE usename = 'alice'")
                dropped = True
        assert dropped
        assert any("dropped and was made again" in note for note in lib.notes)
        assert lib.status().counts.get("indexed") == 6
        assert lib.meaning_pending() == 0
        assert _paths(lib, "which crane needs oil")[0].startswith("note")


def test_the_command_line_opens_a_team_library_by_url_and_by_environment(
        tmp_path, pg_server, team_db, alice_url, bob_url):
    folder = _write(tmp_path / "shared", "ferry.txt", SHARED_LINE).parent
    data = str(tmp_path / "cli-data")
    cli("index", str(folder), "--library", alice_url, "--share", "team", "--data-dir", data)
    found = json.loads(cli("search", "bicycle on the ferry", "--json", "--data-dir", data,
                           env={"DESKTOP_APP_LIBRARY": bob_url}).stdout)
    assert Path(found[0]["path"]).name == "ferry.txt"
    assert {"path", "page", "text", "score", "chunk_id"} <= set(found[0])
    status = cli("status", "--library", bob_url, "--data-dir", data).stdout
    assert "Team library" in status or team_db in status


def test_team_init_makes_a_database_a_library_its_members_can_use(tmp_path, pg_server):
    database = pg_server.new_database(library=False)
    data = str(tmp_path / "admin-data")
    with pytest.raises(LibraryError) as not_yet:
        Library(tmp_path / "early", library_url=pg_server.url("alice", database))
    assert "team init" in str(not_yet.value)
    said = cli("team", "init", pg_server.url("postgres", database), "--members", "team",
               "--data-dir", data).stdout
    assert "all-MiniLM-L6-v2" in said and "team" in said
    folder = _write(tmp_path / "docs", "ferry.txt", SHARED_LINE).parent
    cli("index", str(folder), "--library", pg_server.url("alice", database), "--share", "team",
        "--data-dir", data)
    found = json.loads(cli("search", "bicycle on the ferry", "--json", "--data-dir", data,
                           "--library", pg_server.url("bob", database)).stdout)
    assert Path(found[0]["path"]).name == "ferry.txt"
