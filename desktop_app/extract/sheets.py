"""The spreadsheet family: Excel (.xlsx .xlsm .xltx), OpenDocument (.ods), CSV and TSV.

A page is a sheet, numbered from 1 in the workbook's order (an empty sheet keeps its number
for the ones after it); a CSV file is one page without a number. A page starts with the
sheet's name, then one line per row that holds anything. Where the first such row reads as
column headers (text only, with rows below it), every later row is written
"header: value; header: value", so a row is found by what it says in words ("the invoice
from Acme over 4,000"), not only by its numbers. Empty cells, formula cells that carry no
computed value, and error values (#DIV/0!, #REF!) are left out. A sheet's first
:data:`MAX_CELLS` cells with values are read; the page's note says when the rest was not.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from desktop_app.extract import odf
from desktop_app.extract.containers import open_package
from desktop_app.extract.files import open_regular, read_at_most
from desktop_app.extract.pages import ExtractionError, Page
from desktop_app.extract.text import MAX_TEXT_BYTES, decode, normalise

#: Cells with values read from one sheet, at most.
MAX_CELLS = 200_000
_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                     "#GETTING_DATA", "#SPILL!", "#CALC!", "Err:502", "Err:504", "Err:522"})


def extract(path: Path) -> list[Page]:
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        return _csv(path)
    if suffix in {".ods", ".ots"}:
        return _ods(path)
    return _xlsx(path)


# -- rows → text ------------------------------------------------------------------------------
def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else \
            value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = " ".join(str(value).split())
    return "" if text in _ERRORS else text


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return f"column {name}"


def _is_header(row: Sequence[object]) -> bool:
    values = [v for v in row if _cell(v)]
    return bool(values) and all(isinstance(v, str) and not _looks_numeric(v) for v in values)


def _looks_numeric(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _sheet_text(name: str | None, rows: Iterable[Sequence[object]]) -> tuple[str, bool]:
    """(text, whether the cell cap cut it short)."""
    lines = [f"Sheet: {name}"] if name else []
    header: list[str] | None = None
    first: Sequence[object] | None = None
    cells = 0
    cut = False
    for row in rows:
        texts = [_cell(v) for v in row]
        if not any(texts):
            continue
        cells += sum(1 for t in texts if t)
        if cells > MAX_CELLS:
            cut = True
            break
        if first is None:
            first = row
            if _is_header(row):
                header = texts
                continue
            lines.append(", ".join(t for t in texts if t))
            continue
        if header is not None:
            pairs = [f"{header[i] if i < len(header) and header[i] else _column(i)}: {t}"
                     for i, t in enumerate(texts) if t]
            lines.append("; ".join(pairs))
        else:
            lines.append(", ".join(t for t in texts if t))
    if header is not None and len(lines) == (1 if name else 0):
        # Only the one row: it was content, not headers.
        lines.append(", ".join(t for t in header if t))
    return normalise("\n".join(lines)), cut


def _pages(sheets: Iterable[tuple[int, str, Iterable[Sequence[object]]]]) -> list[Page]:
    pages = []
    for number, name, rows in sheets:
        text, cut = _sheet_text(name, rows)
        if text and text != f"Sheet: {name}":
            note = (f"only the first {MAX_CELLS:,} cells of sheet {name!r} were indexed"
                    if cut else None)
            pages.append(Page(number, text, note))
    if not pages:
        raise ExtractionError("skipped", "no text (every sheet is empty)")
    return pages


# -- Excel ------------------------------------------------------------------------------------
def _xlsx(path: Path) -> list[Page]:
    import openpyxl

    with open_regular(path) as fh:
        open_package(fh, "Excel")
        fh.seek(0)
        try:
            with warnings.catch_warnings():
                # Features it does not read (data validation, conditional formats) are
                # announced as warnings; the values are read all the same.
                warnings.simplefilter("ignore")
                book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except (KeyError, ValueError, zipfile.BadZipFile, TypeError) as exc:
            raise ExtractionError("failed", f"damaged Excel file: {exc}") from None
        try:
            return _pages(_excel_sheets(book))
        finally:
            book.close()


def _excel_sheets(book: object):
    for number, name in enumerate(book.sheetnames, 1):  # type: ignore[attr-defined]
        sheet = book[name]  # type: ignore[index]
        if not hasattr(sheet, "iter_rows"):
            continue  # a chart sheet
        if hasattr(sheet, "reset_dimensions"):
            # The recorded size can claim a million rows; read the rows the file holds.
            sheet.reset_dimensions()
        yield number, name, sheet.iter_rows(values_only=True)


# -- OpenDocument spreadsheet -----------------------------------------------------------------
def _ods(path: Path) -> list[Page]:
    kind = "OpenDocument spreadsheet"
    with open_regular(path) as fh:
        package = open_package(fh, kind)
        content = odf.parse_part(package, "content.xml", kind)
    tables = odf.body(content, "spreadsheet", kind).findall(odf.TABLE)
    return _pages((number, table.get(odf.q("table:name"), f"Sheet{number}"),
                   odf.table_rows(table, MAX_CELLS + 1))
                  for number, table in enumerate(tables, 1))


# -- CSV --------------------------------------------------------------------------------------
def _csv(path: Path) -> list[Page]:
    with open_regular(path) as fh:
        data = read_at_most(fh, MAX_TEXT_BYTES + 1)
    note = None
    if len(data) > MAX_TEXT_BYTES:
        data = data[: data.rfind(b"\n", 0, MAX_TEXT_BYTES) + 1 or MAX_TEXT_BYTES]
        note = f"only its first {MAX_TEXT_BYTES // (1024 * 1024)} MB were indexed"
    text = decode(data)
    if not text.strip():
        raise ExtractionError("skipped", "empty file")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _delimiter(text[:65536])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        page_text, cut = _sheet_text(None, rows)
    except csv.Error:
        # Not well-formed CSV (a stray quote over a huge field): its lines are still text.
        page_text, cut = normalise(text), False
    if cut:
        note = f"only the first {MAX_CELLS:,} cells were indexed"
    if not page_text:
        raise ExtractionError("skipped", "empty file")
    return [Page(None, page_text, note)]


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","
