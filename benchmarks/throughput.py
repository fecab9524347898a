"""Indexing throughput: the whole pipeline against the bare ONNX model on the same windows.

One run indexes the corpus through ``Library`` in a fresh data folder (scan, hash, extract,
chunk, late-chunking windows, ONNX, SQLite, hnswlib) and records every batch the pipeline
hands to ``Encoder.run``. It then replays exactly those batches through ``Encoder.run`` alone
(no extraction, no SQLite, no graph), three times, and compares the two rates. The ratio
pipeline/bare says how much of the machine the pipeline leaves to the model; the time
breakdown says where the rest goes.

The breakdown comes from timing wrappers installed on the pipeline's own functions for the
duration of the run (nothing in the package is changed). Helper-thread figures (extraction,
tokenizing, chunking) overlap the main thread's in wall time; on a machine with few cores they
still compete with the model for CPU, which is why process CPU time is printed too.

    python benchmarks/throughput.py                        # shared/data/pdfs/real
    python benchmarks/throughput.py --text /tmp/covidqa    # 98 long text files
    python benchmarks/throughput.py --debian /tmp/debian-pdfs --limit-files 60 --json out.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from desktop_app import extraction, syncing
from desktop_app.embedding.encoder import Encoder
from desktop_app.index.ann import VectorIndex
from desktop_app.index.codec import VectorCodec
from desktop_app.index.store import Store
from desktop_app.library import DB_NAME, Library
from desktop_app.scanning import scan

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEFAULT_CORPUS = SHARED / "data" / "pdfs" / "real"
COVIDQA = SHARED / "data" / "covidqa" / "200423_covidQA.json"
DEBIAN_SCRIPT = SHARED / "scripts" / "get-debian-pdfs.sh"
TARGET_RATIO = 0.8


# -- corpora -------------------------------------------------------------------------------
def _is_empty(folder: Path) -> bool:
    return not folder.is_dir() or not any(folder.iterdir())


def ensure_debian(folder: Path) -> Path:
    """Download Debian's PDF manuals into ``folder`` unless it already holds files."""
    if _is_empty(folder):
        print(f"downloading Debian PDF manuals into {folder} ...", file=sys.stderr)
        subprocess.run(["bash", str(DEBIAN_SCRIPT), str(folder)], check=True)
    return folder


def ensure_covidqa_text(folder: Path) -> Path:
    """Write each COVID-QA article's text to its own .txt file unless ``folder`` holds files."""
    if _is_empty(folder):
        folder.mkdir(parents=True, exist_ok=True)
        data = json.loads(COVIDQA.read_text(encoding="utf-8"))["data"]
        for article in data:
            for paragraph in article["paragraphs"]:
                target = folder / f"covidqa-{paragraph['document_id']}.txt"
                tmp = target.with_suffix(".txt.tmp")
                tmp.write_text(paragraph["context"], encoding="utf-8")
                os.replace(tmp, target)
    return folder


def select_files(roots: list[Path], limit: int | None) -> list[str]:
    """The files the app would index below ``roots``; with a limit, an even spread of them.

    An even spread over the sorted list (rather than the first N) keeps a sample of a corpus
    like Debian's from being all one package's manuals.
    """
    files = sorted(scan([str(r.absolute()) for r in roots]).files)
    if limit is None or limit >= len(files):
        return files
    step = len(files) / limit
    return [files[int(i * step)] for i in range(limit)]


# -- instrumentation -----------------------------------------------------------------------
class Probe:
    """Timing wrappers around the pipeline's stages, plus a record of every model batch."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.batches: list[list[np.ndarray]] = []
        self.chunk_tokens = 0
        self.helper_cpu = 0.0
        self._group_depth = 0  # > 0 while a step of Syncer._embed_group runs (main thread)
        self._patches: list[tuple[object, str, object]] = []
        self.unmeasured: list[str] = []

    def _patch(self, owner: object, name: str, make: Callable[[Callable], Callable], *,
               optional: bool = False) -> None:
        """Wrap ``owner.name``; an optional stage the core no longer has is left unmeasured."""
        original = getattr(owner, name, None)
        if original is None:
            if optional:
                self.unmeasured.append(f"{getattr(owner, '__name__', owner)}.{name}")
                return
            raise AttributeError(f"{owner!r} has no {name}: the benchmark needs updating")
        self._patches.append((owner, name, original))
        setattr(owner, name, functools.wraps(original)(make(original)))

    def _timed(self, key: str) -> Callable[[Callable], Callable]:
        def make(original: Callable) -> Callable:
            def wrapper(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    elapsed = time.perf_counter() - started
                    self.seconds[key] += elapsed
                    self.calls[key] += 1
                    if self._group_depth:
                        self.seconds[key + "@group"] += elapsed
            return wrapper
        return make

    def _timed_generator(self, key: str) -> Callable[[Callable], Callable]:
        """Time only the steps of a generator, not the time its consumer holds it suspended."""
        def make(original: Callable) -> Callable:
            def wrapper(*args, **kwargs) -> Generator:
                inner = original(*args, **kwargs)
                depth = 1 if key == "embed_group" else 0
                while True:
                    started = time.perf_counter()
                    self._group_depth += depth
                    try:
                        item = next(inner)
                    except StopIteration as done:
                        return done.value
                    finally:
                        self._group_depth -= depth
                        self.seconds[key] += time.perf_counter() - started
                    yield item
            return wrapper
        return make

    def _recording_run(self, original: Callable) -> Callable:
        def run(encoder: Encoder, sequences, *args, **kwargs):
            self.batches.append(list(sequences))
            started = time.perf_counter()
            try:
                return original(encoder, sequences, *args, **kwargs)
            finally:
                self.seconds["encoder_run"] += time.perf_counter() - started
        return run

    def _measured_read(self, original: Callable) -> Callable:
        """``read_file`` on the helper thread (small syncs; large ones read in a child)."""
        def read(*args, **kwargs):
            cpu = time.thread_time()
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds["prepare"] += time.perf_counter() - started
                self.helper_cpu += time.thread_time() - cpu
        return read

    def _counting_groups(self, original: Callable) -> Callable:
        def embed_group(syncer, group, *args, **kwargs):
            self.chunk_tokens += sum(p.tokens for p in group)
            return (yield from original(syncer, group, *args, **kwargs))
        return embed_group

    @contextmanager
    def installed(self) -> Iterator[Probe]:
        # The stages the breakdown needs; the optional ones are cheap and may move.
        self._patch(Encoder, "run", self._recording_run)
        self._patch(Encoder, "iter_embed_documents", self._timed_generator("embed_documents"))
        self._patch(syncing, "read_file", self._measured_read)
        self._patch(syncing.Syncer, "_embed_all", self._timed_generator("embed_all"))
        self._patch(syncing.Syncer, "_embed_group", self._counting_groups)
        self._patch(syncing.Syncer, "_embed_group", self._timed_generator("embed_group"))
        optional = [
            (Encoder, "tokenize", "tokenize"),
            (syncing, "scan", "scan"),
            (syncing, "file_sha256", "sha256"),
            (extraction, "extract", "extract"),
            (extraction, "chunk_pages", "chunk_pages"),
            (Store, "record_file", "record_file"),
            (VectorIndex, "add", "graph_add"),
            (VectorIndex, "remove", "graph_remove"),
            (Library, "save_graph", "save_graph"),
            (VectorCodec, "encode", "codec"),
            (VectorCodec, "decode", "codec"),
        ]
        for owner, name, key in optional:
            self._patch(owner, name, self._timed(key), optional=True)
        try:
            yield self
        finally:
            for owner, name, original in reversed(self._patches):
                setattr(owner, name, original)
            self._patches.clear()


# -- the two measurements ------------------------------------------------------------------
def index_corpus(lib: Library, files: list[str], probe: Probe) -> dict:
    lib.add(files)
    stats = lib.encoder.stats
    before = (stats.windows, stats.tokens_encoded, stats.padded_tokens, stats.seconds_in_model)
    cpu = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with probe.installed():
        started = time.perf_counter()
        summary = None
        for progress in lib.sync():
            if progress.summary is not None:
                summary = progress.summary
        wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    if summary is None:
        raise RuntimeError("the sync ended without a summary")
    return {
        "wall": wall,
        "process_cpu": cpu,
        "extraction_process_cpu": child_cpu,
        "files": summary.indexed,
        "skipped": summary.skipped,
        "failed": summary.failed,
        "pages": summary.pages,
        "chunks": summary.chunks,
        "windows": stats.windows - before[0],
        "tokens": stats.tokens_encoded - before[1],
        "padded_tokens": stats.padded_tokens - before[2],
        "seconds_in_model": stats.seconds_in_model - before[3],
        "chunk_tokens": probe.chunk_tokens,
    }


def time_bare(encoder: Encoder, batches: list[list[np.ndarray]],
              repeats: int) -> tuple[list[float], list[float]]:
    """Wall and process-CPU seconds to push the recorded batches through ``Encoder.run``."""
    walls, cpus = [], []
    for _ in range(repeats):
        cpu = time.process_time()
        started = time.perf_counter()
        for batch in batches:
            encoder.run(batch)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def breakdown(probe: Probe, run: dict) -> list[tuple[str, float]]:
    """Wall-time accounting of the main thread, then the helper thread's own figures."""
    s = probe.seconds
    model = run["seconds_in_model"]
    run_overhead = s["encoder_run"] - model
    windows_pooling = s["embed_documents"] - s["encoder_run"]
    store = s["record_file@group"]
    graph = s["graph_add@group"] + s["graph_remove@group"]
    embed_group_rest = (s["embed_group"] - s["embed_documents"] - s["codec@group"] - store
                        - graph - s["save_graph@group"])
    # Between files the main thread blocks on the helper's next result (and records files
    # that failed or were skipped, which is cheap).
    waiting = s["embed_all"] - s["embed_group"]
    scan_hash = s["scan"] + s["sha256"]
    save_outside = s["save_graph"] - s["save_graph@group"]
    main_other = run["wall"] - scan_hash - s["embed_all"] - save_outside
    return [
        ("main: scan + sha256", scan_hash),
        ("main: waiting for extraction", waiting),
        ("main: model (session.run)", model),
        ("main: Encoder.run padding/slicing", run_overhead),
        ("main: windows + pooling", windows_pooling),
        ("main: vector codec encode/decode", s["codec@group"]),
        ("main: SQLite record_file", store),
        ("main: hnswlib add/remove", graph),
        ("main: graph save (every 60 s + final)", s["save_graph"]),
        ("main: rest of _embed_group", embed_group_rest),
        ("main: other", main_other),
        ("helper: read_file (wall; small syncs)", s["prepare"]),
        ("helper:   extract", s["extract"]),
        ("helper:   tokenize", s["tokenize"]),
        ("helper:   chunk split (excl. tokenize)", s["chunk_pages"] - s["tokenize"]),
        ("helper: read_file CPU (thread time)", probe.helper_cpu),
        ("extraction process CPU (large syncs)", run["extraction_process_cpu"]),
        ("process CPU, all threads", run["process_cpu"]),
    ]


# -- output --------------------------------------------------------------------------------
def report(corpus: list[str], run: dict, bare: list[float], parts: list[tuple[str, float]],
           threads: int) -> dict:
    bare_median = statistics.median(bare)
    tokens = run["tokens"]
    result = dict(run)
    result.update({
        "corpus": corpus,
        "threads": threads or os.cpu_count(),
        "pipeline_pages_per_s": run["pages"] / run["wall"],
        "pipeline_chunks_per_s": run["chunks"] / run["wall"],
        "pipeline_tokens_per_s": tokens / run["wall"],
        "bare_seconds": bare,
        "bare_seconds_median": bare_median,
        "bare_tokens_per_s": tokens / bare_median,
        "ratio": bare_median / run["wall"],
        "padding_overhead": run["padded_tokens"] / tokens if tokens else 0.0,
        "tokens_per_indexed_token": tokens / run["chunk_tokens"] if run["chunk_tokens"] else 0.0,
        "breakdown": dict(parts),
    })
    return result


def print_table(r: dict) -> None:
    bare_runs = ", ".join(f"{t:.1f}" for t in r["bare_seconds"])
    in_model = r["tokens"] / r["seconds_in_model"] if r["seconds_in_model"] else 0.0
    per_indexed = f"{r['tokens']:,} / {r['chunk_tokens']:,}"
    load = r["load_average"]
    cpu_pair = (f"process CPU {statistics.median(r['bare_process_cpu']):.1f} s bare, "
                f"{r['process_cpu']:.1f} s pipeline")
    rows = [
        ("corpus", ", ".join(r["corpus"])),
        ("files indexed", f"{r['files']:,} (skipped {r['skipped']}, failed {r['failed']})"),
        ("pages", f"{r['pages']:,}"),
        ("chunks", f"{r['chunks']:,}"),
        ("tokens encoded (real)", f"{r['tokens']:,} in {r['windows']:,} windows"),
        ("pipeline wall", f"{r['wall']:.1f} s"),
        ("pipeline pages/s", f"{r['pipeline_pages_per_s']:.1f}"),
        ("pipeline chunks/s", f"{r['pipeline_chunks_per_s']:.1f}"),
        ("pipeline tokens/s", f"{r['pipeline_tokens_per_s']:,.0f}"),
        ("bare model tokens/s", f"{r['bare_tokens_per_s']:,.0f}  (median of {bare_runs} s)"),
        ("ratio pipeline/bare", f"{r['ratio']:.2f}  (target >= {TARGET_RATIO})"),
        ("model time in pipeline", f"{r['seconds_in_model']:.1f} s, {in_model:,.0f} tokens/s"),
        ("CPU-time ratio bare/pipeline", f"{r['cpu_ratio']:.2f}  ({cpu_pair})"),
        ("padding overhead", f"{r['padding_overhead']:.3f} padded/real"),
        ("tokens encoded / indexed", f"{r['tokens_per_indexed_token']:.3f}  ({per_indexed})"),
        ("load average (1 min)", f"{load[0]:.2f} before, {load[1]:.2f} after"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print("\ntime breakdown (s)")
    width = max(len(k) for k in r["breakdown"])
    for key, value in r["breakdown"].items():
        share = f"{100 * value / r['wall']:5.1f}% of wall"
        print(f"  {key:<{width}}  {value:8.2f}  {share}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path,
                        help=f"folders or files to index (default: {DEFAULT_CORPUS})")
    parser.add_argument("--debian", type=Path, metavar="DIR",
                        help="index Debian's PDF manuals, downloaded into DIR if it is empty")
    parser.add_argument("--text", type=Path, metavar="DIR",
                        help="index COVID-QA's 98 articles as .txt files, written to DIR if "
                             "it is empty")
    parser.add_argument("--limit-files", type=int, metavar="N",
                        help="index only N files, spread evenly over the sorted file list")
    parser.add_argument("--data-dir", type=Path,
                        help="library data folder (must be new; default: a temporary folder)")
    parser.add_argument("--threads", type=int, default=0,
                        help="onnxruntime intra-op threads (0: its default)")
    parser.add_argument("--repeats", type=int, default=3, help="bare-model timings (median)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the figures as JSON ('-' for stdout)")
    args = parser.parse_args(argv)

    roots = list(args.corpus)
    if args.debian:
        roots.append(ensure_debian(args.debian))
    if args.text:
        roots.append(ensure_covidqa_text(args.text))
    if not roots:
        roots = [DEFAULT_CORPUS]
    files = select_files(roots, args.limit_files)
    if not files:
        parser.error("no indexable files in " + ", ".join(map(str, roots)))

    temporary = None
    if args.data_dir is None:
        temporary = tempfile.mkdtemp(prefix="throughput-")
        data_dir = Path(temporary)
    else:
        data_dir = args.data_dir
        if (data_dir / DB_NAME).exists():
            parser.error(f"{data_dir} already holds a library; give a new folder")
    load_before = os.getloadavg()[0]
    try:
        with Library(data_dir, threads=args.threads) as lib:
            # Load (and unpack) the model and run it once before the clock starts, so both
            # measurements see a warm session.
            lib.encoder.embed_queries(["warm up"])
            probe = Probe()
            print(f"indexing {len(files)} files ...", file=sys.stderr)
            run = index_corpus(lib, files, probe)
            print(f"replaying {len(probe.batches)} model batches x {args.repeats} ...",
                  file=sys.stderr)
            bare, bare_cpu = time_bare(lib.encoder, probe.batches, args.repeats)
            result = report([str(r) for r in roots], run, bare, breakdown(probe, run),
                            args.threads)
            result["bare_process_cpu"] = bare_cpu
            # CPU seconds are less disturbed than wall seconds by other busy processes.
            result["cpu_ratio"] = statistics.median(bare_cpu) / (
                run["process_cpu"] + run["extraction_process_cpu"])
            result["model_batches"] = len(probe.batches)
            result["unmeasured"] = probe.unmeasured
            result["limit_files"] = args.limit_files
            result["provider"] = lib.encoder.provider
            result["load_average"] = (load_before, os.getloadavg()[0])
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)

    print_table(result)
    if args.json:
        write_json(result, args.json, indent=2)
    return 0


def write_json(result: dict, target: Path, indent: int = 1) -> None:
    """Write a run's figures to ``target``, or to standard output for '-'."""
    text = json.dumps(result, indent=indent)
    if str(target) == "-":
        print(text)
    else:
        target.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
