"""Does the model find the right page more often when it reads where a passage sits?

Takes the library ``known_items.py`` indexed (its passages and vectors as the product makes
them), copies it, fills in each passage's section and each file's title by reading the
manuals again (the passages must come out exactly as stored), and runs the known-item
questions over it: the baseline. Then, for each variant, a copy of that library has every
passage embedded again with its place, and the questions run again:

- ``line``: "title › section" on a line above the passage text, pooled over all of it;
- ``section``: the section alone on that line; ``title``: the title alone;
- ``read``: "[CLS] title › section [SEP] passage [SEP]", pooled over the passage only (the
  place is context the passage's tokens attend to, not part of its mean).

The stored text and the keyword index are the same in every copy; only the vectors differ.
The keyword side of hybrid search runs without its time budget, so results do not depend
on the machine's load (latencies are not measured).
Prints page-hit@10 and MRR@10 per search configuration, and per variant how many questions
ranked their page higher or lower than the baseline.

    python benchmarks/section_context.py --variants line,read
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
from known_items import QUESTIONS, load_questions, parse_config
from known_items import evaluate as run_questions

from desktop_app import searching
from desktop_app.chunking import chunk_pages
from desktop_app.embedding.windows import Window
from desktop_app.extract import extract
from desktop_app.extract.headings import SEPARATOR
from desktop_app.library import Library

CONFIGS = "default,vector:per3,hybrid:per10,vector:per10"
GRAPH_FILES = ("vectors.hnsw", "vectors.json")


def place_line(title: str | None, section: str | None) -> str:
    return SEPARATOR.join(part for part in (title, section) if part)


def fill_places(library: Path) -> int:
    """Store each passage's section and each file's title, read from the files again;
    the number of passages with a section."""
    with Library(library) as lib:
        encoder, db = lib.encoder, lib.store.db
        for file_id, path in db.execute("SELECT id, path FROM files "
                                        "WHERE status = 'indexed'").fetchall():
            chunks = chunk_pages(extract(Path(path)), encoder.tokenize, lib.chunk_tokens)
            rows = db.execute("SELECT id, page, char_start, char_end FROM chunks "
                              "WHERE file_id = ? ORDER BY ord", (file_id,)).fetchall()
            if [r[1:] for r in rows] != [(c.page, c.char_start, c.char_end) for c in chunks]:
                raise SystemExit(f"{path}: its passages differ from the stored ones")
            with db:
                db.executemany("UPDATE chunks SET section = ? WHERE id = ?",
                               [(c.section, r[0]) for r, c in zip(rows, chunks)])
                db.execute("UPDATE files SET title = ? WHERE id = ?",
                           (next((c.title for c in chunks if c.title), None), file_id))
        return db.execute("SELECT COUNT(section) FROM chunks").fetchone()[0]


def _read_not_pooled(encoder, passages: list[str], places: list[str]) -> np.ndarray:
    budget = encoder.profile.framing.window_tokens - len(encoder.prefix) - len(encoder.suffix)
    chunks = [t.ids for t in encoder.tokenize(passages)]
    heads = [t.ids if p else np.zeros(0, np.int64)
             for t, p in zip(encoder.tokenize([p or "-" for p in places]), places)]
    windows = []
    for i, (chunk, head) in enumerate(zip(chunks, heads)):
        chunk = np.asarray(chunk, np.int64)[:budget]
        head = np.asarray(head, np.int64)[: max(0, budget - len(chunk) - 1)]
        lead = np.concatenate([np.asarray(encoder.prefix, np.int64), head,
                               np.asarray([encoder.separator] if len(head) else [], np.int64)])
        ids = np.concatenate([lead, chunk, np.asarray(encoder.suffix, np.int64)])
        windows.append(Window(ids, (((0, i), len(lead), len(lead) + len(chunk)),)))
    out = [np.zeros((len(chunks), encoder.profile.dim), np.float32)]
    for _ in encoder._pool_windows(windows, out):
        pass
    vectors = encoder._finish(out[0])
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def embed_again(library: Path, variant: str) -> tuple[int, float]:
    """Every passage's vector made again with its place; (passages, seconds)."""
    started = time.perf_counter()
    done = 0
    with Library(library) as lib:
        encoder, store, codec = lib.encoder, lib.store, lib.codec
        for (file_id,) in store.db.execute("SELECT id FROM files WHERE status = 'indexed'"
                                           ).fetchall():
            rows = store.passages_of(file_id)
            placed = store.chunk_rows([cid for cid, _ in rows])
            texts = [text for _, text in rows]
            title = variant in ("line", "title", "read")
            section = variant in ("line", "section", "read")
            places = [place_line(placed[cid].title if title else None,
                                 placed[cid].section if section else None)
                      for cid, _ in rows]
            if variant == "read":
                vectors = _read_not_pooled(encoder, texts, places)
            else:
                inputs = [f"{p}\n{t}" if p else t for p, t in zip(places, texts)]
                vectors = encoder.embed_documents([[t.ids for t in encoder.tokenize(inputs)]])[0]
            stored = codec.encode(vectors)
            store.set_vectors(file_id, [(r[0], np.ascontiguousarray(v).tobytes())
                                        for r, v in zip(rows, stored)])
            done += len(rows)
    for name in GRAPH_FILES:  # rebuilt from the new vectors when the library opens
        (library / name).unlink(missing_ok=True)
    return done, time.perf_counter() - started


def evaluate(library: Path, configs: list[str]) -> dict:
    questions = load_questions(QUESTIONS)
    out = {}
    with Library(library) as lib:
        lib.wait_for_graph()
        for spec in configs:
            _, options = parse_config(spec)
            result = run_questions(lib, questions, options, 0)
            out[spec] = {"page_hit@10": result["page_hit@10"], "mrr@10": result["mrr@10"],
                         "ranks": [q["page_rank"] for q in result["questions"]]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--library", type=Path, default=Path("/work/bench/known-items/library"),
                    help="the library known_items.py indexed (read only: copies are used)")
    ap.add_argument("--work-dir", type=Path, default=Path("/work/bench/sections"))
    ap.add_argument("--variants", default="line,read,section,title")
    ap.add_argument("--configs", default=CONFIGS)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    # Hybrid search gives the keyword side 20 ms before the vector side answers alone, so on
    # a busy machine its results vary from run to run; the comparison wants rankings only.
    searching.KEYWORD_BUDGET_S = 10.0
    configs = [c for c in args.configs.split(",") if c]
    base = args.work_dir / "baseline"
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(args.library, base)
    print(f"passages with a section: {fill_places(base)}", flush=True)
    results = {"baseline": evaluate(base, configs)}
    for variant in (v for v in args.variants.split(",") if v):
        copy = args.work_dir / variant
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(base, copy)
        passages, seconds = embed_again(copy, variant)
        print(f"{variant}: {passages} passages embedded again in {seconds:.0f} s", flush=True)
        results[variant] = evaluate(copy, configs)
    print("\n| variant | search | page-hit@10 | MRR@10 | page ranked higher / lower |")
    print("|---|---|---|---|---|")
    for variant, by_config in results.items():
        for spec, r in by_config.items():
            base_ranks = results["baseline"][spec]["ranks"]
            up = sum((b or 99) > (v or 99) for b, v in zip(base_ranks, r["ranks"]))
            down = sum((b or 99) < (v or 99) for b, v in zip(base_ranks, r["ranks"]))
            moved = "" if variant == "baseline" else f"{up} / {down}"
            print(f"| {variant} | {spec} | {r['page_hit@10']:.3f} | {r['mrr@10']:.3f} "
                  f"| {moved} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
