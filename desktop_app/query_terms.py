"""The terms of a query: which words (or quoted phrases) a search looks for, and where they
occur in a passage.

One rule serves the keyword search (the FTS5 query), the relevance score (how many of the
terms a passage holds) and the window (which words it highlights), so what a person sees
marked is what the search matched. Quoted phrases, when the query has any, are its terms
(each must appear); otherwise its words without stopwords. A word keeps its dots, pluses,
hashes and dashes ("node.js", "ERR_QUOTA_0x7F3A") so the keyword index gets it whole.

The keyword index (SQLite FTS5, ``unicode61 remove_diacritics 2``) splits text into runs of
letters and digits, lowercased and without accents, and matches a term as the run of those
tokens side by side: "node.js" is "node" then "js", "C++" is "c". ``find_terms`` reads a
passage the same way, so it finds exactly what the index matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

_STOPWORDS = frozenset("""a an and are as at be by can do does for from has have how i in is it
its of on or that the their this to was what when where which who why will with you your""".split())
_PHRASE = re.compile(r'"([^"]+)"')
_WORD = re.compile(r"\w[\w.+#-]*\w|\w", re.UNICODE)
# Letters and digits: the keyword index's token characters once accents are folded away.
_ALNUM = re.compile(r"[^\W_]+")
# A run of ASCII characters (folded by lower()) or one other character.
_ASCII_RUN = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]")


@dataclass(frozen=True)
class Terms:
    """A query's terms: each a word or a phrase as typed (lowercase for words)."""

    texts: tuple[str, ...] = ()
    #: True when the terms are quoted phrases, which must all appear
    phrases: bool = False

    @property
    def fts(self) -> list[str]:
        """The terms as FTS5 strings, each quoted."""
        return ['"' + t + '"' for t in self.texts]

    @cached_property
    def tokens(self) -> tuple[tuple[str, ...], ...]:
        """Each term as the run of tokens the keyword index matches it by."""
        return tuple(tokens(t) for t in self.texts)

    def __bool__(self) -> bool:
        return bool(self.texts)


@lru_cache(maxsize=256)  # a search asks for its query's terms once per passage it weighs
def terms_of(text: str) -> Terms:
    """The terms a search for ``text`` looks for: its quoted phrases when it has any,
    otherwise its words without stopwords, without duplicates. A term with no letters or
    digits ("_", "--") is dropped: nothing can match it."""
    phrases = [p.strip().replace('"', "") for p in _PHRASE.findall(text) if p.strip()]
    if phrases:
        return Terms(tuple(dict.fromkeys(p for p in phrases if tokens(p))), True)
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and tokens(w)]
    return Terms(tuple(dict.fromkeys(words)), False)


def query_terms(text: str) -> tuple[list[str], bool]:
    """The FTS5 terms of a search and whether they are phrases (see ``terms_of``)."""
    terms = terms_of(text)
    return terms.fts, terms.phrases


def fold(text: str) -> str:
    """``text`` as the keyword index compares it: case folded, without accents; character
    by character, so a passage and a query word fold alike."""
    if text.isascii():
        return text.lower()
    # runs of ASCII fold at once (lower() maps them one to one), the rest one by one
    return "".join(run.lower() if run.isascii() else _fold_char(run)
                   for run in _ASCII_RUN.findall(text))


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    # Simple case folding, as the index does: "ς" is "σ", but "ß" stays (not "ss").
    folded = char.casefold()
    if len(folded) != 1:
        folded = char.lower()
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> tuple[str, ...]:
    """``text`` split into the keyword index's tokens, folded."""
    return tuple(_ALNUM.findall(fold(text)))


def find_terms(passage: str, terms: Iterable[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Where ``terms`` (token runs, see ``Terms.tokens``) occur in ``passage``: (start, end)
    character spans in order, overlapping ones merged, as the keyword index would match."""
    pattern = _pattern(tuple(t for t in terms if t))
    if pattern is None:
        return []
    folded, source = _folded(passage)
    merged: list[tuple[int, int]] = []
    for match in pattern.finditer(folded):
        start, end = _source_span(passage, source, match.start(1), match.end(1))
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def word_coverage(text: str, passage: str) -> float | None:
    """The share of the query's terms that ``passage`` holds, matched as the keyword index
    matches them. None when the query has no terms."""
    terms = terms_of(text).tokens
    if not terms:
        return None
    folded = fold(passage)
    single = tuple(sorted({run[0] for run in terms if len(run) == 1}))
    held = set(_words_pattern(single).findall(folded)) if single else set()
    found = 0
    for run in terms:
        if len(run) == 1:
            found += run[0] in held
        else:
            pattern = _pattern((run,))
            found += pattern is not None and pattern.search(folded) is not None
    return found / len(terms)


@lru_cache(maxsize=64)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pass over folded text finding which of ``words`` (single tokens) it holds,
    each whole, as ``_pattern`` would match them."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


@lru_cache(maxsize=64)
def _pattern(runs: tuple[tuple[str, ...], ...]) -> re.Pattern[str] | None:
    """A pattern over folded text that matches, at every place one of ``runs`` starts, the
    run there (the longest when several start there): its tokens whole, with anything but
    letters and digits between them. The lookahead finds overlapping runs too."""
    if not runs:
        return None
    ordered = sorted(set(runs), key=lambda run: -len(run))
    alternatives = "|".join(r"[\W_]+".join(re.escape(t) for t in run) for run in ordered)
    return re.compile(rf"(?<![^\W_])(?=((?:{alternatives})(?![^\W_])))")


def _folded(passage: str) -> tuple[str, list[int] | None]:
    """``passage`` folded, and for each folded character the index of the character it came
    from (None when they are the same)."""
    if passage.isascii():
        return passage.lower(), None
    parts: list[str] = []
    source: list[int] = []
    for run in _ASCII_RUN.finditer(passage):
        start, text = run.start(), run.group()
        folded = text.lower() if text.isascii() else _fold_char(text)
        parts.append(folded)
        source.extend(range(start, start + len(text)) if text.isascii()
                      else [start] * len(folded))
    return "".join(parts), source


def _source_span(passage: str, source: list[int] | None, start: int,
                 end: int) -> tuple[int, int]:
    if source is None:
        return start, end
    first, last = source[start], source[end - 1] + 1
    # accents written as separate marks belong to the letter before them
    while last < len(passage) and unicodedata.combining(passage[last]):
        last += 1
    return first, last
