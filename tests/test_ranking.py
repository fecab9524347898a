"""Ranking and grouping on small real libraries (real files, the bundled model): meaning is
not outvoted by shared words, exact phrases and rare identifiers still come first, contents
and title pages step back, one result per page, and the per-file cap adapts to the question."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop_app.extract.mupdf import pymupdf
from desktop_app.index import ranking
from desktop_app.library import Library
from desktop_app.query_terms import word_coverage
from desktop_app.searching import SearchOptions

# Prose about network and quota trouble in general words, so meaning alone spreads over it;
# only one file names the identifiers.
DOCS = {
    "sync-guide.txt": "When synchronisation stops because the storage quota is exhausted, free "
                      "some space or ask an administrator to raise the limit, then retry.",
    "quota-faq.txt": "Quota errors mean your account has used all the space it was given; "
                     "delete old archives or request a larger allowance to resume syncing.",
    "limits.txt": "Every account has a storage limit. Going over it pauses uploads until "
                  "files are removed or the plan is upgraded.",
    "worker.log.txt": "2024-03-02 worker-7 stopped: ERR_QUOTA_0x7F3A while writing block 88.",
    "events.txt": "An event loop waits until sockets become readable or writable and then "
                  "dispatches callbacks, so one thread serves thousands of connections.",
    "servers.txt": "Scalable servers watch many connections at once and wake only for the "
                   "sockets that have data waiting, instead of a thread per client.",
    "linux-io.txt": "On Linux the select.epoll object registers file descriptors once and "
                    "reports readiness in constant time.",
    "kitchen/proofing.txt": "In summer dough puffs up sooner: warm air speeds up the yeast, "
                            "so proofing takes less time.",
    "kitchen/traders.txt": "Our faster vans make dough for investors rise: bread, as traders "
                           "call money, grows.",
    "kitchen/prices.txt": "Bread prices rise faster than wages; economists say what makes a "
                          "loaf dearer is fuel.",
    "kitchen/pasta.txt": "Boil the pasta in plenty of salted water and drain it a minute "
                         "before the packet says.",
    "kitchen/soup.txt": "A stock simmered for hours with bones and vegetables gives soup "
                        "its body.",
    "bikes.txt": "Check the chain tension and tyre pressure before a long bicycle ride.",
    "garden.txt": "Tomatoes need six hours of sun and deep watering twice a week.",
}
MANUAL = "\n\n".join(
    f"Section {i}. Bread rises because yeast ferments sugar into carbon dioxide; bakers proof "
    f"dough number {i} in a warm place before it goes into the oven." for i in range(30))
COFFEE = {
    f"coffee-{name}.txt": "\n\n".join(
        f"{name.title()} note {i}: brewing coffee with {name} takes freshly ground beans and "
        f"water just off the boil; step {i} is to pour slowly." for i in range(8))
    for name in ("press", "filter", "moka", "espresso", "aeropress")
}


def _pdf(path: Path, pages: list[str]) -> None:
    doc = pymupdf.open()
    for text in pages:
        page = doc.new_page()
        page.insert_textbox(pymupdf.Rect(50, 50, 560, 800), text, fontsize=9)
    doc.save(str(path))
    doc.close()


def _handbook(path: Path) -> None:
    contents = "Contents\n" + "\n".join(
        f"{n}. {title} " + ". " * 30 + str(page) for n, (title, page) in enumerate([
            ("Configuring the network interface", 3), ("Choosing a printer", 4),
            ("Backing up the disk", 5), ("Restoring a backup", 6)], 1))
    network = ("1. Configuring the network interface\n" + " ".join(
        ["To bring an Ethernet card up at boot, list it in /etc/network/interfaces with "
         "'auto eth0' and 'iface eth0 inet dhcp'; a static address takes 'address', "
         "'netmask' and 'gateway' lines instead."] * 6))
    _pdf(path, [contents, "Preface\nThis handbook covers a small office's machines.",
                network, "2. Choosing a printer\nLaser printers suit offices that print a lot.",
                "3. Backing up the disk\nCopy the home folders to an external drive weekly.",
                "4. Restoring a backup\nCopy the files back and check their owners."])


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("ranking")
    docs = root / "docs"
    (docs / "kitchen").mkdir(parents=True)
    for name, text in {**DOCS, **COFFEE, "baking-manual.txt": MANUAL}.items():
        (docs / name).write_text(text)
    _handbook(docs / "handbook.pdf")
    lib = Library(root / "data", chunk_tokens=64)
    lib.add([docs])
    list(lib.sync())
    yield lib
    lib.close()


def names(results) -> list[str]:
    return [Path(r.path).name for r in results]


def test_a_rare_identifier_comes_first_even_when_meaning_points_elsewhere(library):
    query = "why did syncing stop with ERR_QUOTA_0x7F3A"
    by_meaning = library.search(query, SearchOptions(k=1, mode="vector"))
    assert names(by_meaning) != ["worker.log.txt"]  # meaning alone prefers the prose
    assert names(library.search(query, SearchOptions(k=3)))[0] == "worker.log.txt"


def test_a_dotted_identifier_comes_first(library):
    query = "how do I wait on many sockets at once with select.epoll"
    assert names(library.search(query, SearchOptions(k=3)))[0] == "linux-io.txt"


def test_a_quoted_phrase_comes_first_in_hybrid_search(library):
    hits = library.search('bicycle safety "chain tension"', SearchOptions(k=3))
    assert names(hits)[0] == "bikes.txt"


def test_meaning_is_not_outvoted_by_a_passage_that_only_shares_the_words(library):
    query = "why does bread dough rise faster in summer"
    kitchen = str(Path(library.search("boil the pasta", SearchOptions(k=1))[0].path).parent)
    by_words = library.search(query, SearchOptions(k=1, folder=kitchen, mode="keyword"))
    assert names(by_words) == ["traders.txt"]  # "faster", "dough", "rise", "bread": no yeast
    assert names(library.search(query, SearchOptions(k=3, folder=kitchen)))[0] == "proofing.txt"


def test_a_dominant_file_shows_its_best_passages_and_says_so(library):
    hits = library.search("how yeast makes bread rise", SearchOptions(k=10))
    manual = [h for h in hits if Path(h.path).name == "baking-manual.txt"]
    assert len(manual) > 3
    assert all(h.file_dominates for h in manual)
    first = hits.index(manual[0])
    assert all(h.group == first for h in manual)
    assert all(h.more_in_file == 0 for h in manual[1:])
    fixed = library.search("how yeast makes bread rise", SearchOptions(k=10, adaptive_cap=False))
    assert sum(Path(h.path).name == "baking-manual.txt" for h in fixed) == 3


def test_competing_files_keep_the_cap_and_group_by_file(library):
    hits = library.search("brewing coffee with freshly ground beans", SearchOptions(k=10))
    coffee = [Path(h.path).name for h in hits if "coffee-" in h.path]
    assert len(set(coffee)) >= 4
    assert max(coffee.count(n) for n in set(coffee)) <= 3
    assert not any(h.file_dominates for h in hits)
    for i, hit in enumerate(hits):
        first = next(j for j, h in enumerate(hits) if h.path == hit.path)
        assert hit.group == first and (hit.more_in_file == 0 or i == first)
    capped = [h for h in hits if h.more_in_file]
    assert capped and all(hits.index(h) == h.group for h in capped)


def test_one_result_per_page_and_the_contents_page_steps_back(library):
    hits = library.search("how do I configure the network interface to use a static address",
                          SearchOptions(k=10, per_file=None))
    pages = [h.page for h in hits if h.path.endswith("handbook.pdf")]
    assert pages[0] == 3
    assert len(pages) == len(set(pages))  # its other passages are counted, not repeated
    first = next(h for h in hits if h.path.endswith("handbook.pdf"))
    assert first.more_in_file >= 1
    flat = library.search("how do I configure the network interface to use a static address",
                          SearchOptions(k=10, per_file=None, page_evidence=False))
    assert [h.page for h in flat if h.path.endswith("handbook.pdf")].count(3) > 1


@pytest.fixture(scope="module")
def deck_library(tmp_path_factory):
    """The ferry deck (tests/data/office, made by python-pptx): a title slide ("Ferry service
    review / Winter season"), "Crossings" and "Fares" (a table)."""
    root = tmp_path_factory.mktemp("deck")
    (root / "docs").mkdir()
    shutil.copy(Path(__file__).parent / "data" / "office" / "ferry-deck.pptx", root / "docs")
    lib = Library(root / "data")
    lib.add([root / "docs"])
    list(lib.sync())
    yield lib
    lib.close()


def test_the_slide_that_answers_outranks_the_title_slide(deck_library):
    question = "what does a bicycle cost on the ferry"
    hits = deck_library.search(question, SearchOptions(k=3))
    assert hits[0].page == 3
    # the title slide is close in meaning (it names the ferry and the winter) ...
    flat = deck_library.search(question, SearchOptions(k=3, page_evidence=False))
    assert flat[0].page == 1
    # ... and still answers a question about the deck's own subject
    assert deck_library.search("ferry service review", SearchOptions(k=1))[0].page == 1


def test_a_page_is_shown_by_its_best_passage_even_when_that_one_holds_an_ellipsis(tmp_path):
    # ". . ." in "(1.1), (1.2), . . . ," reads as a little dotted leader; the passage
    # holding it must still be the one that shows its page, not the weaker one beside it
    (tmp_path / "docs").mkdir()
    _pdf(tmp_path / "docs" / "guide.pdf", [
        "Equation numbering. To have equations numbered within sections, as (1.1), (1.2), "
        ". . . , (2.1), (2.2), . . . , use the numberwithin command, which also resets the "
        "equation counter at the start of every section, so no manual reset is needed.\n\n"
        "This automatically supplies the parentheses around the equation number when you "
        "refer to it with eqref.",
        "Fractions and binomials are typeset with frac and binom."])
    with Library(tmp_path / "data", chunk_tokens=64) as lib:
        lib.add([tmp_path / "docs"])
        list(lib.sync())
        assert lib.store.db.execute("SELECT count(*) FROM chunks WHERE page = 1").fetchone()[0] == 2
        hit = lib.search("how do I number equations within sections", SearchOptions(k=3))[0]
        assert hit.page == 1 and hit.text.startswith("Equation numbering.")
        assert hit.good_match


def test_a_title_keeps_less_of_its_score_the_fewer_words_it_has():
    assert ranking.title_share("Ferry service review\n\nWinter season") == 5 / 8
    assert ranking.title_share("Crossings. Forty crossings a day in summer, twelve in winter.") == 1


def test_words_count_by_how_many_of_the_query_words_a_passage_holds():
    query = "what does a bicycle cost on the ferry"
    fares = "Fares: a bicycle on the ferry costs one euro, a foot passenger three."
    budget = "Cost of fuel, cost of crew, cost of repairs: the cost report, cost by cost."
    coverage = {1: word_coverage(query, fares), 2: word_coverage(query, budget)}
    assert coverage == {1: 2 / 3, 2: 1 / 3}
    # BM25 favours the passage that repeats one word; scaled by the square root of the
    # share of the words each holds, the one holding more of them leads the words side
    hits = ranking.by_coverage([(2, 9.0), (1, 7.0)], coverage)
    assert [cid for cid, _ in hits] == [1, 2]
    words = {cid: w for cid, (_, w) in ranking.evidence([], hits).items()}
    assert words[1] == 1.0
    assert words[2] == pytest.approx(9.0 * (1 / 3) ** 0.5 / (7.0 * (2 / 3) ** 0.5))
    # a passage holding all the words keeps its BM25; a candidate whose text is gone keeps it too
    assert ranking.by_coverage([(3, 5.0), (4, 4.0)], {3: 1.0}) == [(3, 5.0), (4, 4.0)]


def test_contents_pages_are_recognised_by_their_leaders():
    contents = "\n".join(f"3.{n} {title} {'. ' * 25}{n + 2}" for n, title in
                         enumerate(["Introduction", "Single equations", "Split equations"]))
    prose = "The align environment lines up equations at the ampersands. See page 4..."
    assert ranking.leader_share(contents) > 0.4
    assert ranking.leader_share(prose) < 0.1


def test_exact_terms_are_phrases_or_identifier_shaped_words():
    assert ranking.exact_terms('tyres "chain tension"') == 'tyres "chain tension"'
    assert ranking.exact_terms("fix ERR_QUOTA_0x7F3A now") == "ERR_QUOTA_0x7F3A"
    assert ranking.exact_terms("use select.epoll or poll") == "select.epoll"
    assert ranking.exact_terms("what does the CompleteMulti option do") == "CompleteMulti"
    # brand-style capitals, paper sizes and plain words are not identifiers
    assert ranking.exact_terms("how does LaTeX load pdfTeX fonts on A4 paper") is None


def test_the_json_of_a_result_carries_the_grouping(library):
    hits = library.search("how yeast makes bread rise", SearchOptions(k=10))
    rows = json.loads(json.dumps([h.to_json() for h in hits]))
    assert [r["group"] for r in rows] == [h.group for h in hits]
    dominant = [r for r in rows if r["file_dominates"]]
    assert dominant and all(r["path"] == dominant[0]["path"] for r in dominant)
    assert all(isinstance(r["more_in_file"], int) for r in rows)


def test_an_identifier_most_nearby_passages_hold_is_not_rare():
    nearest = [f"Passage {i} about event loops and sockets." for i in range(8)]
    assert ranking.is_rare("select.epoll", [*nearest, "Use select.epoll on Linux."])
    common = [f"node.js note {i}: the event loop serves sockets." for i in range(5)]
    assert not ranking.is_rare("node.js", nearest[:4] + common)
