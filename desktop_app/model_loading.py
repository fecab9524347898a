"""Loading a library's model: the bundled default (unpacked on first use) or a model folder,
with every way it can fail told as a ``LibraryError`` naming the folder."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from desktop_app.embedding import Encoder, ModelProfile
from desktop_app.embedding.bundled import BundledModelError, bundled_model_dir
from desktop_app.failures import DiskFullError, LibraryError, disk_full_message
from desktop_app.index.faults import is_disk_full


def load_encoder(model_dir: Path | None, models_root: Path, profile: ModelProfile, *,
                 provider: str, threads: int) -> Encoder:
    """The encoder for ``model_dir`` (None: the bundled model, unpacked into
    ``models_root`` the first time)."""
    model_dir = model_dir or _bundled_model_dir(models_root)
    if not (model_dir / "tokenizer.json").exists():
        raise LibraryError(f"the model folder {model_dir} of this library is gone; "
                           "put it back or switch models")
    try:
        return Encoder(model_dir, profile, provider=provider, threads=threads)
    except Exception as exc:  # a damaged or foreign ONNX file, a bad tokenizer
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise LibraryError(f"the model in {model_dir} cannot be loaded ({first[:200]}); put "
                           "a working copy back or switch models") from exc


def _bundled_model_dir(models_root: Path) -> Path:
    try:
        return bundled_model_dir(models_root)
    except BundledModelError as exc:
        raise LibraryError(str(exc)) from exc
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(disk_full_message(models_root)) from exc
        raise LibraryError(f"cannot unpack the bundled model into {models_root}: "
                           f"{exc.strerror or exc}") from exc


class ModelSlot:
    """The library's model: loaded on first use by whichever thread needs it first, then
    shared (an ``Encoder`` is thread-safe); handed over and replaced by a model switch."""

    def __init__(self, load: Callable[[], Encoder]) -> None:
        self._load = load
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    def get(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = self._load()
            return self._encoder

    def loaded(self) -> Encoder | None:
        """The model if it is loaded; never loads it."""
        return self._encoder

    def swap(self, encoder: Encoder | None) -> Encoder | None:
        """Put ``encoder`` in the slot (None: load again on next use); the one it held."""
        with self._lock:
            old, self._encoder = self._encoder, encoder
        return old
