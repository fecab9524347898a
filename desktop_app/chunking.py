"""Pages → chunks: token-aware, never across a page boundary, with character spans.

A page is tokenized once (with character offsets); a chunk is a run of at most
``max_tokens`` of its tokens, cut where the text breaks naturally (a blank line, then a line
end, then a sentence end) in the second half of the budget. A chunk's text is the page text
between its first token's start and its last token's end, so ``page.text[char_start:char_end]``
is always the chunk. The tokens are kept: the embedder needs them and must not re-tokenize.

A chunk also knows where it sits: its file's title and the heading path in force at its
middle (``desktop_app.extract.headings``), so a chunk that starts with the last lines of one
section and runs on into the next is filed under the one it mostly holds. Both are shown with
results and are not part of what the model embeds: with "title › section" (or the section
alone) read above each passage, the default search found the right page of the Debian
manuals no more often (page-hit@10 0.908 and 0.922 against 0.922; MRR@10 0.680 and 0.671
against 0.676), though vector-only search did (0.830 → 0.837 and 0.865;
benchmarks/section_context.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from desktop_app.extract import Page
from desktop_app.extract.headings import section_at
from desktop_app.tokenizing import Tokenized

#: Long pages (a whole text file is one "page") are tokenized in blocks cut at line ends, so
#: memory stays bounded on a 50 MB log file; chunks never straddle a block.
BLOCK_CHARS = 100_000
#: Pages (or blocks) tokenized per call: the tokenizer keeps ~100 bytes per token until the
#: call returns, so a 1,600-page manual tokenized at once took 364 MB at peak (at 256: 258
#: MB, at the same speed: 4.84-4.94 s against 4.91-4.94 s for the six largest manuals).
TOKENIZE_PIECES = 256
_SENTENCE_END = frozenset(".!?;:。！？")


@dataclass(frozen=True, slots=True)
class Chunk:
    page: int | None
    char_start: int
    char_end: int
    text: str
    token_ids: np.ndarray
    #: the heading path it sits under ("Installation › Network setup"), if the file has any
    section: str | None = None
    #: its file's own title, if the file records one
    title: str | None = None


Tokenize = Callable[[Sequence[str]], list[Tokenized]]


def _blocks(text: str) -> list[tuple[int, str]]:
    if len(text) <= BLOCK_CHARS:
        return [(0, text)]
    out = []
    start = 0
    while start < len(text):
        end = min(start + BLOCK_CHARS, len(text))
        if end < len(text):
            cut = text.rfind("\n", start + BLOCK_CHARS // 2, end)
            end = cut + 1 if cut != -1 else end
        out.append((start, text[start:end]))
        start = end
    return out


def _break_scores(text: str, offsets: np.ndarray) -> np.ndarray:
    """Score for starting a chunk at each token: 3 paragraph, 2 line, 1 sentence, 0 none."""
    n = len(offsets)
    scores = np.zeros(n, dtype=np.int8)
    for t in range(1, n):
        gap = text[offsets[t - 1, 1]: offsets[t, 0]]
        if "\n\n" in gap:
            scores[t] = 3
        elif "\n" in gap:
            scores[t] = 2
        elif offsets[t - 1, 1] > 0 and text[offsets[t - 1, 1] - 1] in _SENTENCE_END and gap:
            scores[t] = 1
    return scores


def split_tokens(text: str, tok: Tokenized, max_tokens: int) -> list[tuple[int, int]]:
    """Token index ranges [i, j) of the chunks of one block of text."""
    n = len(tok.ids)
    if n == 0:
        return []
    scores = _break_scores(text, tok.offsets)
    ranges = []
    i = 0
    # Let the last chunk run a little long rather than leave a stub of a few tokens.
    slack = max_tokens // 8
    while i < n:
        if n - i <= max_tokens + slack:
            ranges.append((i, n))
            break
        lo, hi = i + max_tokens // 2, i + max_tokens
        window = scores[lo: hi + 1]
        best = int(window.max())
        # the latest position with the best score keeps chunks near the budget
        j = lo + int(np.flatnonzero(window == best)[-1]) if best > 0 else hi
        ranges.append((i, j))
        i = j
    return ranges


def chunk_pages(pages: Iterable[Page], tokenize: Tokenize, max_tokens: int) -> list[Chunk]:
    """Cut a file's pages into chunks, in reading order."""
    if max_tokens < 8:
        raise ValueError("chunk size must be at least 8 tokens")
    pieces: list[tuple[Page, int, str]] = []
    for page in pages:
        for base, block in _blocks(page.text):
            if block.strip():
                pieces.append((page, base, block))
    if not pieces:
        return []
    chunks: list[Chunk] = []
    for first in range(0, len(pieces), TOKENIZE_PIECES):
        batch = pieces[first:first + TOKENIZE_PIECES]
        for (page, base, block), tok in zip(batch, tokenize([b for _, _, b in batch])):
            for i, j in split_tokens(block, tok, max_tokens):
                start = int(tok.offsets[i, 0])
                end = int(tok.offsets[j - 1, 1])
                middle = base + (start + end) // 2
                chunks.append(Chunk(page=page.number, char_start=base + start,
                                    char_end=base + end, text=block[start:end],
                                    token_ids=tok.ids[i:j], section=section_at(page, middle),
                                    title=page.title))
    return chunks


def file_title(chunks: Sequence[Chunk]) -> str | None:
    """The title of the file these chunks were cut from, if it records one."""
    return next((c.title for c in chunks if c.title), None)
