"""File → pages of text. One module per family (``pdf``, ``text``); this module routes by suffix.

The contract every family keeps:

- ``extract(path)`` returns the file's pages in order. A page's ``number`` is 1-based for
  formats that have pages (PDF, XPS, EPUB, …) and ``None`` for those that do not (text files).
  Character offsets that the rest of the pipeline records are offsets into ``Page.text``.
- A file that cannot be indexed raises :class:`ExtractionError` with a ``status`` of
  ``"skipped"`` (the file is fine but has nothing for us: empty, encrypted, image-only, binary)
  or ``"failed"`` (something went wrong: malformed, unreadable, vanished) and a short,
  specific, human ``reason`` that the CLI and GUI show as they are.
- Nothing here imports Qt, and no exception other than ExtractionError escapes ``extract``.
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


class ExtractionError(Exception):
    """The file yields no pages; ``reason`` says why in words a user understands."""

    def __init__(self, status: SkipOrFail, reason: str) -> None:
        super().__init__(reason)
        self.status: SkipOrFail = status
        self.reason = reason


# Last: the registry needs Page and ExtractionError defined above.
from desktop_app.extract.registry import SUPPORTED_SUFFIXES, extract, is_supported  # noqa: E402

__all__ = ["SUPPORTED_SUFFIXES", "ExtractionError", "Page", "extract", "is_supported"]
