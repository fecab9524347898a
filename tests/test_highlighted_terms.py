"""The words the window marks in a result are the words the keyword search matched.

The oracle is the keyword index itself: SQLite FTS5's ``highlight()`` marks, in each passage
the search returns, exactly the words it matched. The window's marking (the snippet's HTML)
must be the same, for stopwords, quoted phrases, identifiers and words with dots, pluses
and hashes; and the relevance score counts the same words.
"""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.gui.snippets import highlight_html, make_snippet
from desktop_app.index.store import NewChunk, Store
from desktop_app.query_terms import terms_of, word_coverage
from desktop_app.searching import keyword_query, query_terms

PASSAGES = [
    "The quota check failed with ERR_QUOTA_0x7F3A after the upload.",
    "err quota 0x7f3a: the same code written with spaces, and err_quota alone",
    "Install node.js first; Node JS and node-js are spelled many ways.",
    "C++ and C# compilers, and the language C; c++17 too.",
    "Adjust the chain  tension, then check the chain.\nTension of a chain-tension tool.",
    "A café in Zürich serves naïve coffee to the CAFE crowd.",
    "Background checks for handguns; one handgun needs a background check.",
    "Nothing to see here: what is the thing that was done?",
    "Cafe\u0301 au lait (accent written apart) on the ΟΔΟΣ road, the Straße, STRASSE; "
    "tension of the chain tension.",
]

QUERIES = [
    "how do I fix ERR_QUOTA_0x7F3A",
    "what is the err quota",
    "node.js install",
    "c++ compiler",
    "C#",
    '"chain tension"',
    'tyres "chain tension" "check the chain"',
    "cafe zurich naive",
    "What are the background checks for handguns?",
    "the of and what is",
    "café οδος straße",
    '"chain tension" "tension of"',
]


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    for i, text in enumerate(PASSAGES):
        store.record_file(f"/docs/{i}.txt", size=len(text), mtime_ns=1, sha256=str(i),
                          status="indexed", reason=None,
                          chunks=[NewChunk(page=None, char_start=0, char_end=len(text),
                                           text=text, vector=np.zeros(8, dtype=np.int8))])
    yield store
    store.close()


def _search_marks(store: Store, query: str) -> dict[int, str]:
    """Each passage the keyword search returns, with the words it matched in [ ]."""
    fts = keyword_query(query)
    if not fts:
        return {}
    hits = {cid for cid, _ in store.keyword_search(fts, 100)}
    rows = store.db.execute(
        "SELECT rowid, highlight(chunks_fts, 0, '[', ']') FROM chunks_fts "
        "WHERE chunks_fts MATCH ?", (fts,)).fetchall()
    assert {rowid for rowid, _ in rows} == hits
    return dict(rows)


@pytest.mark.parametrize("query", QUERIES)
def test_the_window_marks_exactly_the_words_the_keyword_search_matched(store, query):
    expected = _search_marks(store, query)
    terms = terms_of(query)
    for cid, text in store.db.execute("SELECT id, text FROM chunks"):
        marked = highlight_html(text, terms, "[", "]")
        if cid in expected:
            assert marked == expected[cid].replace("&", "&amp;")
        elif not terms.phrases:
            # An any-word search returns every passage holding one of its words.
            assert "[" not in marked, (query, text)


def test_the_cases_that_used_to_differ_are_marked_as_searched(store):
    assert highlight_html(PASSAGES[0], terms_of("fix ERR_QUOTA_0x7F3A"), "[", "]") == \
        "The quota check failed with [ERR_QUOTA_0x7F3A] after the upload."
    # Stopwords are neither searched nor marked, however long ("what", "that").
    assert highlight_html(PASSAGES[7], terms_of("what is that thing"), "[", "]") == \
        "Nothing to see here: what is the [thing] that was done?"
    # The search has no stemming, so neither has the marking.
    assert highlight_html(PASSAGES[6], terms_of("handguns"), "[", "]") == \
        "Background checks for [handguns]; one handgun needs a background check."
    assert highlight_html("C++ and c#", terms_of("c++"), "<b>", "</b>") == \
        "<b>C</b>++ and <b>c</b>#"
    assert highlight_html("x < y & node.js", terms_of("node.js"), "<b>", "</b>") == \
        "x &lt; y &amp; <b>node.js</b>"


def test_one_rule_gives_the_search_terms_and_the_marked_terms():
    assert query_terms('tyres "chain tension"') == (['"chain tension"'], True)
    assert terms_of('tyres "chain tension"').tokens == (("chain", "tension"),)
    assert query_terms("How do I fix ERR_QUOTA_0x7F3A") == (['"fix"', '"err_quota_0x7f3a"'],
                                                             False)
    assert terms_of("How do I fix ERR_QUOTA_0x7F3A").tokens == (
        ("fix",), ("err", "quota", "0x7f3a"))
    # A word without letters or digits can match nothing, so it is not a term.
    assert query_terms("_ -- the") == ([], False)


@pytest.mark.parametrize("query", QUERIES)
def test_relevance_counts_the_words_the_search_matched(store, query):
    expected = _search_marks(store, query)
    terms = terms_of(query)
    for cid, text in store.db.execute("SELECT id, text FROM chunks"):
        coverage = word_coverage(query, text)
        if not terms:
            assert coverage is None
        elif terms.phrases:
            assert (coverage == 1.0) == (cid in expected)
        else:
            assert (coverage > 0) == (cid in expected)


def test_a_long_passage_is_cut_around_the_matched_words():
    text = "filler " * 200 + "set ERR_QUOTA_0x7F3A in node.js " + "filler " * 200
    snippet = make_snippet(text, terms_of("node.js ERR_QUOTA_0x7F3A"), width=120)
    assert "ERR_QUOTA_0x7F3A in node.js" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
