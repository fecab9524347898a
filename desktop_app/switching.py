"""Switching a library to another model without downtime.

The new index is built in ``<data>/switching/<model>/`` as a library of its own, while the
current one keeps answering searches. Only a finished build replaces it: the database file is
the commit point (one ``os.replace``); the graph follows, or is rebuilt from the database if a
crash comes in between. A cancelled or crashed build leaves the current index untouched and is
resumed by the next switch to that model (what it finished is unchanged then).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.embedding import ModelProfile
from desktop_app.events import SyncControl, SyncProgress
from desktop_app.failures import LibraryError

if TYPE_CHECKING:
    from desktop_app.library import Library

#: opens (or makes) the library that a switch builds in a folder, for a model
OpenStaging = Callable[[Path, ModelProfile, "Path | None"], "Library"]


def switch_model(lib: Library, open_staging: OpenStaging, profile: ModelProfile,
                 model_dir: Path | None,
                 control: SyncControl | None = None) -> Iterator[SyncProgress]:
    """Build ``lib``'s index again with ``profile`` beside it, then have ``lib`` adopt it.

    ``open_staging`` opens the library being built; the facade passes one that makes it
    with its own settings (chunk size, vector format, provider), so this module needs
    nothing of the facade but its public methods.
    """
    lib.claim_write()
    if profile.model_id == lib.profile.model_id:
        raise LibraryError(f"this library already uses {profile.model_id}")
    switching_dir = lib.data_dir / "switching"
    staging_dir = switching_dir / profile.model_id.replace("/", "--")
    try:
        staging = open_staging(staging_dir, profile, model_dir)
    except Exception:
        discard(staging_dir, switching_dir)
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
            staging.store.checkpoint()
            encoder = staging.take_encoder()  # reused: no second load
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
            discard(staging_dir, switching_dir)
    if finished:
        lib.adopt(staging_dir, encoder)
        discard(staging_dir, switching_dir)


def discard(staging_dir: Path, switching_dir: Path) -> None:
    """Remove a build (and the switching folder, once no other model's build waits there)."""
    shutil.rmtree(staging_dir, ignore_errors=True)
    with contextlib.suppress(OSError):
        switching_dir.rmdir()
