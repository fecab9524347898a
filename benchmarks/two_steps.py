"""Findable in seconds: how long a dropped folder takes to be searchable by its words
(step 1: every file read and committed) and by meaning (step 2: every passage embedded),
and whether at the end of step 1 each file is found by a distinctive line of its own.

    python benchmarks/two_steps.py [CORPUS] [--limit-files 66] [--json FILE]
    python benchmarks/two_steps.py [CORPUS] --add-during   # a small folder added mid-sync

``--add-during``: while the big sync gives its files their meaning, a folder of two small
text files is added the way the window does it (the running sync is cancelled and a new one
started); prints how long until both are found by a phrase of their own, and checks that no
file was read twice.

CORPUS defaults to the Debian manuals (../shared/scripts/get-debian-pdfs.sh). Files are
spread evenly over the sorted list and hard-linked into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.events import SyncControl
from desktop_app.extract.mupdf import pymupdf
from desktop_app.library import Library
from desktop_app.searching import SearchOptions

DEFAULT_CORPUS = Path("/work/bench/debian-pdfs")


def distinctive_line(path: Path) -> str | None:
    """A line of the file's middle page that a person might remember: the longest one of
    mostly letters, 40-120 characters."""
    with pymupdf.open(path) as doc:
        for offset in range(doc.page_count):
            page = doc.load_page((doc.page_count // 2 + offset) % doc.page_count)
            lines = [" ".join(line.split()) for line in page.get_text().splitlines()]
            good = [line for line in lines if 40 <= len(line) <= 120
                    and sum(ch.isalpha() or ch == " " for ch in line) > 0.9 * len(line)]
            if good:
                return max(good, key=len)
    return None


SMALL_FILES = {
    "ferry-times.txt": "The winter ferry to Skerrywick leaves at 07:40 and 16:15 on weekdays.",
    "allotment.txt": "Plot 14 on the Hollins Lane allotments is free from the first of April.",
}


def add_during(lib: Library, small: Path) -> dict:
    """Run the big sync on a thread; once it embeds, add ``small`` as the window does."""
    reads: list[str] = []
    control = SyncControl()
    embedding = threading.Event()

    def run(ctl: SyncControl) -> None:
        for event in lib.sync(ctl):
            if event.outcome and event.outcome.status == "indexed":
                reads.append(event.outcome.path)
            if event.phase == "embedding":
                embedding.set()

    big = threading.Thread(target=run, args=(control,))
    big.start()
    embedding.wait()
    time.sleep(5)  # well into the second step
    added_at = time.perf_counter()
    control.cancel()
    big.join()
    lib.add([small])
    again = threading.Thread(target=run, args=(SyncControl(),))
    again.start()
    found = set()
    while len(found) < len(SMALL_FILES):
        for name, text in SMALL_FILES.items():
            phrase = '"' + " ".join(text.split()[3:7]) + '"'
            if any(Path(h.path).name == name for h in lib.search(phrase, SearchOptions(k=3))):
                found.add(name)
        time.sleep(0.05)
    found_after = time.perf_counter() - added_at
    again.join()
    return {"seconds_until_both_found": round(found_after, 2),
            "files_read": len(reads), "files_read_twice": len(reads) - len(set(reads))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit-files", type=int, default=66)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--add-during", action="store_true",
                    help="add a small folder while the big sync runs (see above)")
    args = ap.parse_args()
    files = sorted(p for p in args.corpus.glob("*.pdf"))
    step = max(1, len(files) // args.limit_files)
    files = files[::step][: args.limit_files]
    work = Path(tempfile.mkdtemp(prefix="two-steps-"))
    docs = work / "docs"
    docs.mkdir()
    for f in files:
        os.link(f, docs / f.name)
    lines = {f.name: distinctive_line(f) for f in files}
    lib = Library(work / "data")
    if args.add_during:
        small = work / "small"
        small.mkdir()
        for name, text in SMALL_FILES.items():
            (small / name).write_text(text)
        lib.encoder.embed_query("warm up")
        lib.add([docs])
        result = add_during(lib, small)
        lib.close()
        print(json.dumps(result, indent=1))
        return 0
    lib.encoder.embed_query("warm up")  # loaded before the clock starts, as in an open window
    lib.add([docs])
    started = time.perf_counter()
    words_at = None
    found_at_words = 0
    searched = 0
    summary = None
    for event in lib.sync():
        if event.phase == "embedding" and words_at is None:
            words_at = time.perf_counter() - started
            for name, line in lines.items():
                if line is None:
                    continue
                searched += 1
                hits = lib.search(line, SearchOptions(k=5))
                found_at_words += any(Path(h.path).name == name for h in hits)
            # the searches above are not indexing time
            started += time.perf_counter() - (started + words_at)
        summary = event.summary or summary
    done_at = time.perf_counter() - started
    words_at = words_at if words_at is not None else done_at
    result = {
        "files": len(files), "pages": summary.pages if summary else 0,
        "passages": summary.chunks if summary else 0,
        "seconds_to_words": round(words_at, 1), "seconds_to_meaning": round(done_at, 1),
        "ratio": round(words_at / done_at, 3) if done_at else None,
        "found_by_a_line_at_words": found_at_words, "lines_searched": searched,
        "passages_per_second_step2": round((summary.chunks if summary else 0)
                                           / max(done_at - words_at, 1e-9), 1),
        "load_after": os.getloadavg()[0],
        # peak resident memory: this process (the window's, in the app) and the largest
        # extraction process
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "peak_rss_extraction_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        // 1024,
    }
    lib.close()
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
