"""Model folder → tokenizer + ONNX session; late chunking; query embedding; quantization."""

from desktop_app.embedding.encoder import Encoder, Tokenized
from desktop_app.embedding.profile import MINILM, Framing, ModelProfile, profile_from_folder

__all__ = [
           "MINILM",
           "Encoder",
           "Framing",
           "ModelProfile",
           "Tokenized",
           "profile_from_folder",
]
