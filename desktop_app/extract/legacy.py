"""Word, Excel and PowerPoint 97–2003 files (.doc .xls .ppt): not read, with a reason to act on.

Their binary formats have no maintained, permissively licensed reader; every Office version
since 2007 and LibreOffice save the current formats, which are read. A .doc that is really
RTF (Word and WordPad save RTF under .doc on request) is read as RTF.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.extract.files import open_regular
from desktop_app.extract.pages import ExtractionError, Page

REASONS = {
    ".doc": "Word 97–2003 format: save it as .docx to search it",
    ".xls": "Excel 97–2003 format: save it as .xlsx to search it",
    ".ppt": "PowerPoint 97–2003 format: save it as .pptx to search it",
}


def extract(path: Path) -> list[Page]:
    suffix = path.suffix.lower()
    with open_regular(path) as fh:
        head = fh.read(16)
    if not head:
        raise ExtractionError("skipped", "empty file")
    if suffix == ".doc" and head.lstrip().startswith(b"{\\rtf"):
        from desktop_app.extract import office

        return office.extract(path)
    raise ExtractionError("skipped", REASONS.get(suffix, "an old binary Office format"))
