"""What the app needs to know about an embedding model, read from its folder: the manifest.

A model folder is data, never code: we read ``config.json`` and ``tokenizer.json`` as JSON and
never execute anything that ships with it (no ``trust_remote_code``).

A profile also carries the *framing*: how a file's chunks are laid out in a window for late
chunking (prefix, separator, suffix, window size, neighbouring context) and whether each
chunk's contextual vector is blended with its stand-alone vector. The framing is a property of
the model because models differ: MiniLM was not trained to read chunks in context,
pplx-embed-context was (see ``docs/quality.md``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

Output = Literal["float", "tanh_int8"]


@dataclass(frozen=True)
class Framing:
    """How chunks of one file become model windows.

    window_tokens: total tokens per window, special tokens included.
    context_tokens: tokens of neighbouring text a chunk's window carries on each side when
        the file does not fit in one window.
    standalone_weight: weight of the chunk's stand-alone vector in the stored vector
        (0 = pure late chunking; 1 = chunks embedded alone, no context).
    """

    window_tokens: int = 512
    context_tokens: int = 64
    standalone_weight: float = 0.0


@dataclass(frozen=True)
class ModelProfile:
    model_id: str
    dim: int
    max_positions: int
    prefix_tokens: tuple[str, ...]
    separator_token: str | None
    suffix_tokens: tuple[str, ...]
    output: Output = "float"
    framing: Framing = field(default_factory=Framing)
    onnx_file: str = "onnx/model.onnx"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def with_framing(self, **changes: object) -> ModelProfile:
        return replace(self, framing=replace(self.framing, **changes))


#: all-MiniLM-L6-v2: BERT framing. This model was not trained to read chunks in context, and it
#: shows: on COVID-QA (256-token chunks) late chunking scored 0.342, a 0.25/0.75 blend 0.418
#: and chunks alone 0.427, at half the tokens. So its chunks are embedded alone
#: (standalone_weight 1.0); the late-chunking path serves models trained for it (docs/quality.md).
MINILM = ModelProfile(
    model_id="all-MiniLM-L6-v2-int8",
    dim=384,
    max_positions=512,
    prefix_tokens=("[CLS]",),
    separator_token="[SEP]",
    suffix_tokens=("[SEP]",),
    output="float",
    framing=Framing(window_tokens=512, context_tokens=64, standalone_weight=1.0),
)


def profile_from_folder(folder: Path) -> ModelProfile:
    """Read a Hugging Face style model folder into a profile (BERT-family models for now)."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    onnx_dir = folder / "onnx"
    candidates = sorted(onnx_dir.glob("model*.onnx")) if onnx_dir.is_dir() else []
    if not candidates:
        raise FileNotFoundError(f"{folder}: no onnx/model*.onnx")
    quantized = [c for c in candidates if any(q in c.stem for q in ("int8", "quant", "uint8"))]
    onnx_file = (quantized or candidates)[0].relative_to(folder).as_posix()
    model_type = config.get("model_type", "")
    if model_type.startswith("qwen"):
        return ModelProfile(
            model_id=config.get("_name_or_path") or folder.name,
            dim=int(config["hidden_size"]),
            max_positions=int(config.get("max_position_embeddings", 32768)),
            prefix_tokens=(),
            separator_token="<|endoftext|>",
            suffix_tokens=(),
            output="tanh_int8",
            framing=Framing(window_tokens=8192, context_tokens=256, standalone_weight=0.0),
            onnx_file=onnx_file,
        )
    return ModelProfile(
        model_id=folder.name,
        dim=int(config["hidden_size"]),
        max_positions=int(config.get("max_position_embeddings", 512)),
        prefix_tokens=("[CLS]",),
        separator_token="[SEP]",
        suffix_tokens=("[SEP]",),
        output="float",
        framing=Framing(window_tokens=min(512, int(config.get("max_position_embeddings", 512)))),
        onnx_file=onnx_file,
    )
