"""What every extraction family returns and raises: :class:`Page` and :class:`ExtractionError`.

Kept apart from the package's ``__init__`` so that the router (``registry``) and the families
can import them without importing the package that imports the router back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SkipOrFail = Literal["skipped", "failed"]


@dataclass(frozen=True, slots=True)
class Page:
    number: int | None
    text: str
    #: what a person should know about this page's text ("only the first 8 MB … indexed")
    note: str | None = None
    #: (character offset in ``text``, heading path or None) where a section begins or goes
    #: on, in order; empty when the document marks no headings (``extract.headings``)
    headings: tuple[tuple[int, str | None], ...] = ()
    #: the document's own title (its metadata or first heading), the same on every page
    title: str | None = None


class ExtractionError(Exception):
    """The file yields no pages; ``reason`` says why in words a user understands."""

    def __init__(self, status: SkipOrFail, reason: str) -> None:
        super().__init__(reason)
        self.status: SkipOrFail = status
        self.reason = reason
