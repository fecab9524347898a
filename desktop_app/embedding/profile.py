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


class ModelFolderError(ValueError):
    """A model folder is missing something; the message lists exactly what."""


@dataclass(frozen=True)
class Framing:
    """How chunks of one file become model windows.

    window_tokens: total tokens per window, special tokens included (bounds memory: the
        attention of one window grows with its square).
    context_tokens: tokens of neighbouring text a chunk's window carries on each side when
        the file does not fit in one window.
    standalone_weight: weight of the chunk's stand-alone vector in the stored vector
        (0 = pure late chunking; 1 = chunks embedded alone, no context).
    """

    window_tokens: int = 512
    context_tokens: int = 64
    standalone_weight: float = 0.0
    #: with stand-alone chunks: this many tokens from the start of the file (its title and
    #: opening) precede every later chunk as context it reads but is not pooled over
    head_tokens: int = 0


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
    pooling: str = "mean"
    #: Matryoshka-trained: the first n dimensions are a usable vector on their own.
    matryoshka: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelProfile:
        data = json.loads(text)
        data["framing"] = Framing(**data["framing"])
        for key in ("prefix_tokens", "suffix_tokens"):
            data[key] = tuple(data[key])
        return cls(**data)

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

#: pplx-embed-context-v1, as its model card frames it: a whole file in one sequence, chunks
#: joined by <|endoftext|>, no prefix or suffix, mean pooling over each chunk's tokens,
#: int8 output round(127·tanh(x)). The window (8,192 tokens by default, the model takes 32K)
#: is a memory setting: longer files are cut in windows of whole chunks with context.
_PPLX_FRAMING = Framing(window_tokens=8192, context_tokens=512, standalone_weight=0.0)
PPLX_06B = ModelProfile(
    model_id="perplexity-ai/pplx-embed-context-v1-0.6b", dim=1024, max_positions=32768,
    prefix_tokens=(), separator_token="<|endoftext|>", suffix_tokens=(), output="tanh_int8",
    framing=_PPLX_FRAMING, matryoshka=True)
PPLX_4B = replace(PPLX_06B, model_id="perplexity-ai/pplx-embed-context-v1-4b", dim=2560)

BUILT_IN: dict[str, ModelProfile] = {p.model_id: p for p in (MINILM, PPLX_06B, PPLX_4B)}
#: short names users type
ALIASES = {"minilm": MINILM.model_id, "default": MINILM.model_id,
           "pplx-0.6b": PPLX_06B.model_id, "pplx-4b": PPLX_4B.model_id}


def resolve_name(name: str) -> str:
    return ALIASES.get(name.lower(), name)


def pick_onnx(folder: Path) -> Path | None:
    """The ONNX file to run: a quantized variant when there are several."""
    onnx_dir = folder / "onnx"
    candidates = sorted(onnx_dir.glob("model*.onnx")) if onnx_dir.is_dir() else []
    if not candidates:
        return None
    quantized = [c for c in candidates
                 if any(q in c.stem for q in ("int8", "quant", "uint8", "q8"))]
    return (quantized or candidates)[0]


def missing_files(folder: Path) -> list[str]:
    """What a model folder lacks, in words; empty when it is usable."""
    if not folder.is_dir():
        return [f"{folder} is not a folder"]
    missing = []
    for name in ("config.json", "tokenizer.json"):
        if not (folder / name).is_file():
            missing.append(name)
    if pick_onnx(folder) is None:
        missing.append("onnx/model*.onnx (an ONNX export of the model)")
    return missing


#: bounds on what a config.json may claim; past them it is damaged or hostile, not a model
MAX_DIM = 32_768
MAX_POSITIONS = 4_194_304
#: config.json and tokenizer.json are read whole; larger ones are refused before reading
MAX_JSON_BYTES = 64 << 20


def _read_json_object(path: Path) -> dict:
    """A JSON file that must hold an object, as a dict, or ``ModelFolderError`` saying why."""
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise ModelFolderError(f"{path} is larger than {MAX_JSON_BYTES >> 20} MB")
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ModelFolderError(f"{path} is nested too deeply to be a model's settings") \
            from None
    except UnicodeDecodeError:
        raise ModelFolderError(f"{path} is not UTF-8 text") from None
    except ValueError as exc:
        raise ModelFolderError(f"{path} is not valid JSON ({exc})") from None
    except OSError as exc:
        raise ModelFolderError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise ModelFolderError(f"{path} must hold a JSON object, not a {type(data).__name__}")
    return data


def _bounded_int(config: dict, key: str, default: int, high: int, where: Path) -> int:
    value = config.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ModelFolderError(f"{where}: {key} must be a whole number, not {value!r:.40}")
    try:
        number = int(value)
    except (ValueError, OverflowError):
        raise ModelFolderError(f"{where}: {key} must be a whole number, not {value!r:.40}") \
            from None
    if not 1 <= number <= high:
        raise ModelFolderError(f"{where}: {key} {number} is out of range (1 to {high})")
    return number


def _looks_like_onnx(path: Path) -> bool:
    """An ONNX file is a protobuf ModelProto, written field by field in order: it opens
    with field 1 (ir_version, a varint), byte 0x08. Cheap to check without loading it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
    except OSError:
        return False
    return len(head) == 2 and head[0] == 0x08


def profile_from_folder(folder: Path, model_id: str | None = None) -> ModelProfile:
    """Read a Hugging Face style model folder into a profile.

    Everything read is checked: a malformed file raises ``ModelFolderError`` with one line
    saying which file and what is wrong, never another exception.
    """
    missing = missing_files(folder)
    if missing:
        raise ModelFolderError(f"{folder} is not a usable model folder; missing: "
                               + ", ".join(missing))
    config = _read_json_object(folder / "config.json")
    tokenizer = _read_json_object(folder / "tokenizer.json")
    onnx_path = pick_onnx(folder)
    assert onnx_path is not None  # missing_files checked it
    if not _looks_like_onnx(onnx_path):
        raise ModelFolderError(f"{onnx_path} is not an ONNX model file")
    onnx_file = onnx_path.relative_to(folder).as_posix()
    name = config.get("_name_or_path")
    model_id = model_id or (name if isinstance(name, str) and name.strip() else folder.name)
    added = tokenizer.get("added_tokens", [])
    vocab_tokens = {t.get("content") for t in added if isinstance(t, dict)} \
        if isinstance(added, list) else set()
    model_type = str(config.get("model_type", ""))[:100]
    positions = _bounded_int(config, "max_position_embeddings", 0, MAX_POSITIONS,
                             folder / "config.json")
    if model_id in BUILT_IN and BUILT_IN[model_id] is not MINILM:
        base = BUILT_IN[model_id]
    elif model_type.startswith("qwen") or "<|endoftext|>" in vocab_tokens:
        base = replace(PPLX_06B, model_id=model_id)
    elif "[CLS]" in vocab_tokens or (model_type == "bert" and "<s>" not in vocab_tokens):
        base = replace(MINILM, model_id=model_id, framing=replace(
            MINILM.framing, window_tokens=min(512, positions or 512)))
    elif {"<s>", "</s>"} <= vocab_tokens:
        # RoBERTa, XLM-RoBERTa, MPNet: "<s> text </s>". Their position table holds two
        # more rows than tokens fit (positions count from the padding id + 1).
        positions = positions - 2 if positions > 2 else positions
        base = replace(MINILM, model_id=model_id, prefix_tokens=("<s>",),
                       separator_token="</s>", suffix_tokens=("</s>",),
                       framing=replace(MINILM.framing, window_tokens=min(512, positions or 512)))
    else:
        raise ModelFolderError(
            f"{folder}: unknown model family '{model_type}'; supported: BERT-style "
            "([CLS]/[SEP]), RoBERTa-style (<s>/</s>: XLM-RoBERTa, MPNet) and Qwen-style "
            "(<|endoftext|>) models")
    dim = _bounded_int(config, "hidden_size", base.dim, MAX_DIM, folder / "config.json")
    positions = positions or base.max_positions
    framing = replace(base.framing, window_tokens=min(base.framing.window_tokens, positions))
    return replace(base, dim=dim, max_positions=positions, onnx_file=onnx_file, framing=framing)
