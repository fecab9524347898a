"""The settings a library is made with and keeps for life (its model, vector format and
dimensions, chunk size) and those the user changes (file size limit, exclusion patterns),
as stored in the database's meta table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from desktop_app.embedding import MINILM, ModelProfile
from desktop_app.failures import LibraryError
from desktop_app.index import Store
from desktop_app.index.codec import VectorCodec

#: Chunk size in tokens for the bundled model, chosen on SciFact/COVID-QA (docs/quality.md).
DEFAULT_CHUNK_TOKENS = 256
#: Files larger than this are skipped with a reason (a setting: ``max_file_mb`` in meta).
DEFAULT_MAX_FILE_MB = 256


@dataclass(frozen=True)
class Settings:
    profile: ModelProfile
    model_dir: Path | None  # None: the bundled default
    codec: VectorCodec
    chunk_tokens: int
    max_file_bytes: int
    exclude_patterns: list[str]


def settle(store: Store, profile: ModelProfile | None, model_dir: Path | None,
           chunk_tokens: int | None, vector_format: str | None, dims: int | None) -> None:
    """Record a new library's settings; for an existing one, refuse what contradicts them."""
    if store.get_meta("model_id") is None:
        profile = profile or MINILM
        fmt = vector_format or "int8"
        try:
            VectorCodec(fmt, dims or profile.dim, profile.output)
        except ValueError as exc:
            raise LibraryError(str(exc)) from exc
        if dims and (dims > profile.dim or (dims < profile.dim and not profile.matryoshka
                                            and profile is not MINILM)):
            raise LibraryError(f"{profile.model_id} cannot be truncated to {dims} dims")
        with store.transaction():
            store.set_meta("model_id", profile.model_id)
            store.set_meta("dim", str(profile.dim))
            store.set_meta("profile", profile.to_json())
            store.set_meta("model_dir", str(model_dir) if model_dir else "")
            store.set_meta("vector_format", fmt)
            store.set_meta("dims", str(dims or profile.dim))
            store.set_meta("chunk_tokens", str(chunk_tokens or DEFAULT_CHUNK_TOKENS))
            store.set_meta("max_file_mb", str(DEFAULT_MAX_FILE_MB))
        return
    stored_id = store.get_meta("model_id")
    if profile is not None and profile.model_id != stored_id:
        raise LibraryError(
            f"this library's vectors were made by {stored_id}, not {profile.model_id};"
            " a library never mixes models (switch models with 'desktop-app model use')")
    if chunk_tokens and str(chunk_tokens) != store.get_meta("chunk_tokens"):
        raise LibraryError(
            f"this library was chunked at {store.get_meta('chunk_tokens')} tokens; a "
            "new chunk size needs a new library")


def load(store: Store) -> Settings:
    profile = ModelProfile.from_json(store.get_meta("profile") or MINILM.to_json())
    model_dir = store.get_meta("model_dir") or ""
    return Settings(
        profile=profile,
        model_dir=Path(model_dir) if model_dir else None,
        codec=VectorCodec(store.get_meta("vector_format") or "int8",
                          int(store.get_meta("dims") or profile.dim), profile.output),
        chunk_tokens=int(store.get_meta("chunk_tokens") or DEFAULT_CHUNK_TOKENS),
        max_file_bytes=int(store.get_meta("max_file_mb") or DEFAULT_MAX_FILE_MB) << 20,
        exclude_patterns=json.loads(store.get_meta("exclude_patterns") or "[]"))


def ocr_enabled(store: Store) -> bool:
    """Whether scanned pages and pictures are read by OCR (meta ``ocr``; on by default)."""
    return store.get_meta("ocr") != "off"


def set_ocr(store: Store, on: bool) -> None:
    """Turn OCR on or off; scans skipped for want of it are read at the next sync."""
    with store.transaction():
        store.set_meta("ocr", "on" if on else "off")
