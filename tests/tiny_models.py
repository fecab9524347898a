"""Tiny embedding models built on the spot, for tests: no download, no hub.

The ONNX graph takes ``input_ids`` and ``attention_mask`` and returns ``last_hidden_state``:
token embeddings mixed with the masked mean of the whole sequence (so, like a real
transformer, a token's state depends on its context and padding must not leak in), then a
linear projection. The tokenizer is a byte-level BPE: Qwen-style, whose separator is
``<|endoftext|>``, or RoBERTa-style (XLM-RoBERTa, MPNet), which frames text as
``<s> … </s>``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CORPUS = [
    "Volcanoes erupt when magma rises through the crust and lava flows down the slopes.",
    "Income tax returns are due in April; late filing brings penalties and interest.",
    "Photosynthesis lets plants turn sunlight, water and carbon dioxide into glucose.",
    "The committee approved the budget after a long debate about school funding.",
    "Install the package, then run the command with the help flag to see options.",
    "Birds migrate south in autumn to find food and warmer weather.",
] * 4


def build_tiny_qwen(folder: Path, *, dim: int = 32, model_id: str = "test/tiny-qwen",
                    onnx_name: str = "model.onnx", seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _tokenizer(folder, ["<|endoftext|>"])
    (folder / "config.json").write_text(json.dumps({
        "_name_or_path": model_id, "model_type": "qwen3", "hidden_size": dim,
        "max_position_embeddings": 32768, "vocab_size": vocab}))
    (folder / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<|endoftext|>"}))
    (folder / "special_tokens_map.json").write_text(json.dumps({"eos_token": "<|endoftext|>"}))

    _onnx(folder, vocab, dim, onnx_name, seed, "tiny-qwen")
    return folder


def build_tiny_roberta(folder: Path, *, dim: int = 32, model_id: str = "test/tiny-xlmr",
                       model_type: str = "xlm-roberta", seed: int = 0) -> Path:
    """RoBERTa-style: special tokens <s> (0), <pad> (1), </s> (2), <unk> (3), and a position
    table two rows longer than the tokens it takes, as RoBERTa's."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _tokenizer(folder, ["<s>", "<pad>", "</s>", "<unk>"])
    (folder / "config.json").write_text(json.dumps({
        "_name_or_path": model_id, "model_type": model_type, "hidden_size": dim,
        "max_position_embeddings": 514, "pad_token_id": 1, "bos_token_id": 0,
        "eos_token_id": 2, "vocab_size": vocab}))
    _onnx(folder, vocab, dim, "model.onnx", seed, "tiny-roberta")
    return folder


def _tokenizer(folder: Path, special: list[str]) -> int:
    """A byte-level BPE trained on ``CORPUS`` with ``special`` tokens first, saved as
    tokenizer.json; its vocabulary size."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=special,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(CORPUS, trainer)
    tokenizer.save(str(folder / "tokenizer.json"))
    return tokenizer.get_vocab_size()


def _onnx(folder: Path, vocab: int, dim: int, onnx_name: str, seed: int, name: str) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    embeddings = numpy_helper.from_array(rng.normal(size=(vocab, dim)).astype(np.float32), "E")
    projection = numpy_helper.from_array(
        (rng.normal(size=(dim, dim)) / np.sqrt(dim)).astype(np.float32), "W")
    half = numpy_helper.from_array(np.array(0.5, np.float32), "half")
    axis1 = numpy_helper.from_array(np.array([1], np.int64), "axis1")
    axis2 = numpy_helper.from_array(np.array([2], np.int64), "axis2")
    nodes = [
        helper.make_node("Gather", ["E", "input_ids"], ["emb"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["emb", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["total"], keepdims=1),
        helper.make_node("ReduceSum", ["mask3", "axis1"], ["count"], keepdims=1),
        helper.make_node("Div", ["total", "count"], ["context"]),
        helper.make_node("Mul", ["context", "half"], ["context_half"]),
        helper.make_node("Add", ["emb", "context_half"], ["mixed"]),
        helper.make_node("MatMul", ["mixed", "W"], ["last_hidden_state"]),
    ]
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                       ["batch", "sequence"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                       ["batch", "sequence", dim])],
        initializer=[embeddings, projection, half, axis1, axis2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    (folder / "onnx").mkdir(exist_ok=True)
    onnx.save(model, str(folder / "onnx" / onnx_name))
