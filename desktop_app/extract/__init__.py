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

from desktop_app.extract.pages import ExtractionError, Page, SkipOrFail
from desktop_app.extract.registry import SUPPORTED_SUFFIXES, extract, is_supported

__all__ = ["SUPPORTED_SUFFIXES", "ExtractionError", "Page", "SkipOrFail", "extract", "is_supported"]
