"""What a library's data folder holds, by name: the database (the truth), the vector graph
(a cache rebuilt from it), and the other things the app keeps there. Everything named here
is the app's own and is kept private; nothing else in the folder is touched."""

from __future__ import annotations

DB_NAME = "library.sqlite3"
GRAPH_NAME = "vectors.hnsw"
#: what the app keeps in a data folder (made private on open)
OWN_FILES = ("library.sqlite3*", "library.damaged-*", "vectors.hnsw*", "vectors.json*",
             ".lock")
OWN_FOLDERS = ("models", "switching", "ocr")
