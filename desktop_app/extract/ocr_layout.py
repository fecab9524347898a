"""Reading order of the lines OCR found on a page: recursive XY-cut.

The detector returns lines top to bottom across the whole page, which on a two-column page
interleaves the columns. Here the page is cut, recursively, at gutters: first at a vertical
gap that no line crosses (columns, read left to right), else at a horizontal gap taller than
a line (bands, read top to bottom). A region no gap divides is one block; its lines are
grouped into rows by vertical overlap and each row read left to right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median


@dataclass(frozen=True, slots=True)
class Word:
    """A word (or, in Chinese and Japanese, a character) with its box in pixels and its
    offset in its line's text."""

    text: str
    start: int
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(slots=True)
class Line:
    """A printed line as the recogniser read it: its text as read (spaces where it saw
    them) and its words' boxes."""

    text: str
    words: list[Word]
    x0: float = field(init=False)
    y0: float = field(init=False)
    x1: float = field(init=False)
    y1: float = field(init=False)

    def __post_init__(self) -> None:
        self.x0 = min(w.x0 for w in self.words)
        self.y0 = min(w.y0 for w in self.words)
        self.x1 = max(w.x1 for w in self.words)
        self.y1 = max(w.y1 for w in self.words)


#: A column gutter is at least this many line heights wide; a band gap this many tall.
COLUMN_GAP = 0.6
BAND_GAP = 1.0
#: A gutter may be crossed by this share of a region's lines (a footer, a page number)...
GUTTER_CROSSERS = 0.05
#: ... and has at least this share of them wholly on each side.
COLUMN_SHARE = 0.2
#: Two lines are on one row when they overlap by this share of the shorter one's height.
ROW_OVERLAP = 0.5


def reading_order(lines: list[Line]) -> list[list[list[Line]]]:
    """Blocks in reading order; each block's rows top to bottom; each row's lines left to
    right (a line the detector cut in two at a wide space is two lines of one row)."""
    if not lines:
        return []
    height = median(line.y1 - line.y0 for line in lines) or 1.0
    return [_rows(block) for block in _cut(lines, height)]


def _cut(lines: list[Line], height: float) -> list[list[Line]]:
    if len(lines) > 1:
        for axis, gap in ((0, COLUMN_GAP), (1, BAND_GAP)):
            parts = _split(lines, axis, gap * height)
            if len(parts) > 1:
                return [block for part in parts for block in _cut(part, height)]
        parts = _around_spanning(lines, height)
        if len(parts) > 1:
            return [block for part in parts for block in _cut(part, height)]
    return [lines]


def _around_spanning(lines: list[Line], height: float) -> list[list[Line]]:
    """Columns that a few lines across them (a title, a running footer, a centred page
    number, a wide caption) keep from being cut apart: if the other lines leave a gutter,
    the region is divided, top to bottom, into runs of lines that cross it and runs that
    do not."""
    gutter = _gutter(lines, height)
    if gutter is None:
        return [lines]
    middle = (gutter[0] + gutter[1]) / 2

    def crosses(line: Line) -> bool:  # a line that only reaches into the gutter does not
        return line.x0 < middle < line.x1

    runs: list[tuple[bool, list[Line]]] = []
    for line in sorted(lines, key=lambda ln: (ln.y0 + ln.y1) / 2):
        if not runs or crosses(line) != runs[-1][0]:
            runs.append((crosses(line), []))
        runs[-1][1].append(line)
    parts: list[list[Line]] = []
    for crossing, run in runs:
        if crossing:
            parts.append(run)
            continue
        # Read the column left of the gutter, then the one right of it.
        parts += [side for side in ([ln for ln in run if ln.x1 <= middle],
                                    [ln for ln in run if ln.x0 >= middle]) if side]
    return parts


def _gutter(lines: list[Line], height: float) -> tuple[float, float] | None:
    """The widest vertical strip, at least a column gap wide, that nearly no line crosses
    and that has a good share of the lines wholly on each side."""
    left = min(ln.x0 for ln in lines)
    width = int(max(ln.x1 for ln in lines) - left) + 1
    if width < 4 or len(lines) < 4:
        return None
    cover = [0] * (width + 1)
    for ln in lines:
        cover[int(ln.x0 - left)] += 1
        cover[int(ln.x1 - left) + 1] -= 1
    allowed = max(1, int(GUTTER_CROSSERS * len(lines)))
    strips: list[tuple[float, float]] = []
    run_start = None
    level = 0
    for x in range(width + 1):
        level += cover[x] if x < width else 0
        clear = x < width and level <= allowed
        if clear and run_start is None:
            run_start = x
        elif not clear and run_start is not None:
            if x - run_start >= COLUMN_GAP * height:
                strips.append((left + run_start, left + x))
            run_start = None

    def beside(strip: tuple[float, float]) -> int:
        return min(sum(ln.x1 <= strip[0] for ln in lines), sum(ln.x0 >= strip[1] for ln in lines))

    valid = [g for g in strips if beside(g) >= COLUMN_SHARE * len(lines)]
    return max(valid, key=lambda g: g[1] - g[0]) if valid else None


def _split(lines: list[Line], axis: int, min_gap: float) -> list[list[Line]]:
    """``lines`` divided at every gap of at least ``min_gap`` in their projection on the
    x (axis 0) or y (axis 1) axis, in order along it."""
    def span(line: Line) -> tuple[float, float]:
        return (line.x0, line.x1) if axis == 0 else (line.y0, line.y1)

    ordered = sorted(lines, key=span)
    parts: list[list[Line]] = [[ordered[0]]]
    reach = span(ordered[0])[1]
    for line in ordered[1:]:
        start, end = span(line)
        if start - reach >= min_gap:
            parts.append([line])
        else:
            parts[-1].append(line)
        reach = max(reach, end)
    return parts


def _rows(block: list[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for line in sorted(block, key=lambda ln: (ln.y0 + ln.y1) / 2):
        if rows:
            last = rows[-1]
            top, bottom = max(ln.y0 for ln in last), min(ln.y1 for ln in last)
            overlap = min(bottom, line.y1) - max(top, line.y0)
            shorter = min(bottom - top, line.y1 - line.y0)
            if shorter > 0 and overlap >= ROW_OVERLAP * shorter:
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda ln: ln.x0) for row in rows]
