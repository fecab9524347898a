"""The models a data folder knows: the bundled default, and model folders added or downloaded.

A registry file (``<models>/registry.json``) maps model ids to folders; the folders themselves
are read as data (``embedding.profile``). Downloading uses ``huggingface_hub`` (an optional
extra) and only ever when the user asks for it; quantizing uses onnxruntime's dynamic int8
quantization and keeps the result only if its vectors agree with the original.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from desktop_app.embedding.profile import (
    BUILT_IN,
    MINILM,
    ModelFolderError,
    ModelProfile,
    missing_files,
    profile_from_folder,
    resolve_name,
)
from desktop_app.private import private_dir, tighten_tree, write_private

REGISTRY_FILE = "registry.json"
#: files fetched besides the ONNX export
_CONFIG_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json")


class ModelError(RuntimeError):
    """A model cannot be found, added, downloaded or quantized; the message says why."""


@dataclass(frozen=True)
class ModelEntry:
    model_id: str
    folder: Path | None  # None: the bundled default
    profile: ModelProfile | None  # None: not here yet, or its folder can no longer be read
    problem: str | None = None  # why a registered folder can no longer be used

    @property
    def available(self) -> bool:
        return self.profile is not None


class ModelRegistry:
    def __init__(self, models_root: Path) -> None:
        self.root = models_root

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads((self.root / REGISTRY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def _write(self, data: dict[str, str]) -> None:
        private_dir(self.root)
        write_private(self.root / REGISTRY_FILE,
                      json.dumps(data, indent=1, sort_keys=True))

    def entries(self) -> list[ModelEntry]:
        out = [ModelEntry(MINILM.model_id, None, MINILM)]
        registered = self._read()
        for model_id, folder in sorted(registered.items()):
            try:
                profile, problem = profile_from_folder(Path(folder), model_id), None
            except ModelFolderError as exc:
                profile, problem = None, str(exc)
            out.append(ModelEntry(model_id, Path(folder), profile, problem))
        for model_id in BUILT_IN:
            if model_id not in registered and model_id != MINILM.model_id:
                out.append(ModelEntry(model_id, None, None))
        return out

    def add(self, folder: Path, model_id: str | None = None) -> ModelEntry:
        folder = folder.expanduser().resolve()
        missing = missing_files(folder)
        if missing:
            raise ModelError(f"{folder} cannot be used as a model folder; missing: "
                             + "; ".join(missing))
        try:
            profile = profile_from_folder(folder, model_id)
        except ModelFolderError as exc:
            raise ModelError(str(exc)) from exc
        data = self._read()
        data[profile.model_id] = str(folder)
        try:
            self._write(data)
        except OSError as exc:
            raise ModelError(f"cannot record the model in {self.root}: "
                             f"{exc.strerror or exc}") from exc
        return ModelEntry(profile.model_id, folder, profile)

    def find(self, name: str) -> ModelEntry:
        wanted = resolve_name(name)
        entries = self.entries()
        for entry in entries:
            if wanted in (entry.model_id, entry.model_id.split("/")[-1]) or (
                    entry.folder is not None and wanted == entry.folder.name):
                if entry.problem is not None:
                    raise ModelError(f"{entry.model_id} cannot be used: {entry.problem}")
                if entry.profile is None:
                    raise ModelError(
                        f"{entry.model_id} is not on this computer yet: "
                        f"'desktop-app model download {name}', or place its files in a folder "
                        f"and 'desktop-app model add FOLDER'")
                return entry
        known = ", ".join(e.model_id for e in entries)
        raise ModelError(f"no model named {name!r}; known: {known}")

    # -- downloading ---------------------------------------------------------------------
    def download_folder(self, model_id: str) -> Path:
        return self.root / model_id.replace("/", "--")

    def download(self, name: str) -> ModelEntry:
        """Fetch a model folder from the Hugging Face Hub (progress bars on the terminal;
        interrupted downloads resume). Offline, fails saying where to put the files."""
        model_id = resolve_name(name)
        target = self.download_folder(model_id)
        where = (f"Place these files in {target} yourself — {', '.join(_CONFIG_FILES)} and "
                 "onnx/model_quantized.onnx (or onnx/model.onnx) — then run "
                 f"'desktop-app model add {target}'.")
        try:
            from huggingface_hub import HfApi, hf_hub_download
        except ImportError as exc:
            raise ModelError("downloading needs the optional extra: "
                             "pip install 'desktop-app[download]'. " + where) from exc
        try:
            files = set(HfApi().list_repo_files(model_id))
            onnx = sorted(f for f in files if f.startswith("onnx/") and f.endswith(".onnx"))
            if not onnx:
                raise ModelError(f"{model_id} has no ONNX export (onnx/*.onnx) to run")
            quantized = [f for f in onnx if any(q in f for q in ("quant", "int8", "q8"))]
            chosen = (quantized or [f for f in onnx if f.endswith("/model.onnx")] or onnx)[0]
            wanted = [f for f in _CONFIG_FILES if f in files] + [chosen]
            wanted += [f for f in files if f.startswith(chosen + "_data")
                       or f.startswith(chosen.removesuffix(".onnx") + ".onnx_data")]
            private_dir(target)
            for filename in wanted:
                hf_hub_download(model_id, filename, local_dir=target)
            tighten_tree(target)
        except ModelError:
            raise
        except Exception as exc:  # offline, unknown repo, HTTP errors: all end the same way
            raise ModelError(f"could not download {model_id} ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else 'no details'}). "
                             + where) from exc
        return self.add(target, model_id)


@dataclass(frozen=True)
class QuantizeReport:
    output: Path
    accepted: bool
    min_cosine: float
    size_before: int
    size_after: int
    seconds_before: float
    seconds_after: float


SAMPLE_TEXT = ("The committee approved the budget after a long debate about school funding.",
               "Photosynthesis converts light energy into chemical energy in chloroplasts.",
               "Install the package, then run the command with the --help flag for options.")


def quantize_folder(folder: Path, *, threshold: float = 0.99,
                    progress: Callable[[str], None] = print) -> QuantizeReport:
    """Dynamic int8 quantization of a folder's fp32 ONNX model, kept only if it agrees."""
    from desktop_app.embedding.encoder import Encoder

    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:  # onnxruntime's quantizer needs the onnx package
        raise ModelError("quantizing needs the optional extra: "
                         "pip install 'desktop-app[quantize]'") from exc
    profile = profile_from_folder(folder)
    source = folder / profile.onnx_file
    if any(q in source.stem for q in ("quant", "int8", "q8")):
        raise ModelError(f"{source.name} is already quantized")
    output = source.with_name(source.stem + "_quantized.onnx")
    progress(f"quantizing {source.name} ({source.stat().st_size / 2**20:.1f} MB) …")
    quantize_dynamic(str(source), str(output), weight_type=QuantType.QInt8)
    progress("comparing vectors of the original and the quantized model …")
    fp32 = Encoder(folder, profile)
    int8 = Encoder(folder, replace(profile, onnx_file=output.relative_to(folder).as_posix()))

    def embed(encoder: Encoder) -> tuple[np.ndarray, float]:
        docs = [[t.ids for t in encoder.tokenize(SAMPLE_TEXT)]]
        started = time.perf_counter()
        for _ in range(3):
            vectors = encoder.embed_documents(docs)[0]
        return vectors, (time.perf_counter() - started) / 3

    a, t_a = embed(fp32)
    b, t_b = embed(int8)
    cosine = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    accepted = bool(np.min(cosine) >= threshold)
    if not accepted:
        output.unlink(missing_ok=True)
    return QuantizeReport(output, accepted, float(np.min(cosine)), source.stat().st_size,
                          output.stat().st_size if accepted else 0, t_a, t_b)
