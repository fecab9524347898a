"""Opening the zip packages that Office and OpenDocument files are, safely.

Owns what every zip-based family checks before its parser sees a byte: that the file is a
zip at all (a password-protected Office file is an OLE compound file instead, and a
Word 97–2003 file renamed to .docx is one too), that it is not damaged, and that it does not
unpack to more than :data:`MAX_UNPACKED_BYTES` (a zip bomb). The sizes summed are the ones the
zip declares; Python's zipfile never returns more than a member's declared size, so the
parsers that read through it stay within the bound too.

Also owns :func:`records_page_breaks`: whether a word-processing file records where its
pages break, the one rule both its reader and the result line ("page" or "section") follow.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import BinaryIO

from desktop_app.extract.files import open_regular
from desktop_app.extract.pages import ExtractionError

#: Bytes a package may unpack to, in all. The largest real documents seen (a 300-page
#: report full of images) unpack to tens of MB; text parts are a small share of that.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
#: Bytes one XML part may unpack to: the parsers hold a part's tree in memory, at about ten
#: times its size.
MAX_PART_BYTES = 160 * 1024 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: What a file looks like when it was saved by an older version under a newer name.
_OLDER_FORMAT = {
    "Word": "a Word 97–2003 document under a new name: open it and save it as .docx",
    "Excel": "an Excel 97–2003 workbook under a new name: open it and save it as .xlsx",
    "PowerPoint": "a PowerPoint 97–2003 file under a new name: open it and save it as .pptx",
}

# Markers of a recorded page break, in the part that holds the body text.
_WORD_BREAKS = (b"lastRenderedPageBreak", b'w:type="page"', b"pageBreakBefore")
_ODF_BREAKS = (b"soft-page-break", b'break-before="page"', b'break-after="page"')


def open_package(fh: BinaryIO, kind: str) -> zipfile.ZipFile:
    """``fh`` as a zip package of ``kind`` ("Word", "ODF text", …), checked; else
    ExtractionError with the reason (encrypted, older format, damaged, too large)."""
    head = fh.read(8)
    fh.seek(0)
    if not head:
        raise ExtractionError("skipped", "empty file")
    if head == _OLE_MAGIC:
        if _ole_is_encrypted(fh):
            raise ExtractionError("skipped", "encrypted (password required)")
        older = _OLDER_FORMAT.get(kind, "an older binary format, not a zip package")
        raise ExtractionError("skipped", older)
    try:
        package = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as exc:
        detail = "not a zip package" if not head.startswith(b"PK") else str(exc)
        raise ExtractionError("failed", f"damaged {kind} file: {detail}") from None
    except (ValueError, EOFError, OSError) as exc:
        raise ExtractionError("failed", f"damaged {kind} file: {exc}") from None
    check_unpacked_size(package, kind)
    return package


def check_unpacked_size(package: zipfile.ZipFile, kind: str) -> None:
    """Refuse a package whose members declare more than the bounds when unpacked."""
    total = 0
    for info in package.infolist():
        total += info.file_size
        if info.file_size > MAX_PART_BYTES and info.filename.lower().endswith(".xml"):
            raise ExtractionError(
                "skipped", f"{kind} file with a part that unpacks to "
                           f"{info.file_size // (1024 * 1024)} MB; not read (limit "
                           f"{MAX_PART_BYTES // (1024 * 1024)} MB)")
    if total > MAX_UNPACKED_BYTES:
        raise ExtractionError(
            "skipped", f"{kind} file unpacks to {total // (1024 * 1024)} MB; not read "
                       f"(limit {MAX_UNPACKED_BYTES // (1024 * 1024)} MB, a guard against "
                       "zip bombs)")


def read_part(package: zipfile.ZipFile, name: str, kind: str) -> bytes:
    """The unpacked bytes of member ``name``; a missing or corrupt one is a damaged file."""
    try:
        return package.read(name)
    except KeyError:
        raise ExtractionError("failed", f"damaged {kind} file: it has no {name}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise ExtractionError("failed", f"damaged {kind} file: {exc}") from None
    except RuntimeError as exc:  # zipfile's "File is encrypted, password required"
        raise ExtractionError("skipped", "encrypted (password required)") from exc


def records_page_breaks(path: str | os.PathLike[str]) -> bool:
    """Whether the word-processing file at ``path`` records where its pages break (then its
    parts are pages; otherwise sections of about a printed page). False if unreadable."""
    suffix = Path(path).suffix.lower()
    try:
        # Asked while results are shown: only a regular file is opened (a pipe put in the
        # file's place since it was indexed would block the caller).
        with open_regular(path) as fh, zipfile.ZipFile(fh) as package:
            if suffix in {".odt", ".ott"}:
                return has_marker(package, "content.xml", _ODF_BREAKS)
            return has_marker(package, "word/document.xml", _WORD_BREAKS)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, RuntimeError, ExtractionError):
        return False


def has_marker(package: zipfile.ZipFile, name: str, markers: tuple[bytes, ...]) -> bool:
    """Whether member ``name`` contains any of ``markers``, read a block at a time."""
    try:
        info = package.getinfo(name)
    except KeyError:
        return False
    if info.file_size > MAX_PART_BYTES:
        return False
    overlap = max(len(m) for m in markers)
    tail = b""
    with package.open(info) as part:
        while block := part.read(1 << 20):
            window = tail + block
            if any(m in window for m in markers):
                return True
            tail = window[-overlap:]
    return False


def word_breaks_recorded(document_xml: bytes) -> bool:
    return any(m in document_xml for m in _WORD_BREAKS)


def odf_breaks_recorded(content_xml: bytes) -> bool:
    return any(m in content_xml for m in _ODF_BREAKS)


def _ole_is_encrypted(fh: BinaryIO) -> bool:
    """An OOXML file saved with a password is an OLE compound file holding EncryptionInfo."""
    import olefile  # only for this rare case

    try:
        with olefile.OleFileIO(fh) as ole:
            return bool(ole.exists("EncryptionInfo"))
    except (OSError, ValueError):  # not a readable compound file either
        return False
    finally:
        fh.seek(0)
