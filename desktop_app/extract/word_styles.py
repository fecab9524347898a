"""Which of a Word document's paragraph styles are headings, and at what level: the styles
named "Heading N" and any style with an outline level (what Word's navigation pane lists,
whatever the language of the style names); "Title" is level 0."""

from __future__ import annotations

import re
from typing import Any

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_HEADING_NAME = re.compile(r"heading\s*(\d)$", re.IGNORECASE)


def word_heading_levels(document: Any) -> dict[str, int]:
    """Paragraph style id → heading level: "Heading N" styles and any style with an outline
    level (what Word's navigation pane lists); "Title" → 0."""
    levels: dict[str, int] = {}
    try:
        styles = document.styles.element
    except (KeyError, ValueError):
        return levels  # no styles part: no headings known
    for style in styles.iterchildren(f"{_W}style"):
        if style.get(f"{_W}type") != "paragraph":
            continue
        style_id = style.get(f"{_W}styleId", "")
        name_el = style.find(f"{_W}name")
        name = (name_el.get(f"{_W}val", "") if name_el is not None else "").strip()
        outline = style.find(f"{_W}pPr/{_W}outlineLvl")
        if name.lower() == "title":
            levels[style_id] = 0
        elif match := _HEADING_NAME.match(name):
            levels[style_id] = int(match.group(1))
        elif outline is not None and outline.get(f"{_W}val", "").isdigit():
            level = int(outline.get(f"{_W}val")) + 1
            if level <= 9:  # 9 is Word's "body text" outline level
                levels[style_id] = level
    return levels
