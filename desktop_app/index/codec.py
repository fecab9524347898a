"""How vectors are stored: int8 (1 byte per dimension) or binary (1 bit), optionally truncated
to fewer dimensions (Matryoshka), and how stored vectors become what the graph compares.

Stored vectors are the truth in SQLite; the graph holds float32 copies decoded from them, so
rebuilding the graph never needs the model. Queries stay float (asymmetric search): only the
documents lose precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

VectorFormat = Literal["int8", "binary"]


@dataclass(frozen=True)
class VectorCodec:
    format: VectorFormat
    dims: int
    #: the model's output kind: "tanh_int8" vectors are already in [-1, 1] and become
    #: round(127·x) exactly as the model card says; "float" vectors are scaled per vector.
    output: str = "float"

    def __post_init__(self) -> None:
        if self.format not in ("int8", "binary"):
            raise ValueError(f"unknown vector format {self.format!r}; use int8 or binary")
        if self.dims < 8:
            raise ValueError("vectors need at least 8 dimensions")

    @property
    def bytes_per_vector(self) -> int:
        return self.dims if self.format == "int8" else (self.dims + 7) // 8

    def _truncate(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))[:, : self.dims]
        return vectors

    def encode(self, vectors: np.ndarray) -> np.ndarray:
        """Model output vectors [n, D] → stored rows [n, bytes_per_vector] (uint8 view)."""
        v = self._truncate(vectors)
        if self.format == "binary":
            return np.packbits(v > 0, axis=1)
        if self.output == "tanh_int8":
            q = np.round(127.0 * np.clip(v, -1.0, 1.0))
        else:
            peak = np.abs(v).max(axis=1, keepdims=True)
            peak[peak == 0] = 1.0
            q = np.round(v / peak * 127.0)
        return q.astype(np.int8).view(np.uint8)

    def decode(self, rows: np.ndarray) -> np.ndarray:
        """Stored rows → float32 [n, dims] for the graph (cosine ignores scale)."""
        rows = np.atleast_2d(np.asarray(rows, dtype=np.uint8))
        if self.format == "binary":
            bits = np.unpackbits(rows, axis=1)[:, : self.dims]
            return bits.astype(np.float32) * 2.0 - 1.0
        return rows.view(np.int8).astype(np.float32)

    def from_bytes(self, blobs: list[bytes]) -> np.ndarray:
        if not blobs:
            return np.zeros((0, self.bytes_per_vector), np.uint8)
        return np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(-1, self.bytes_per_vector)

    def query(self, vector: np.ndarray) -> np.ndarray:
        """A float query vector, truncated and renormalised to the stored dimensions."""
        q = np.asarray(vector, dtype=np.float32)[: self.dims]
        norm = float(np.linalg.norm(q))
        return q / norm if norm else q
