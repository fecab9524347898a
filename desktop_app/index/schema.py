"""The library database's tables: files and their passages (chunks) with the stored
vectors, the folders, exclusions and settings, and the FTS5 keyword index kept in step with
the passages by triggers. ``SCHEMA_VERSION`` changes whenever a table does.

A file is indexed in two steps: its passages and their words first (``embedded = 0``, each
passage's vector an empty blob), then their vectors (``embedded = 1``).

Since version 4 a file has its own ``title`` and a passage the heading path (``section``) it
sits under, both NULL where the document records none (and in libraries made before)."""

SCHEMA_VERSION = 4

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roots (
    id INTEGER PRIMARY KEY,
    path TEXT UNIQUE NOT NULL,
    added_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS excluded (path TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT UNIQUE NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT,
    status TEXT NOT NULL CHECK (status IN ('indexed', 'skipped', 'failed')),
    reason TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    -- 0 while the file's passages wait for their vectors (findable by words only)
    embedded INTEGER NOT NULL DEFAULT 1,
    -- the document's own title (its metadata or first heading); NULL where it has none
    title TEXT
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    page INTEGER,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    -- the heading path the passage sits under ("Installation › Network setup"), or NULL
    section TEXT
);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks (file_id, ord);
-- The keyword index (BM25) over chunk text, kept in step with the chunks by triggers.
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5 (
    text, content = 'chunks', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""
