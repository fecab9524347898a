"""Which family reads which file, and the guarantee that only ExtractionError escapes.

Families are imported on first use: the paged family imports PyMuPDF, which takes about a
third of a second, and a GUI that only lists supported suffixes should not wait for it.
"""

from __future__ import annotations

import importlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from desktop_app.extract import ExtractionError, Page

# Only formats that carry text; PyMuPDF also opens comic-book archives and images.
_PAGED_SUFFIXES = frozenset({".pdf", ".xps", ".oxps", ".epub", ".mobi", ".fb2"})
_TEXT_SUFFIXES = frozenset(
    {
        # Prose, markup and data.
        ".txt", ".md", ".markdown", ".rst", ".csv", ".tsv", ".log", ".json", ".jsonl",
        ".xml", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".tex",
        ".html", ".htm", ".xhtml",
        # Source code.
        ".py", ".js", ".ts", ".tsx", ".jsx", ".java", ".c", ".h", ".cpp", ".hpp", ".cc",
        ".cs", ".go", ".rs", ".rb", ".php", ".sh", ".bash", ".ps1", ".sql", ".swift", ".kt",
        ".scala", ".r", ".m", ".lua", ".pl", ".css", ".scss", ".vue",
    }
)  # fmt: skip

# Module (within this package) → the lower-cased suffixes it reads.
_FAMILIES = {"pdf": _PAGED_SUFFIXES, "text": _TEXT_SUFFIXES}

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
