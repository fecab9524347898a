"""Loading a library's model: the bundled default (unpacked on first use) or a model folder,
with every way it can fail told as a ``LibraryError`` naming the folder."""

from __future__ import annotations

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
