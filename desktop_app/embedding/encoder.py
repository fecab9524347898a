"""The embedding model at work: tokenize, run windows through ONNX, pool spans, quantize.

``Encoder`` is safe to share between an indexing thread and a search thread: onnxruntime's
``run`` and the Rust tokenizer are both thread-safe and release the GIL.

On the CPU, a small model gets two sessions: one for queries, made with the encoder, and one
for documents, made by the first thread that embeds documents. Its worker threads are that
thread's children, so when the indexing thread runs at a lower priority
(``desktop_app.priority``) the whole forward pass of a document batch does too, and a query
typed meanwhile takes a core at once instead of sharing both with the batch: query embedding
p95 while indexing 7.5 ms against 10-11 ms with one shared session, at the same indexing
speed. A second session holds a second copy of the weights, so a large model (the flagship's
are 0.6-4 GB), or one on a GPU, keeps a single session for both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.embedding.profile import ModelProfile
from desktop_app.embedding.providers import create_session, ort, resolve
from desktop_app.embedding.windows import (
    Window,
    build_windows,
    standalone_windows,
    token_bounded_batches,
)
from desktop_app.tokenizing import Tokenized, load_tokenizer, tokenize

# ``ort`` comes from providers, the app's one import of onnxruntime (telemetry off there).

#: Padded tokens per ONNX call. Measured on 2 cores (MiniLM int8, benchmarks/batch_memory.py):
#: throughput is flat from 256 to 4,096 (within 3%) while onnxruntime's memory grows with the
#: batch: 150 MB above the model at 1,024 for 256-token windows, 746 MB at 4,096.
DEFAULT_BATCH_TOKENS = 1024
#: Model files up to this size get a session of their own for documents (see above).
SEPARATE_DOCUMENT_SESSION_BYTES = 256 << 20


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
        self.tokenizer_path = self.model_dir / "tokenizer.json"
        self.tokenizer = load_tokenizer(self.tokenizer_path)
        self._model_path = self.model_dir / profile.onnx_file
        self._threads = threads
        #: queries and documents on sessions of their own (see the module's notes)
        self.separate_sessions = (resolve(provider)[0] == "cpu" and self._model_path.stat().st_size
                                  <= SEPARATE_DOCUMENT_SESSION_BYTES)
        # A query's own session runs on one thread: hybrid search searches by keyword on
        # the other core meanwhile (two threads made it wait for that core: 6 ms vs 3 alone).
        opened = (create_session(str(self._model_path), provider, 1, spinning=False)
                  if self.separate_sessions else
                  create_session(str(self._model_path), provider, threads))
        self.session = opened.session  # queries (and documents, when it is the only one)
        self.provider = opened.provider
        self.provider_warning = opened.warning
        self._document_session: ort.InferenceSession | None = None
        self._document_session_lock = threading.Lock()
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
        return tokenize(self.tokenizer, texts)

    # -- running the model --------------------------------------------------------------
    @property
    def document_session(self) -> ort.InferenceSession:
        """The session documents run on: its own on the CPU for a small model, made by the
        first thread that asks (the indexing thread), else the query session."""
        with self._document_session_lock:
            if self._document_session is None:
                self._document_session = (create_session(str(self._model_path), "cpu",
                                                         self._threads).session
                                          if self.separate_sessions else self.session)
            return self._document_session

    def release_document_session(self) -> None:
        """Free the document session's memory (its arena holds a batch's working memory:
        ~90 MB with the bundled model) once indexing is done; the next batch makes a new one
        in ~0.1 s. Nothing happens when queries and documents share one session."""
        with self._document_session_lock:
            self._document_session = None

    def run(self, sequences: Sequence[np.ndarray], *, query: bool = False) -> list[np.ndarray]:
        """Run equal-or-similar-length sequences as one padded batch; hidden states per row.
        ``query``: on the query session, counted in ``query_stats`` (else the documents')."""
        width = max(len(s) for s in sequences)
        ids = np.zeros((len(sequences), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        stats = self.query_stats if query else self.stats
        session = self.session if query else self.document_session
        started = time.perf_counter()
        hidden = session.run([self.output_name], feeds)[0]
        stats.seconds_in_model += time.perf_counter() - started
        stats.windows += len(sequences)
        stats.tokens_encoded += int(mask.sum())
        stats.padded_tokens += ids.size
        return [hidden[row, : len(seq)] for row, seq in enumerate(sequences)]

    def _pool_windows(self, windows: list[Window], out: list[np.ndarray],
                      query: bool = False) -> Iterator[int]:
        """Run windows in token-bounded batches; write each chunk's mean-pooled vector.

        Yields the number of chunks pooled after each model call.
        """
        lengths = [len(w.ids) for w in windows]
        for batch in token_bounded_batches(lengths, self.batch_tokens):
            states = self.run([windows[i].ids for i in batch], query=query)
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
        for _ in self._pool_windows(windows, out, query=True):
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
