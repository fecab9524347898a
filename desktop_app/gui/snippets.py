"""Query words and result snippets: which words to highlight, and which part of a chunk to show.

Pure Python (no Qt), so it is cheap to test. The search is semantic, so a result need not
contain any query word; when it does, the snippet is centred on the densest run of them, and
the words are matched loosely ("handguns" highlights "handgun", "checks" highlights "check").
"""

from __future__ import annotations

import html
import re

#: Words too common to be worth highlighting.
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did",
    "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is",
    "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were",
    "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
    "about", "any", "some", "out", "up", "also", "just", "get",
))

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACES = re.compile(r"\s+")
# Endings stripped so that a query word matches its other forms; the shortest stem kept is
# four letters, so "gas" never turns into "ga" and highlights everything.
_SUFFIXES = ("ings", "ing", "ies", "es", "ed", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def query_terms(query: str) -> list[str]:
    """The stems of the query's meaningful words, longest first, without duplicates."""
    stems = {_stem(w.lower()) for w in _WORD.findall(query)
             if w.lower() not in STOPWORDS and (len(w) > 2 or w.isdigit())}
    return sorted(stems, key=lambda s: (-len(s), s))


def term_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """A regex matching any of ``terms`` at a word start, with any word ending."""
    if not terms:
        return None
    # Short words match only whole: "out" must not light up "output".
    alternatives = "|".join(re.escape(t) + (r"\w*" if len(t) >= 4 else r"\b") for t in terms)
    return re.compile(rf"\b(?:{alternatives})", re.IGNORECASE | re.UNICODE)


def make_snippet(text: str, terms: list[str], width: int = 240) -> str:
    """About ``width`` characters of ``text`` (whitespace flattened) around its query words."""
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= width:
        return flat
    pattern = term_pattern(terms)
    start = 0
    if pattern is not None:
        hits = [m.start() for m in pattern.finditer(flat)]
        if hits:
            # The window (of hits) that holds the most hits within ``width`` characters.
            best, best_count, j = hits[0], 0, 0
            for i, first in enumerate(hits):
                while j < len(hits) and hits[j] < first + width * 0.8:
                    j += 1
                if j - i > best_count:
                    best, best_count = first, j - i
            start = max(0, min(best - width // 5, len(flat) - width))
            # Begin at a word boundary, not in the middle of a word.
            if start > 0:
                space = flat.find(" ", start)
                if 0 <= space < start + 20:
                    start = space + 1
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    return f"{prefix}{flat[start:end]}{suffix}"


def highlight_html(snippet: str, terms: list[str], open_tag: str, close_tag: str) -> str:
    """``snippet`` as HTML-escaped text with each query word wrapped in the given tags."""
    pattern = term_pattern(terms)
    if pattern is None:
        return html.escape(snippet)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(snippet):
        out.append(html.escape(snippet[last:match.start()]))
        out.append(f"{open_tag}{html.escape(match.group())}{close_tag}")
        last = match.end()
    out.append(html.escape(snippet[last:]))
    return "".join(out)
