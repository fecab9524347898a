"""``desktop-app model list|add|use|download|quantize``: the models a library can run."""

from __future__ import annotations

import sys
from pathlib import Path

from desktop_app.commands import (
    Opening,
    UsageError,
    drain,
    open_library,
    roots_phrase,
    summary_line,
)
from desktop_app.embedding.profile import ModelFolderError
from desktop_app.index.salvage import read_meta
from desktop_app.library import DB_NAME, LibraryError
from desktop_app.models import ModelError, ModelRegistry, quantize_folder


def _registry(data_dir: Path) -> ModelRegistry:
    return ModelRegistry(data_dir / "models")


def _active_model(data_dir: Path) -> str | None:
    # read without opening the library: a damaged or locked one still lists its models
    return read_meta(data_dir / DB_NAME, "model_id")


def model_list(data_dir: Path) -> int:
    active = _active_model(data_dir) or "all-MiniLM-L6-v2-int8"
    for entry in _registry(data_dir).entries():
        mark = "*" if entry.model_id == active else " "
        if entry.problem is not None:
            where = f"cannot be used: {entry.problem}"
        elif entry.profile is None:
            where = "not on this computer (desktop-app model download NAME)"
        else:
            p = entry.profile
            where = (f"{p.dim} dims, {p.max_positions} tokens, "
                     f"{entry.folder or 'bundled'}")
        print(f"{mark} {entry.model_id:48} {where}")
    return 0


def model_add(data_dir: Path, folder: Path, name: str | None) -> int:
    try:
        entry = _registry(data_dir).add(folder, name)
    except (ModelError, ModelFolderError) as exc:
        raise UsageError(str(exc)) from exc
    p = entry.profile
    assert p is not None
    framing = p.framing
    print(f"added {entry.model_id} from {entry.folder}")
    print(f"  {p.dim} dims, context {p.max_positions} tokens, ONNX {p.onnx_file}")
    print(f"  framing: prefix {list(p.prefix_tokens)}, separator {p.separator_token!r}, "
          f"suffix {list(p.suffix_tokens)}, window {framing.window_tokens} tokens, "
          f"output {p.output}")
    print(f"use it with: desktop-app model use {entry.model_id}")
    return 0


def model_use(data_dir: Path, name: str, opening: Opening | None = None) -> int:
    try:
        entry = _registry(data_dir).find(name)
    except ModelError as exc:
        raise UsageError(str(exc)) from exc
    assert entry.profile is not None
    with open_library(data_dir, opening or Opening()) as lib:
        if lib.profile.model_id == entry.model_id:
            print(f"the library already uses {entry.model_id}")
            return 0
        print(f"re-indexing {roots_phrase(lib.roots())} with {entry.model_id}; searches keep "
              "using the current model until it is done", flush=True)
        summary = drain(lib.switch_model(entry.profile, entry.folder))
        if summary:
            print(summary_line(summary))
        if lib.profile.model_id != entry.model_id:
            print("not switched: the current model stays in use", file=sys.stderr)
            return 1
        print(f"the library now uses {entry.model_id}")
    return 0


def model_download(data_dir: Path, name: str) -> int:
    try:
        entry = _registry(data_dir).download(name)
    except ModelError as exc:
        raise LibraryError(str(exc)) from exc
    print(f"downloaded {entry.model_id} to {entry.folder}")
    return 0


def model_quantize(data_dir: Path, name: str) -> int:
    registry = _registry(data_dir)
    folder = Path(name)
    if not folder.is_dir():
        try:
            entry = registry.find(name)
        except ModelError as exc:
            raise UsageError(str(exc)) from exc
        if entry.folder is None:
            raise UsageError("the bundled model is already int8")
        folder = entry.folder
    try:
        report = quantize_folder(folder)
    except (ModelError, ModelFolderError) as exc:
        raise UsageError(str(exc)) from exc
    if not report.accepted:
        print(f"rejected: vectors of the quantized model agree only to cosine "
              f"{report.min_cosine:.4f} (< 0.99); the original stays in use")
        return 1
    print(f"quantized: {report.output} ({report.size_before / 2**20:.1f} MB → "
          f"{report.size_after / 2**20:.1f} MB; cosine to fp32 ≥ {report.min_cosine:.4f}; "
          f"{report.seconds_before * 1000:.0f} ms → {report.seconds_after * 1000:.0f} ms on "
          "sample text)")
    return 0
