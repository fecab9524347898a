"""OCR quality and speed: text PDF pages turned into scans, read back through the app's OCR.

    python benchmarks/ocr.py                                  # ../shared/data/pdfs/real
    python benchmarks/ocr.py DIR ... --pages 3 --dpi 150      # any folders of text PDFs
    python benchmarks/ocr.py /work/bench/debian-pdfs --limit-files 10 --json out.json

Each of the first ``--pages`` pages of each PDF is rendered grey at ``--dpi`` and saved as a
JPEG inside an image-only PDF of the same page size (what a scanner writes). That PDF is read
by ``desktop_app.extract.extract`` with OCR on (no cache), exactly as indexing reads it, and
the text compared with the page's own text layer (as indexing extracts it):

- CER: Levenshtein distance / length of the text layer, both with whitespace runs made one
  space and typographic twins folded (curly and straight quotes, dashes, two asterisks).
  Reading order counts: a column read in another order than the PDF's text layer lists it
  costs as much as misread characters.
- words missed: the share of the text layer's words that OCR did not give back exactly,
  counted in any order (each word as often as it occurs), so the order in which blocks were
  read does not count (the text layer of a form or a table lists its cells in whatever order
  the program that wrote it drew them, and footnotes may come first).

Pages whose text layer has fewer than 200 characters (covers, figure pages) are left out.
Prints one row per document (pages, characters, both CERs, seconds per page) and the totals:
CER over all characters, median page CER, pages per second, and CPU-seconds per page (all
threads; less sensitive than seconds to what else runs on the machine). Do not run anything
else on the machine meanwhile.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.extract import ExtractionError, extract, ocr  # noqa: E402
from desktop_app.extract.mupdf import pymupdf  # noqa: E402
from desktop_app.extract.text import normalise  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "data" / "pdfs" / "real"
MIN_CHARS = 200
_FLAGS = (pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES) | pymupdf.TEXT_DEHYPHENATE


def levenshtein(a: str, b: str) -> int:
    """Edit distance (Hyyrö's bit-parallel form of Myers' algorithm, on Python integers)."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return score


# Typographic variants a reader does not tell apart (and a search should not): curly and
# straight quotes, dashes and hyphens, the asterisk and its mathematical twin, (c) and ©.
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                       "−": "-", "‐": "-", "∗": "*", "⃝": None, "•": None})


def flat(text: str) -> str:
    return " ".join(text.translate(_FOLD).split())


def words_missed(truth: str, read: str) -> int:
    """How many words of ``truth`` are not in ``read`` (as multisets)."""
    return sum((Counter(flat(truth).split()) - Counter(flat(read).split())).values())


def make_scan(src: pymupdf.Document, index: int, dpi: int, out: Path) -> str:
    """Save page ``index`` of ``src`` as an image-only PDF; return its text layer."""
    page = src.load_page(index)
    truth = normalise(page.get_text("text", sort=False, flags=_FLAGS))
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    scan = pymupdf.open()
    target = scan.new_page(width=page.rect.width, height=page.rect.height)
    target.insert_image(target.rect, stream=pix.tobytes("jpeg", jpg_quality=85))
    scan.save(out)
    scan.close()
    return truth


def run(files: list[Path], pages: int, dpi: int, first: int = 1,
        keep: Path | None = None) -> dict:
    rows = []
    all_pages = []
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    with (contextlib.nullcontext(str(keep)) if keep is not None
          else tempfile.TemporaryDirectory()) as tmp:
        for path in files:
            try:
                src = pymupdf.open(path)
            except RuntimeError:
                continue
            doc_pages = []
            with src:
                for index in range(first - 1, min(first - 1 + pages, src.page_count)):
                    scan = Path(tmp) / f"{path.stem}-{index + 1}.pdf"
                    truth = make_scan(src, index, dpi, scan)
                    if len(flat(truth)) < MIN_CHARS:
                        continue
                    t0, cpu0 = time.perf_counter(), time.process_time()
                    try:
                        with ocr.using(ocr.OcrOptions()):
                            read = "\n".join(p.text for p in extract(scan))
                    except ExtractionError as exc:
                        read = ""
                        print(f"  {path.name} p{index + 1}: {exc.reason}", file=sys.stderr)
                    seconds = time.perf_counter() - t0
                    cpu = time.process_time() - cpu0
                    t, r = flat(truth), flat(read)
                    doc_pages.append({
                        "page": index + 1, "chars": len(t), "seconds": seconds, "cpu": cpu,
                        "errors": levenshtein(t, r),
                        "words": len(t.split()), "missed": words_missed(truth, read),
                    })
            if not doc_pages:
                continue
            chars = sum(p["chars"] for p in doc_pages)
            row = {
                "file": path.name, "pages": len(doc_pages), "chars": chars,
                "cer": sum(p["errors"] for p in doc_pages) / chars,
                "words_missed": sum(p["missed"] for p in doc_pages)
                / max(1, sum(p["words"] for p in doc_pages)),
                "seconds_per_page": statistics.mean(p["seconds"] for p in doc_pages),
            }
            rows.append(row)
            all_pages += doc_pages
            print(f"{row['file'][:40]:40} {row['pages']:3} {chars:7} {row['cer']:8.2%} "
                  f"{row['words_missed']:8.2%} {row['seconds_per_page']:8.2f}", flush=True)
    chars = sum(p["chars"] for p in all_pages)
    seconds = sum(p["seconds"] for p in all_pages)
    cpu = sum(p["cpu"] for p in all_pages)
    return {
        "dpi": dpi, "documents": len(rows), "pages": len(all_pages), "chars": chars,
        "cer": sum(p["errors"] for p in all_pages) / max(1, chars),
        "words_missed": sum(p["missed"] for p in all_pages)
        / max(1, sum(p["words"] for p in all_pages)),
        "median_page_cer": statistics.median(p["errors"] / p["chars"] for p in all_pages)
        if all_pages else 0.0,
        "pages_per_second": len(all_pages) / seconds if seconds else 0.0,
        "cpu_seconds_per_page": cpu / max(1, len(all_pages)),
        "threads": ocr.OCR_THREADS, "cpus": os.cpu_count(), "rows": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[DEFAULT_DIR])
    parser.add_argument("--pages", type=int, default=3, help="pages per document (first N)")
    parser.add_argument("--dpi", type=int, default=150, help="resolution of the scans")
    parser.add_argument("--first-page", type=int, default=1,
                        help="start at this page (past covers and contents)")
    parser.add_argument("--glob", default="*.pdf", help="which files of the folders")
    parser.add_argument("--limit-files", type=int, default=0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep-scans", type=Path, metavar="DIR",
                        help="keep the image-only PDFs made here (a corpus of scans for "
                             "under_load.py: OCR's effect on search latency)")
    args = parser.parse_args()
    files = sorted(p for d in args.dirs for p in d.rglob(args.glob))
    if args.limit_files:
        files = files[: args.limit_files]
    print(f"{'document':40} {'pp':>3} {'chars':>7} {'CER':>8} {'missed':>8} {'s/page':>8}")
    result = run(files, args.pages, args.dpi, args.first_page, args.keep_scans)
    print(f"\n{result['documents']} documents, {result['pages']} pages, {result['chars']} chars "
          f"at {result['dpi']} dpi: CER {result['cer']:.2%}, median page "
          f"{result['median_page_cer']:.2%}, words missed {result['words_missed']:.2%}; "
          f"{result['pages_per_second']:.2f} pages/s, {result['cpu_seconds_per_page']:.1f} "
          f"CPU-seconds a page ({result['threads']} onnxruntime threads, {result['cpus']} CPUs, "
          f"load {os.getloadavg()[0]:.1f})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
