"""Switching a library to another model without downtime.

The new index is built in ``<data>/switching/<model>/`` as a library of its own, while the
current one keeps answering searches. Only a finished build replaces it: the database file is
the commit point (one ``os.replace``); the graph follows, or is rebuilt from the database if a
crash comes in between. A cancelled or crashed build leaves the current index untouched and is
resumed by the next switch to that model (what it finished is unchanged then).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.embedding import Encoder, ModelProfile
from desktop_app.events import SyncControl, SyncProgress

if TYPE_CHECKING:
    from desktop_app.library import Library


def switch_model(lib: Library, profile: ModelProfile, model_dir: Path | None,
                 control: SyncControl | None = None) -> Iterator[SyncProgress]:
    from desktop_app.library import Library, LibraryError

    lib.claim_write()
    if profile.model_id == lib.profile.model_id:
        raise LibraryError(f"this library already uses {profile.model_id}")
    switching_dir = lib.data_dir / "switching"
    staging_dir = switching_dir / profile.model_id.replace("/", "--")
    try:
        staging = Library(staging_dir, provider=lib.provider_preference, threads=lib.threads,
                          profile=profile, model_dir=model_dir, chunk_tokens=lib.chunk_tokens,
                          models_root=lib.models_root, vector_format=lib.codec.format)
    except Exception:
        _discard(staging_dir, switching_dir)
        raise
    finished = False
    failed = True
    encoder = None
    try:
        staging.claim_write()
        for root in lib.store.roots():
            staging.store.add_root(root)
        for path in lib.store.excluded():
            staging.store.add_excluded(path)
        if lib.exclude_patterns:
            staging.set_exclude_patterns(lib.exclude_patterns)
        staging.set_max_file_mb(lib.max_file_bytes >> 20)
        for event in staging.sync(control):
            yield event
            finished = event.phase == "done"
        if finished:
            staging.save_graph()
            with staging.store.db:
                staging.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            encoder, staging._encoder = staging._encoder, None  # reused: no second load
    except (GeneratorExit, KeyboardInterrupt):
        # the caller stopped: the build stays, and the next switch to this model goes on
        failed = False
        raise
    else:
        failed = False
    finally:
        staging.close()
        # A build that failed (a model that cannot load, a full disk) is not worth resuming:
        # it goes, so nothing is left behind.
        if failed:
            _discard(staging_dir, switching_dir)
    if finished:
        _swap_in(lib, staging_dir, encoder)


def _discard(staging_dir: Path, switching_dir: Path) -> None:
    shutil.rmtree(staging_dir, ignore_errors=True)
    with contextlib.suppress(OSError):
        switching_dir.rmdir()  # only when empty: another model's build may wait there


def _swap_in(lib: Library, staging_dir: Path, encoder: Encoder | None) -> None:
    from desktop_app.library import DB_NAME, GRAPH_NAME

    with lib._swap_lock:  # no search runs on a closed connection or a half-replaced graph
        lib.save_graph()
        lib._close_connections()
        for suffix in ("-wal", "-shm"):
            (lib.data_dir / (DB_NAME + suffix)).unlink(missing_ok=True)
        # The commit point: from here on the library is the new model's.
        os.replace(staging_dir / DB_NAME, lib.data_dir / DB_NAME)
        for name in (GRAPH_NAME, Path(GRAPH_NAME).with_suffix(".json").name):
            if (staging_dir / name).exists():
                os.replace(staging_dir / name, lib.data_dir / name)
        _discard(staging_dir, staging_dir.parent)
        with lib._encoder_lock:
            lib._encoder = encoder
        lib._load_settings()
        lib.reopen_graph()
