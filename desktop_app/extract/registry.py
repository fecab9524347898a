"""Which family reads which file, and the guarantee that only ExtractionError escapes.

Families are imported on first use: the paged family imports PyMuPDF, which takes about a
third of a second, and a GUI that only lists supported suffixes should not wait for it.
"""

from __future__ import annotations

import functools
import importlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from desktop_app.extract.pages import ExtractionError, Page

# Only formats that carry text; PyMuPDF also opens comic-book archives and images.
_PAGED_SUFFIXES = frozenset({".pdf", ".xps", ".oxps", ".epub", ".mobi", ".fb2"})
_TEXT_SUFFIXES = frozenset(
    {
        # Prose, markup and data.
        ".txt", ".md", ".markdown", ".rst", ".log", ".json", ".jsonl",
        ".xml", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".tex",
        # Source code.
        ".py", ".js", ".ts", ".tsx", ".jsx", ".java", ".c", ".h", ".cpp", ".hpp", ".cc",
        ".cs", ".go", ".rs", ".rb", ".php", ".sh", ".bash", ".ps1", ".sql", ".swift", ".kt",
        ".scala", ".r", ".m", ".lua", ".pl", ".css", ".scss", ".vue",
    }
)  # fmt: skip

# Pictures of text, read by OCR (each frame of a TIFF a page).
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"})

# Documents of office suites, mail and the web (docs/formats.md), by family module.
_DOCUMENT_FAMILIES = {
    "office": frozenset({".docx", ".docm", ".dotx", ".odt", ".ott", ".rtf"}),
    "slides": frozenset({".pptx", ".pptm", ".ppsx", ".potx", ".odp", ".otp"}),
    "sheets": frozenset({".xlsx", ".xlsm", ".xltx", ".ods", ".ots", ".csv", ".tsv"}),
    "mail": frozenset({".eml", ".mbox", ".msg"}),
    "web": frozenset({".html", ".htm", ".xhtml", ".mhtml", ".mht"}),
    "legacy": frozenset({".doc", ".xls", ".ppt"}),
}
#: What one of a family's pages is called in a result line ("slide 3"); "page" otherwise.
_PAGE_WORDS = {"slides": "slide", "sheets": "sheet", "mail": "message"}

# Module (within this package) → the lower-cased suffixes it reads.
_FAMILIES = {"pdf": _PAGED_SUFFIXES, "text": _TEXT_SUFFIXES, "images": _IMAGE_SUFFIXES,
             **_DOCUMENT_FAMILIES}

_FAMILY_OF = {suffix: family for family, suffixes in _FAMILIES.items() for suffix in suffixes}

# Lower-case, with the leading dot, as Path.suffix gives them.
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FAMILY_OF)

_MAX_DETAIL = 120


def is_supported(path: str | os.PathLike[str]) -> bool:
    """Whether some family reads files with this suffix (the file itself is not looked at)."""
    return Path(path).suffix.lower() in _FAMILY_OF


def is_plain_text(path: str | os.PathLike[str]) -> bool:
    """Whether the text family reads this file: no parser that a crafted file can make hang
    or balloon, and a bounded read (``text.MAX_TEXT_BYTES``)."""
    return _FAMILY_OF.get(Path(path).suffix.lower()) == "text"


def page_word(path: str | os.PathLike[str]) -> str:
    """What a page of this file is called: "page", "slide", "sheet", "message", or "section"
    (a word-processing file that records no page breaks is cut into sections instead)."""
    family = _FAMILY_OF.get(Path(path).suffix.lower())
    if family == "office":
        try:
            st = os.stat(path)
        except OSError:
            return "page"
        return "page" if _records_page_breaks(os.fspath(path), st.st_mtime_ns,
                                              st.st_size) else "section"
    return _PAGE_WORDS.get(family or "", "page")


@functools.lru_cache(maxsize=512)
def _records_page_breaks(path: str, mtime_ns: int, size: int) -> bool:
    # Cached by the file's version: result lists ask for every row each time they repaint.
    from desktop_app.extract.containers import records_page_breaks

    return records_page_breaks(path)


def shows_as_text(path: str | os.PathLike[str]) -> bool:
    """Whether a page of this file is previewed as its extracted text (not drawn as a page)."""
    return _FAMILY_OF.get(Path(path).suffix.lower()) in _DOCUMENT_FAMILIES


def extract(path: str | os.PathLike[str]) -> list[Page]:
    """Return the pages of the file at ``path``; raise ExtractionError, and only that, if none."""
    path = Path(path)
    family = _FAMILY_OF.get(path.suffix.lower())
    if family is None:
        raise ExtractionError("skipped", f"unsupported file type ({path.suffix or 'no suffix'})")
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ExtractionError("failed", "is a folder, not a file")
        if not stat.S_ISREG(mode):
            # Reading a FIFO or device would block or never end.
            raise ExtractionError("failed", "not a regular file")
        return _reader(family)(path)
    except ExtractionError:
        raise
    except (FileNotFoundError, NotADirectoryError):
        raise ExtractionError("failed", "file vanished while being read") from None
    except PermissionError:
        raise ExtractionError("failed", "permission denied") from None
    except IsADirectoryError:
        raise ExtractionError("failed", "is a folder, not a file") from None
    except MemoryError:
        raise ExtractionError("failed", "could not read: out of memory") from None
    except OSError as exc:
        raise ExtractionError("failed", f"could not read: {exc.strerror or exc}") from exc
    except Exception as exc:  # the contract: nothing but ExtractionError escapes
        raise ExtractionError("failed", f"could not read: {_describe(exc)}") from exc


def _reader(family: str) -> Callable[[Path], list[Page]]:
    module = importlib.import_module(f"desktop_app.extract.{family}")
    return module.extract


def _describe(exc: Exception) -> str:
    message = str(exc).strip().split("\n", 1)[0]
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return detail if len(detail) <= _MAX_DETAIL else detail[: _MAX_DETAIL - 1] + "…"
