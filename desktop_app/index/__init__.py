"""SQLite store (files, chunks, vectors, settings) and the hnswlib graph over the vectors."""

from desktop_app.index.ann import VectorIndex
from desktop_app.index.store import FileRecord, Store, StoreError

__all__ = ["FileRecord", "Store", "StoreError", "VectorIndex"]
