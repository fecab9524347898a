"""The embedding model at work: tokenize, run windows through ONNX, pool spans, quantize.

``Encoder`` is safe to share between an indexing thread and a search thread: onnxruntime's
``run`` and the Rust tokenizer are both thread-safe and release the GIL. Queries share the
indexing session: a second, one-thread session for queries (tried for latency while
indexing) made the process crash during garbage collection in the window's tests, 5 runs of
6 (3 of 7 without it, before gui/collector.py); 1,024-token batches keep a query's wait short.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from desktop_app.embedding.profile import ModelProfile
from desktop_app.embedding.providers import create_session
from desktop_app.embedding.windows import (
    Window,
    build_windows,
    standalone_windows,
    token_bounded_batches,
)

#: Padded tokens per ONNX call. Measured on 2 cores (MiniLM int8, benchmarks/batch_memory.py):
#: throughput is flat from 256 to 4,096 (within 3%) while onnxruntime's memory grows with the
#: batch: 150 MB above the model at 1,024 for 256-token windows, 746 MB at 4,096.
DEFAULT_BATCH_TOKENS = 1024


@dataclass
class Tokenized:
    ids: np.ndarray  # int64 token ids, no special tokens
    offsets: np.ndarray  # int64 [n, 2] character spans into the text


@dataclass
class EncoderStats:
    windows: int = 0
    tokens_encoded: int = 0  # real (unpadded) tokens fed to the model
    padded_tokens: int = 0
    seconds_in_model: float = 0.0


class Encoder:
    def __init__(self, model_dir: Path, profile: ModelProfile, *, provider: str = "auto",
                 threads: int = 0, batch_tokens: int = DEFAULT_BATCH_TOKENS) -> None:
        self.profile = profile
        self.model_dir = Path(model_dir)
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        # The shipped tokenizer.json pads and truncates to 128 tokens: with that on, every
        # mean pools over pad tokens and quality collapses (SciFact nDCG@10 0.08 vs 0.647).
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        opened = create_session(str(self.model_dir / profile.onnx_file), provider, threads)
        self.session = opened.session
        self.provider = opened.provider
        self.provider_warning = opened.warning
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.output_name = self.session.get_outputs()[0].name
        self.batch_tokens = batch_tokens
        self.prefix = [self._token_id(t) for t in profile.prefix_tokens]
        self.suffix = [self._token_id(t) for t in profile.suffix_tokens]
        self.separator = (self._token_id(profile.separator_token)
                          if profile.separator_token else None)
        self.stats = EncoderStats()  # documents (indexing)
        self.query_stats = EncoderStats()

    def _token_id(self, token: str) -> int:
        tid = self.tokenizer.token_to_id(token)
        if tid is None:
            raise ValueError(f"the tokenizer has no token {token!r} that the profile names")
        return tid

    # -- tokenizing ---------------------------------------------------------------------
    def tokenize(self, texts: Sequence[str]) -> list[Tokenized]:
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        out = []
        for enc in encodings:
            ids = np.asarray(enc.ids, dtype=np.int64)
            offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
            out.append(Tokenized(ids, offsets))
        return out

    # -- running the model --------------------------------------------------------------
    def run(self, sequences: Sequence[np.ndarray],
            stats: EncoderStats | None = None) -> list[np.ndarray]:
        """Run equal-or-similar-length sequences as one padded batch; hidden states per row."""
        width = max(len(s) for s in sequences)
        ids = np.zeros((len(sequences), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        started = time.perf_counter()
        hidden = self.session.run([self.output_name], feeds)[0]
        stats = self.stats if stats is None else stats
        stats.seconds_in_model += time.perf_counter() - started
        stats.windows += len(sequences)
        stats.tokens_encoded += int(mask.sum())
        stats.padded_tokens += ids.size
        return [hidden[row, : len(seq)] for row, seq in enumerate(sequences)]

    def _pool_windows(self, windows: list[Window], out: list[np.ndarray],
                      stats: EncoderStats | None = None) -> Iterator[int]:
        """Run windows in token-bounded batches; write each chunk's mean-pooled vector.

        Yields the number of chunks pooled after each model call.
        """
        lengths = [len(w.ids) for w in windows]
        for batch in token_bounded_batches(lengths, self.batch_tokens):
            states = self.run([windows[i].ids for i in batch], stats)
            pooled = 0
            for i, hidden in zip(batch, states):
                for (doc, chunk), start, end in windows[i].spans:
                    out[doc][chunk] = hidden[start:end].mean(axis=0)
                    pooled += 1
            yield pooled

    def iter_embed_documents(
        self, documents: Sequence[Sequence[np.ndarray]],
    ) -> Generator[int, None, list[np.ndarray]]:
        """Contextual vectors for the chunks of several files: one float32 [n, dim] per file.

        Each file's chunks are embedded together (late chunking) with the profile's framing;
        windows of all files are batched together, so many small files cost few model calls.
        A generator: yields chunks done after every model call (so a caller can report
        progress and pause between batches) and returns the L2-normalised vectors.
        """
        framing = self.profile.framing
        dim = self.profile.dim
        w_alone = framing.standalone_weight
        late: list[np.ndarray] = [np.zeros((len(d), dim), np.float32) for d in documents]
        if w_alone < 1.0:
            windows: list[Window] = []
            for doc, chunks in enumerate(documents):
                for w in build_windows(chunks, prefix=self.prefix, separator=self.separator,
                                       suffix=self.suffix, window_tokens=framing.window_tokens,
                                       context_tokens=framing.context_tokens):
                    windows.append(Window(w.ids, tuple(((doc, c), a, b) for c, a, b in w.spans)))
            yield from self._pool_windows(windows, late)
            if w_alone <= 0.0:
                return [self._finish(v) for v in late]
        alone: list[np.ndarray] = [np.zeros((len(d), dim), np.float32) for d in documents]
        solo: list[Window] = []
        for doc, chunks in enumerate(documents):
            for w in standalone_windows(chunks, prefix=self.prefix, suffix=self.suffix,
                                        window_tokens=framing.window_tokens,
                                        head_tokens=framing.head_tokens,
                                        separator=self.separator):
                solo.append(Window(w.ids, tuple(((doc, c), a, b) for c, a, b in w.spans)))
        yield from self._pool_windows(solo, alone)
        if w_alone >= 1.0:
            return [self._finish(v) for v in alone]
        return [_normalise((1 - w_alone) * _normalise(self._finish(a))
                           + w_alone * _normalise(self._finish(b)))
                for a, b in zip(late, alone)]

    def embed_documents(self, documents: Sequence[Sequence[np.ndarray]]) -> list[np.ndarray]:
        """All of :meth:`iter_embed_documents` at once."""
        job = self.iter_embed_documents(documents)
        while True:
            try:
                next(job)
            except StopIteration as done:
                return done.value

    def embed_query(self, text: str) -> np.ndarray:
        """A query is embedded alone, as a one-chunk document, by the same model."""
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        tokens = self.tokenize(texts)
        out = [np.zeros((1, self.profile.dim), np.float32) for _ in texts]
        windows = []
        for q, tok in enumerate(tokens):
            w = standalone_windows([tok.ids], prefix=self.prefix, suffix=self.suffix,
                                   window_tokens=self.profile.framing.window_tokens)[0]
            _, a, b = w.spans[0]
            if a == b:  # an empty query (only whitespace): pool over the special tokens
                a, b = 0, len(w.ids)
            windows.append(Window(w.ids, (((q, 0), a, b),)))
        for _ in self._pool_windows(windows, out, self.query_stats):
            pass
        if not out:
            return np.zeros((0, self.profile.dim), np.float32)
        return np.stack([_normalise(self._finish(v))[0] for v in out])

    # -- output --------------------------------------------------------------------------
    def _finish(self, pooled: np.ndarray) -> np.ndarray:
        """Pooled hidden states → the model's output vectors (before storage encoding).

        "float" models: L2-normalised. "tanh_int8" models (pplx): tanh(x), whose
        round(127·x) is the int8 the model card specifies.
        """
        if self.profile.output == "tanh_int8":
            return np.tanh(pooled).astype(np.float32)
        return _normalise(pooled)


def _normalise(v: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return (v / norms).astype(np.float32)
