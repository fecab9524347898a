"""Ranking: how a search's candidates — passages the vector graph and the keyword index
returned, each with its own score — become one ordered list, before results are grouped.

- **Fusion by normalised scores.** Each candidate gets two pieces of evidence on 0–1:
  meaning (its cosine, min–max over every candidate, those found by words alone included)
  and words (its BM25 divided by the best). They are added with weights, meaning's 1 and
  words' ``keyword_weight`` (2/3: meaning 60 %, words 40 %). Unlike reciprocal rank
  fusion, a passage that shares a paraphrased question's words but not its meaning gets
  only the words' share, and a passage close in meaning keeps its lead over passages that
  merely share words (docs/quality.md measured both; RRF stays available as ``"rrf"``).
- **Words count by how many of the query's words a passage holds.** BM25 divided by the
  best puts the passage that matches one common word of a question ("cost") at full
  strength when no passage holds more; each keyword candidate's BM25 is first scaled by the
  square root of the share of the query's terms it holds (``by_coverage``), so a passage
  holding all the words keeps its BM25 and one holding a quarter of them half of it.
- **A page is judged as a whole.** On a paged file (PDF, slides, …) a passage's evidence is
  its page's: the best meaning and the best words among that page's candidates, so a page
  whose passages hold the question's meaning and its words between them outranks a page
  with one passage that shares many words. The page is shown by its best passage.
- **Contents and title pages step back.** A passage that is mostly dotted leaders (a table
  of contents, a list of figures) points at the answer rather than holding it: its score is
  scaled down by the share of its characters in leaders. A passage of a few words on a
  page (a title slide, a cover: "Ferry service review / Winter season") names the subject
  without saying anything about it, yet its short text sits close to any question on that
  subject: its score is scaled down in proportion to how few words it has, so the slide
  that answers ("Fares … Bicycle | 1 euro") comes first.
- **Exact terms win.** A query that quotes a phrase, or names a rare identifier (a word
  with an underscore, a digit among letters, an inner dot or colon, or camelCase:
  ``ERR_QUOTA_0x7F3A``, ``select.epoll``, ``CompleteMulti``; rare: few of the passages
  nearest the query in meaning hold it), asks for those characters: passages holding all
  of them rank above those that do not, in fused order among themselves.

Pure functions of the candidates; ``desktop_app.searching`` feeds them and groups the list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal

from desktop_app.query_terms import terms_of, word_coverage

if TYPE_CHECKING:
    from desktop_app.index.records import ChunkRow

Fusion = Literal["scores", "rrf"]
#: (meaning, words) of a candidate, each 0–1
Evidence = tuple[float, float]

#: words' weight against meaning's 1 in score fusion: meaning 0.6, words 0.4 of the total
#: (tuned on the known-item pages, checked on SciFact and COVID-QA: docs/quality.md)
KEYWORD_WEIGHT = 2 / 3
#: reciprocal rank fusion's constant, for ``"rrf"``
RRF_K = 60
#: an identifier the query names is rare — a name to look up, not a word of the subject —
#: when at most this share of the passages nearest the query in meaning hold it ("LaTeX" in
#: a library of LaTeX manuals is not; "CompleteMulti" is)
RARE_SHARE = 0.2

# Identifier shapes, read from the query as typed (case kept): an underscore, an inner dot
# or colon between word characters, camelCase — a capital after a lower-case letter and
# followed by two more ("CompleteMulti", not the brand-style capitals of "LaTeX") — or a
# digit next to a letter in a word of three characters or more ("0x7F3A", not "A4").
_TOKEN = re.compile(r"\w[\w.:+#-]*\w")
_IDENTIFIER = re.compile(r"_|\w[.:]+\w|[a-z][A-Z][a-z]{2}")
_DIGIT_LETTER = re.compile(r"\d[^\W\d_]|[^\W\d_]\d")
# A dotted leader as text extraction writes it: ". . . ." (or "....").
_LEADER_DOTS = (". .", "..")
#: a passage on a page with fewer words than this is a title or a cover; its score is scaled
#: by words / TITLE_WORDS (5 words: 0.62). The known-item pages do not move (their titles
#: share pages with prose); a deck's title slide stops outranking the slide that answers.
TITLE_WORDS = 8
_WORDS = re.compile(r"\w+")


def evidence(vector_hits: list[tuple[int, float]], keyword_hits: list[tuple[int, float]],
             cosine: Mapping[int, float] | None = None) -> dict[int, Evidence]:
    """Each candidate's (meaning, words) on 0–1. ``vector_hits``: (id, cosine) best first;
    ``keyword_hits``: (id, BM25 relevance, higher is better) best first; ``cosine``: the
    cosine of candidates the graph did not return (found by words only), so every
    candidate's meaning is measured on one scale — without it they have none."""
    meaning = _min_max([*vector_hits, *(cosine or {}).items()])
    best = max((score for _, score in keyword_hits), default=0.0)
    words = {cid: score / best for cid, score in keyword_hits} if best > 0 else {}
    return {cid: (meaning.get(cid, 0.0), words.get(cid, 0.0)) for cid in {*meaning, *words}}


def by_coverage(keyword_hits: list[tuple[int, float]],
                coverage: Mapping[int, float]) -> list[tuple[int, float]]:
    """Keyword candidates (id, BM25) with each BM25 scaled by the square root of the share
    of the query's terms the passage holds (``coverage``, 0–1; a candidate without one keeps
    its score), best first."""
    scaled = [(cid, score * math.sqrt(coverage.get(cid, 1.0))) for cid, score in keyword_hits]
    return sorted(scaled, key=lambda hit: -hit[1])


def combine(meaning: float, words: float, keyword_weight: float = KEYWORD_WEIGHT) -> float:
    """One score, 0–1, from meaning and words."""
    return (meaning + keyword_weight * words) / (1.0 + keyword_weight)


def rrf(vector_hits: list[tuple[int, float]], keyword_hits: list[tuple[int, float]],
        keyword_weight: float = KEYWORD_WEIGHT) -> dict[int, float]:
    """Reciprocal rank fusion (``"rrf"``): each side's rank, not its score, with ``RRF_K``;
    the words' side weighted by ``keyword_weight``."""
    fused: dict[int, float] = {}
    for rank, (cid, _) in enumerate(vector_hits):
        fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, (cid, _) in enumerate(keyword_hits):
        fused[cid] = fused.get(cid, 0.0) + keyword_weight / (RRF_K + rank + 1)
    return fused


def _min_max(hits: list[tuple[int, float]]) -> dict[int, float]:
    """Scores put on 0–1 over these candidates (all 1 when they are equal)."""
    if not hits:
        return {}
    high = max(score for _, score in hits)
    low = min(score for _, score in hits)
    span = high - low
    return {cid: (score - low) / span if span > 0 else 1.0 for cid, score in hits}


def by_rank(hits: list[tuple[int, float]]) -> dict[int, float]:
    """Scores that keep one side's own order (a single-mode search): 1 down towards 0."""
    n = len(hits)
    return {cid: 1.0 - rank / n for rank, (cid, _) in enumerate(hits)}


def exact_terms(text: str) -> str | None:
    """What a query asks for character by character, as a query ``word_coverage`` reads:
    the query itself when it quotes phrases, else its identifier-shaped words; None when
    it has neither."""
    if terms_of(text).phrases:
        return text
    names = [t for t in _TOKEN.findall(text) if _IDENTIFIER.search(t)
             or (len(t) >= 3 and _DIGIT_LETTER.search(t))]
    return " ".join(names) if names and terms_of(" ".join(names)) else None


def holds_all(exact: str, passage: str) -> bool:
    """Whether ``passage`` holds every term of ``exact`` (see ``exact_terms``), matched as
    the keyword index matches."""
    return word_coverage(exact, passage) == 1.0


def is_rare(exact: str, nearest: Iterable[str]) -> bool:
    """Whether few of ``nearest`` (the texts of the passages nearest the query in meaning)
    hold all of ``exact``: a name worth putting first, not the subject's common word."""
    texts = list(nearest)
    held = sum(holds_all(exact, t) for t in texts)
    return held <= RARE_SHARE * len(texts)


def leader_share(text: str) -> float:
    """The share of a passage's visible characters in dotted leaders: near 0 for prose,
    0.3–0.8 for a table of contents."""
    visible = len(text) - text.count(" ") - text.count("\n")
    if visible <= 0:
        return 0.0
    # each ". ." or ".." counted once per dot pair: str.count does not overlap matches
    dots = sum(2 * text.count(pattern) for pattern in _LEADER_DOTS)
    return min(1.0, dots / visible)


def title_share(text: str) -> float:
    """How much of a passage's score it keeps for its length: 1 from ``TITLE_WORDS`` words
    up, less for a title or a cover of a few words."""
    return min(1.0, len(_WORDS.findall(text)) / TITLE_WORDS)


def rescore(scores: Mapping[int, float], rows: Mapping[int, ChunkRow], exact: str | None,
            pages: bool, parts: Mapping[int, Evidence] | None = None,
            keyword_weight: float = KEYWORD_WEIGHT) -> dict[int, float]:
    """Scores adjusted by what the passages in ``rows`` say (the others keep theirs). With
    ``pages``: contents-like passages and titles on a page are scaled down (``standing``),
    and a passage on a page scores its page's best meaning and best words among these
    passages, so scaled (when ``parts``, the score fusion's evidence, is given), with its
    own scaled score deciding which passage shows the page. With ``exact`` terms: passages
    holding all of them are lifted above every passage that does not (scores are 0–1, so +1
    puts them in a tier of their own)."""
    out = dict(scores)
    factor = {cid: standing(row) for cid, row in rows.items()} if pages else {}
    best: dict[tuple[str, int], Evidence] = {}
    if pages and parts is not None:
        for cid, row in rows.items():
            if row.page is not None and cid in parts:
                m, w = parts[cid]
                key = (row.path, row.page)
                pm, pw = best.get(key, (0.0, 0.0))
                best[key] = (max(pm, m * factor[cid]), max(pw, w * factor[cid]))
    for cid, row in rows.items():
        score = out[cid] * factor.get(cid, 1.0)
        if row.page is not None and (row.path, row.page) in best:
            # the page's evidence; inside the page, the passage's own decides (an ellipsis
            # read as a leader must not pass the page's turn to a weaker passage)
            score = combine(*best[row.path, row.page], keyword_weight) + 1e-6 * score
        if exact is not None and holds_all(exact, row.text):
            score += 1.0
        out[cid] = score
    return out


def standing(row: ChunkRow) -> float:
    """How much of its score a passage keeps for what it is: less for dotted leaders (a
    table of contents), and on a page less for a title of a few words."""
    factor = 1.0 - leader_share(row.text)
    return factor * title_share(row.text) if row.page is not None else factor


def ordered(scores: Mapping[int, float], ids: Iterable[int] | None = None) -> list[int]:
    """Candidate ids best first (ties by id, so an order is reproducible)."""
    return sorted(scores if ids is None else ids, key=lambda cid: (-scores[cid], cid))
