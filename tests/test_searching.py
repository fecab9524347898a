"""Hybrid search, filters and result shape on a small real library."""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import pytest

from desktop_app.index import Store
from desktop_app.library import Library
from desktop_app.searching import GOOD_MATCH, SearchOptions, keyword_query, relevance, word_coverage

DOCS = {
    "errors.log.txt": "2024-03-02 worker-7 crashed with ERR_QUOTA_0x7F3A while syncing the "
                      "archive; retrying in 30 seconds.",
    "garden.md": "Tomatoes need six hours of sun a day and deep watering twice a week.",
    "bikes.txt": "Check the chain tension and tyre pressure before a long bicycle ride.",
    "notes/recipe.md": "Knead the dough for ten minutes until it is smooth and elastic.",
    "notes/meeting.txt": "The budget meeting moved to Thursday; bring the quarterly report.",
}
LONG = "\n\n".join(f"Section {i}. Bread rises because yeast ferments sugar into carbon "
                   f"dioxide; bakers proof dough number {i} in a warm place." for i in range(30))


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    docs = root / "docs"
    for name, text in DOCS.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text)
    (docs / "baking.txt").write_text(LONG)
    shutil.copy(docs / "garden.md", docs / "notes" / "garden-copy.md")
    old = time.mktime(datetime(2020, 1, 1).timetuple())
    os.utime(docs / "bikes.txt", (old, old))
    lib = Library(root / "data", chunk_tokens=64)
    lib.add([docs])
    list(lib.sync())
    yield lib, docs
    lib.close()


def names(results) -> list[str]:
    return [Path(r.path).name for r in results]


def test_keyword_queries_quote_words_and_require_quoted_phrases():
    assert keyword_query("how do I fix ERR_QUOTA_0x7F3A") == '"fix" OR "err_quota_0x7f3a"'
    assert keyword_query("fix ERR_QUOTA_0x7F3A", "AND") == '"fix" AND "err_quota_0x7f3a"'
    assert keyword_query('tyres "chain tension"') == '"chain tension"'
    assert keyword_query("the of and") == ""


def test_an_error_code_finds_its_chunk_in_hybrid_and_keyword_mode(library):
    lib, _ = library
    for mode in ("hybrid", "keyword"):
        found = lib.search("ERR_QUOTA_0x7F3A", SearchOptions(k=1, mode=mode))
        assert names(found) == ["errors.log.txt"]


def test_an_exact_phrase_must_appear(library):
    lib, _ = library
    hits = lib.search('"chain tension"', SearchOptions(k=5, mode="keyword"))
    assert names(hits) == ["bikes.txt"]


def test_meaning_still_wins_without_shared_words(library):
    lib, _ = library
    found = lib.search("growing vegetables in sunshine", SearchOptions(k=1))
    assert names(found)[0] in ("garden.md", "garden-copy.md")


def test_filters_by_folder_type_and_date(library):
    lib, docs = library
    inside = lib.search("budget", SearchOptions(k=5, folder=str((docs / "notes").resolve())))
    assert inside and all("/notes/" in r.path for r in inside)
    markdown = lib.search("dough and sunshine", SearchOptions(k=10, file_types=("md",)))
    assert markdown and all(r.path.endswith(".md") for r in markdown)
    recent = lib.search("bicycle tyres", SearchOptions(k=10, since=datetime(2023, 1, 1)))
    assert "bikes.txt" not in names(recent)
    assert "bikes.txt" in names(lib.search("bicycle tyres", SearchOptions(k=10)))


def test_copies_collapse_and_each_file_gives_at_most_three_passages(library):
    lib, _ = library
    hits = lib.search("tomatoes sun watering", SearchOptions(k=10))
    gardens = [h for h in hits if "garden" in Path(h.path).name]
    assert len(gardens) == 1 and len(gardens[0].duplicates) == 1
    fixed = SearchOptions(k=10, adaptive_cap=False)
    bread = [h for h in lib.search("how yeast makes bread rise", fixed)
             if Path(h.path).name == "baking.txt"]
    assert len(bread) == 3 and bread[0].more_in_file > 0
    # by default a file holding most of the strong candidates is not capped
    dominant = [h for h in lib.search("how yeast makes bread rise", SearchOptions(k=10))
                if Path(h.path).name == "baking.txt"]
    assert len(dominant) > 3 and all(h.file_dominates for h in dominant)
    uncapped = lib.search("how yeast makes bread rise", SearchOptions(k=10, per_file=None))
    assert sum(Path(h.path).name == "baking.txt" for h in uncapped) > 3


def test_more_like_this_uses_a_results_own_vector(library):
    lib, _ = library
    [seed] = lib.search("knead the dough", SearchOptions(k=1, mode="vector"))
    similar = lib.more_like(seed.chunk_id, SearchOptions(k=3, per_file=None))
    assert seed.chunk_id not in [h.chunk_id for h in similar]
    assert "baking.txt" in names(similar)


def test_more_like_this_leaves_the_seed_out_before_copies_are_merged(library):
    lib, _ = library
    # garden.md and notes/garden-copy.md hold the same text: whichever ranks first is the seed
    # (the other is collapsed into it as a copy), and the other must come back, not the seed
    seed = lib.search("tomatoes sun watering", SearchOptions(k=1, per_file=None))[0]
    other = {"garden.md": "garden-copy.md", "garden-copy.md": "garden.md"}[Path(seed.path).name]
    similar = lib.more_like(seed.chunk_id, SearchOptions(k=5, per_file=None))
    copy = [h for h in similar if Path(h.path).name == other]
    assert copy and seed.path not in copy[0].duplicates


def test_a_word_no_passage_contains_does_not_hide_the_passages_with_all_the_others(library):
    lib, _ = library
    # "zyxwvu" is nowhere: all-words finds nothing, so the passages with both of the other
    # words must rank above those with just one of them
    hits = lib.search("chain pressure zyxwvu", SearchOptions(k=3, mode="keyword", per_file=None))
    assert names(hits)[0] == "bikes.txt"
    hits = lib.search("dough minutes zyxwvu", SearchOptions(k=1, mode="keyword"))
    assert names(hits) == ["recipe.md"]


def test_hybrid_search_past_the_keyword_budget_still_answers_by_meaning(library, monkeypatch):
    from desktop_app import searching

    lib, _ = library
    query = "deep watering for tomatoes"
    both = lib.search(query, SearchOptions(k=3))
    assert names(both)[0] in ("garden.md", "garden-copy.md") and both[0].good_match
    monkeypatch.setattr(searching, "KEYWORD_BUDGET_S", -1.0)  # every keyword query is late
    monkeypatch.setattr(Store, "has_keyword_match", lambda *a: pytest.fail("ran late"))
    late = lib.search(query, SearchOptions(k=3))
    assert names(late)[0] in ("garden.md", "garden-copy.md")
    vector_only = lib.search(query, SearchOptions(k=3, mode="vector"))
    assert [r.chunk_id for r in late] == [r.chunk_id for r in vector_only]


def test_relevance_is_the_same_figure_for_a_passage_in_every_mode(library):
    lib, _ = library
    query = "how long to knead the dough"
    by_mode = {mode: {r.chunk_id: r.score
                      for r in lib.search(query, SearchOptions(k=5, mode=mode, per_file=None))}
               for mode in ("hybrid", "vector", "keyword")}
    shared = set(by_mode["hybrid"]) & set(by_mode["vector"]) & set(by_mode["keyword"])
    assert shared, "the kneading passage is found in every mode"
    for cid in shared:
        assert by_mode["hybrid"][cid] == pytest.approx(by_mode["vector"][cid])
        assert by_mode["hybrid"][cid] == pytest.approx(by_mode["keyword"][cid])


def test_an_answer_is_a_good_match_and_nonsense_is_not(library):
    lib, _ = library
    for mode in ("hybrid", "vector", "keyword"):
        top = lib.search("how long to knead the dough", SearchOptions(k=1, mode=mode))
        assert names(top) == ["recipe.md"] and top[0].good_match, mode
        nonsense = lib.search("zzzzqqq xylophone", SearchOptions(k=5, mode=mode))
        assert all(not r.good_match and r.score < GOOD_MATCH for r in nonsense), mode
    # an identifier typed exactly is a good match even where meaning cannot tell
    assert lib.search("ERR_QUOTA_0x7F3A", SearchOptions(k=1, mode="keyword"))[0].good_match


def test_the_top_result_is_not_always_one(library):
    lib, _ = library
    scores = [lib.search(q, SearchOptions(k=1))[0].score for q in (
        "deep watering for tomatoes", "quarterly budget meeting day", "zzzzqqq xylophone")]
    assert scores[2] < GOOD_MATCH < min(scores[:2])
    assert len(set(scores)) == 3


def test_relevance_combines_meaning_and_words():
    assert relevance(None, None) == 0.0
    assert relevance(0.9, None) > 0.99 > relevance(0.35, None) == pytest.approx(0.5)
    assert relevance(0.1, 1.0) == pytest.approx(relevance(None, 1.0), abs=0.02)
    assert relevance(0.35, 1.0) > relevance(0.35, 0.5) > relevance(0.35, 0.0)
    assert word_coverage("fix the ERR_QUOTA_0x7F3A error", "ERR_QUOTA_0x7F3A: a fix") == \
        pytest.approx(2 / 3)
    assert word_coverage('"chain tension" tyres', "Check the chain  tension.") == 1.0
    assert word_coverage("the of and", "anything") is None
