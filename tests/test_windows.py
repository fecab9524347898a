"""Late-chunking layout: windows, recorded spans, context, token-bounded batches."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.embedding.windows import build_windows, standalone_windows, token_bounded_batches

CLS, SEP = 101, 102


def _chunks(*lengths: int) -> list[np.ndarray]:
    start = 1000
    out = []
    for n in lengths:
        out.append(np.arange(start, start + n))
        start += n
    return out


def test_a_file_that_fits_is_one_window_framed_by_the_model_tokens():
    chunks = _chunks(5, 7, 3)
    [w] = build_windows(chunks, prefix=[CLS], separator=SEP, suffix=[SEP], window_tokens=64,
                        context_tokens=8)
    assert w.ids[0] == CLS and w.ids[-1] == SEP
    assert len(w.ids) == 1 + 5 + 1 + 7 + 1 + 3 + 1
    for (_, a, b), chunk in zip(w.spans, chunks):
        assert np.array_equal(w.ids[a:b], chunk)


def test_spans_are_recorded_not_searched_so_separator_ids_inside_text_are_harmless():
    chunks = [np.array([5, SEP, 6]), np.array([SEP, SEP])]
    [w] = build_windows(chunks, prefix=[CLS], separator=SEP, suffix=[SEP], window_tokens=64,
                        context_tokens=0)
    assert [tuple(w.ids[a:b]) for _, a, b in w.spans] == [(5, SEP, 6), (SEP, SEP)]


def test_a_long_file_is_cut_in_windows_each_chunk_pooled_once_with_context():
    chunks = _chunks(*[30] * 20)
    windows = build_windows(chunks, prefix=[CLS], separator=SEP, suffix=[SEP],
                            window_tokens=128, context_tokens=16)
    assert len(windows) > 1
    seen = []
    for w in windows:
        assert len(w.ids) <= 128
        for c, a, b in w.spans:
            assert np.array_equal(w.ids[a:b], chunks[c])
            seen.append(c)
    assert seen == list(range(20))
    middle = windows[len(windows) // 2]
    first_chunk, start = middle.spans[0][0], middle.spans[0][1]
    assert first_chunk > 0 and start > 1, "a middle window carries left context"
    assert middle.spans[-1][2] < len(middle.ids) - 1, "and right context"


def test_a_chunk_longer_than_the_window_is_clipped_not_lost():
    [w] = build_windows(_chunks(500), prefix=[CLS], separator=SEP, suffix=[SEP],
                        window_tokens=64, context_tokens=8)
    assert len(w.ids) == 64 and w.spans[0][2] - w.spans[0][1] == 62


def test_standalone_windows_embed_each_chunk_alone():
    chunks = _chunks(4, 6)
    windows = standalone_windows(chunks, prefix=[CLS], suffix=[SEP], window_tokens=64)
    assert [len(w.ids) for w in windows] == [6, 8]
    assert [w.spans[0][0] for w in windows] == [0, 1]


@pytest.mark.parametrize("budget", [64, 256, 1000])
def test_batches_are_bounded_by_padded_tokens_and_sorted_by_length(budget):
    rng = np.random.default_rng(1)
    lengths = list(rng.integers(5, 60, 200))
    batches = token_bounded_batches(lengths, budget)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for batch in batches:
        assert max(lengths[i] for i in batch) * len(batch) <= budget or len(batch) == 1
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat)


def test_a_document_header_is_read_as_context_but_not_pooled():
    chunks = _chunks(6, 5, 4)
    windows = standalone_windows(chunks, prefix=[CLS], suffix=[SEP], window_tokens=64,
                                 head_tokens=3, separator=SEP)
    assert windows[0].ids.tolist() == [CLS, *chunks[0].tolist(), SEP], "the head is chunk 0"
    second = windows[1]
    assert second.ids.tolist() == [CLS, *chunks[0][:3].tolist(), SEP, *chunks[1].tolist(), SEP]
    (_, a, b), = second.spans
    assert np.array_equal(second.ids[a:b], chunks[1])
    tight = standalone_windows(chunks, prefix=[CLS], suffix=[SEP], window_tokens=9,
                               head_tokens=3, separator=SEP)
    assert all(len(w.ids) <= 9 for w in tight)
