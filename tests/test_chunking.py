"""Chunking: token-bounded, page-bounded, spans that point at the chunk's own text."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.chunking import BLOCK_CHARS, chunk_pages
from desktop_app.extract import Page

PARAGRAPH = ("Photosynthesis converts light energy into chemical energy. Chlorophyll absorbs "
             "mostly blue and red light. The Calvin cycle fixes carbon dioxide into sugars. ")


def test_every_chunk_span_points_at_its_text_on_its_page(encoder):
    pages = [Page(1, PARAGRAPH * 12), Page(2, "Short second page."), Page(4, PARAGRAPH * 3)]
    chunks = chunk_pages(pages, encoder.tokenize, max_tokens=64)
    by_number = {p.number: p.text for p in pages}
    assert {c.page for c in chunks} == {1, 2, 4}
    for c in chunks:
        assert by_number[c.page][c.char_start:c.char_end] == c.text
        assert c.text.strip() == c.text and c.text


def test_chunks_respect_the_token_budget_and_never_cross_pages(encoder):
    pages = [Page(1, PARAGRAPH * 20), Page(2, PARAGRAPH * 20)]
    chunks = chunk_pages(pages, encoder.tokenize, max_tokens=50)
    assert all(len(c.token_ids) <= 50 + 50 // 8 for c in chunks)
    assert [c.page for c in chunks] == sorted(c.page for c in chunks)
    # tokens of all chunks of a page are exactly the page's tokens, in order
    page1 = np.concatenate([c.token_ids for c in chunks if c.page == 1])
    assert np.array_equal(page1, encoder.tokenize([pages[0].text])[0].ids)


def test_chunks_break_at_paragraphs_rather_than_mid_sentence(encoder):
    para = "word " * 30
    text = "\n\n".join(para.strip() + "." for _ in range(6))
    chunks = chunk_pages([Page(None, text)], encoder.tokenize, max_tokens=70)
    assert len(chunks) >= 3
    for c in chunks[:-1]:
        assert c.text.endswith(".")
        assert text[c.char_end:c.char_end + 2] == "\n\n"


def test_text_without_natural_breaks_is_cut_at_the_budget(encoder):
    text = " ".join(f"token{i}" for i in range(400))
    chunks = chunk_pages([Page(None, text)], encoder.tokenize, max_tokens=40)
    assert all(len(c.token_ids) <= 45 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_blank_pages_give_no_chunks_and_very_long_pages_are_split_in_blocks(encoder):
    assert chunk_pages([Page(1, "   \n\n ")], encoder.tokenize, max_tokens=64) == []
    line = "The quick brown fox jumps over the lazy dog near the riverbank.\n"
    long_text = line * (2 * BLOCK_CHARS // len(line) + 10)
    chunks = chunk_pages([Page(None, long_text)], encoder.tokenize, max_tokens=128)
    assert chunks[-1].char_end > BLOCK_CHARS * 2
    for c in chunks:
        assert long_text[c.char_start:c.char_end] == c.text


def test_a_tiny_budget_is_refused(encoder):
    with pytest.raises(ValueError):
        chunk_pages([Page(1, "text")], encoder.tokenize, max_tokens=2)


def test_pages_are_tokenized_a_few_at_a_time_with_the_same_chunks(encoder, monkeypatch):
    import desktop_app.chunking as chunking

    pages = [Page(n, f"Page {n} says something about topic {n}. " * (n % 7 + 1))
             for n in range(1, 40)]
    calls: list[int] = []

    def counting(texts):
        calls.append(len(texts))
        return encoder.tokenize(texts)

    whole = chunk_pages(pages, encoder.tokenize, 32)
    monkeypatch.setattr(chunking, "TOKENIZE_PIECES", 5)
    batched = chunk_pages(pages, counting, 32)
    assert max(calls) == 5 and sum(calls) == len(pages)
    assert [(c.page, c.char_start, c.char_end, c.text) for c in batched] == \
        [(c.page, c.char_start, c.char_end, c.text) for c in whole]
    assert all(np.array_equal(a.token_ids, b.token_ids) for a, b in zip(batched, whole))
