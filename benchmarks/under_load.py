"""Query latency at rest and while indexing runs in the background; RSS while indexing.

The issue's targets: query p95 <= 30 ms at 100k chunks and <= 50 ms at 1M, the same while
indexing runs; and the peak RSS while indexing a 10,000-page corpus.

One process, as the GUI runs it: copy a ready library (``--base``, never touched; without it
a new empty library), open it, then

1. at rest: warm up, then N queries back to back, each timed three ways: the query
   embedding alone (``lib.encoder.embed_query``), and the whole ``lib.search`` (which embeds
   the query again) in vector and in hybrid mode;
2. under load: add the corpus and run ``lib.sync`` on a background thread (the GUI's
   ``QThread``) while the main thread times the same three figures every ``--interval``
   seconds until the sync ends, and a sampler thread reads VmRSS / VmHWM every 0.5 s.

The sync is limited to the corpus (``only=``): a full sync drops the files that lie below
no library folder, which the synthetic chunks of ``latency.py``'s libraries are. VmHWM is
reset (``/proc/self/clear_refs``) when the sync starts, so its peak is the indexing phase's.
The graph's saves, adds and removals are timed (wrappers on this library's graph object
only), so the slowest queries can be matched with what the indexer was doing.

    python benchmarks/under_load.py --base /tmp/latlibs/lib-100000-realtext
    python benchmarks/under_load.py --base /tmp/latlibs/lib-10000 --limit-files 4 --queries 30
    python benchmarks/under_load.py --limit-pages 2000 --json out.json --plot out.png
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from desktop_app import priority
from desktop_app.searching import SearchOptions

DEFAULT_CORPUS = Path("/work/bench/debian-pdfs")
SAMPLE_SECONDS = 0.5
QUESTIONS = [
    "how do I configure a static IP address on Debian",
    "what does apt-get dist-upgrade do differently from upgrade",
    "how to add a new user to the sudo group",
    "where are the systemd unit files stored",
    "how do I change the default boot entry in grub",
    "how to set up a firewall with nftables",
    "what is the difference between a hard link and a symbolic link",
    "how to mount a USB drive automatically at boot",
    "how do I build a Debian package from source",
    "what is the purpose of the debian/control file",
    "how to report a bug in a Debian package",
    "how to configure the locale and keyboard layout",
    "how do I set environment variables for all users",
    "which file lists the package repositories",
    "how to recover a system that does not boot",
    "what are the main sections of the Debian policy manual",
    "how to schedule a job with cron",
    "how does the kernel load modules at startup",
    "how to encrypt a partition with LUKS",
    "how to write a shell script that handles command line options",
    "how do neurons transmit signals across a synapse",
    "what is the role of mitochondria in the cell",
    "how does natural selection lead to new species",
    "what causes the seasons on Earth",
    "how do vaccines train the immune system",
    "what is the speed of light in a vacuum",
    "how does photosynthesis convert light into chemical energy",
    "what is the structure of DNA",
    "why do metals conduct electricity",
    "how is the age of a fossil determined",
]
FIGURES = ("embed", "vector", "hybrid")  # vector, hybrid: the whole lib.search, embedding incl.


def proc_status_mb(*keys: str, pid: str = "self") -> dict[str, float]:
    """VmRSS, VmHWM, … of a process (this one by default) from /proc/PID/status, in MB."""
    out = dict.fromkeys(keys, float("nan"))
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            name, _, rest = line.partition(":")
            if name in out:
                out[name] = int(rest.split()[0]) / 1024
    return out


def rss_mb() -> float:
    return proc_status_mb("VmRSS")["VmRSS"]


def children_rss_mb() -> float:
    """VmRSS of this process's children (the extraction process), in MB; 0 when none."""
    total = 0.0
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # a thread or a child that just ended
            for pid in (task / "children").read_text().split():
                rss = proc_status_mb("VmRSS", pid=pid)["VmRSS"]
                total += 0.0 if math.isnan(rss) else rss  # a zombie has no VmRSS
    return total


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def question(i: int) -> str:
    """The i-th query: the list cycled, with a number after the first round so no two
    queries are byte-identical."""
    base = QUESTIONS[i % len(QUESTIONS)]
    return base if i < len(QUESTIONS) else f"{base} {i}"


def summarise(values_s: list[float]) -> dict[str, float]:
    if not values_s:
        return {"n": 0}
    ms = np.asarray(values_s) * 1000
    return {"n": len(ms), "p50": float(np.percentile(ms, 50)),
            "p95": float(np.percentile(ms, 95)), "p99": float(np.percentile(ms, 99)),
            "max": float(ms.max()), "mean": float(ms.mean())}


def time_query(lib, text: str) -> dict[str, float]:
    """Seconds for the embedding alone and for the whole vector and hybrid searches."""
    t0 = time.perf_counter()
    lib.encoder.embed_query(text)
    t1 = time.perf_counter()
    lib.search(text, SearchOptions(k=10, mode="vector"))
    t2 = time.perf_counter()
    lib.search(text, SearchOptions(k=10, mode="hybrid"))
    t3 = time.perf_counter()
    return {"embed": t1 - t0, "vector": t2 - t1, "hybrid": t3 - t2}


# -- setting up ----------------------------------------------------------------------------
def prepare_data_dir(base: Path | None, work: Path) -> tuple[Path, float]:
    """A copy of ``base`` (or a new empty folder) under ``work``; seconds the copy took."""
    data = work / "data"
    if base is None:
        data.mkdir(parents=True)
        return data, 0.0
    print(f"copying {base} to {data} ...", file=sys.stderr)
    t0 = time.perf_counter()
    shutil.copytree(base, data, ignore=shutil.ignore_patterns(".lock", "*.tmp"))
    return data, time.perf_counter() - t0


def prepare_corpus(corpus: Path, limit_files: int | None, work: Path) -> tuple[Path, int]:
    """The folder to add and its file count: ``corpus`` itself, or with a limit a folder of
    hard links to N files spread evenly over the sorted list (as ``throughput.py`` picks;
    not symbolic links, which the library follows only inside its own folders)."""
    from throughput import select_files

    files = select_files([corpus], limit_files)
    if limit_files is None:
        return corpus, len(files)
    sample = work / "corpus"
    sample.mkdir()
    for i, path in enumerate(files):
        target = sample / f"{i:04d}-{Path(path).name}"
        try:
            os.link(path, target)
        except OSError:  # another file system: a copy
            shutil.copy2(path, target)
    return sample, len(files)


def instrument(lib, events: list[dict], state: SyncState) -> None:
    """Time the graph's saves (actual writes: ``Library.save_graph`` may skip them), adds and
    removals, in seconds since the sync started (this library's graph object only)."""
    def timed(owner, name: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                event = {"what": name, "start": started - state.started,
                         "end": time.perf_counter() - state.started}
                if args and hasattr(args[0], "__len__"):
                    event["n"] = len(args[0])  # labels added or removed
                events.append(event)
        setattr(owner, name, wrapper)

    timed(lib.graph, "save")
    timed(lib.graph, "add")
    timed(lib.graph, "remove")


# -- the background sync and the sampler ---------------------------------------------------
@dataclass
class SyncState:
    """What the sync thread has reported so far (plain attributes, written by one thread)."""

    started: float = 0.0
    ended: float | None = None
    phase: str = "starting"
    files_done: int = 0
    files_total: int = 0
    pages: int = 0
    chunks: int = 0
    first_indexed: float | None = None  # seconds after the start, first file committed
    summary: dict | None = None
    error: BaseException | None = None
    lowered: bool = False  # the sync thread runs at background priority
    finished: threading.Event = field(default_factory=threading.Event)


def run_sync(lib, root: Path, control, state: SyncState, limit_pages: int | None,
             background: bool = True) -> None:
    try:
        if background:  # as the window's indexing thread does
            state.lowered = priority.lower_this_thread()
        for progress in lib.sync(control, only=[root]):
            state.phase = progress.phase
            state.files_done, state.files_total = progress.files_done, progress.files_total
            if progress.phase in ("indexing", "done", "cancelled"):
                state.pages, state.chunks = progress.pages_done, progress.chunks_done
            if (state.first_indexed is None and progress.outcome is not None
                    and progress.outcome.status == "indexed"):
                state.first_indexed = time.perf_counter() - state.started
            if progress.summary is not None:
                state.summary = asdict(progress.summary)
            if limit_pages is not None and state.pages >= limit_pages and not control.cancelled:
                control.cancel()
    except BaseException as exc:  # reported by the main thread
        state.error = exc
    finally:
        state.ended = time.perf_counter()
        state.finished.set()


def sample_memory(state: SyncState, timeline: list[dict], stop: threading.Event,
                  queries: list[dict]) -> None:
    last_note = time.perf_counter()
    while True:  # until stopped, then one last sample
        now = time.perf_counter()
        mem = proc_status_mb("VmRSS", "VmHWM")
        timeline.append({"t": now - state.started, "rss_mb": mem["VmRSS"],
                         "hwm_mb": mem["VmHWM"], "children_mb": children_rss_mb(),
                         "pages": state.pages, "chunks": state.chunks})
        if now - last_note >= 10:
            last_note = now
            last = f", last hybrid {queries[-1]['hybrid'] * 1000:.0f} ms" if queries else ""
            print(f"  {now - state.started:5.0f} s  {state.phase}: {state.files_done}/"
                  f"{state.files_total} files, {state.pages:,} pages, {state.chunks:,} chunks, "
                  f"RSS {mem['VmRSS']:.0f} MB, {len(queries)} queries{last}", file=sys.stderr)
        if stop.is_set():
            return  # the sample just taken is the one after the sync ended
        stop.wait(SAMPLE_SECONDS)


def query_under_load(lib, state: SyncState, interval: float, max_queries: int | None,
                     first: int, out: list[dict]) -> None:
    """Time queries at a steady pace (start to start) until the sync ends.

    ``lag`` is how late a query started against its schedule: time the GIL (or the CPU)
    kept this thread from waking up, which a GUI thread would wait too and which the three
    figures do not include.
    """
    next_at = time.perf_counter()
    i = 0
    while not state.finished.is_set() and (max_queries is None or i < max_queries):
        if state.finished.wait(max(0.0, next_at - time.perf_counter())):
            return
        started = time.perf_counter()
        pages, phase = state.pages, state.phase
        sample = time_query(lib, question(first + i))
        out.append({"t": started - state.started, "lag": started - next_at, "pages": pages,
                    "phase": phase, **sample})
        i += 1
        next_at = max(next_at + interval, time.perf_counter())


# -- reporting -----------------------------------------------------------------------------
def overlaps(query: dict, events: list[dict]) -> list[str]:
    """The indexer's graph operations that overlapped a query, longest first."""
    start = query["t"] - query["lag"]  # when it was due
    end = query["t"] + sum(query[f] for f in FIGURES)
    hits = [e for e in events if e["start"] < end and e["end"] > start]
    hits.sort(key=lambda e: e["start"] - e["end"])
    return [f"{e['what']}{'(' + str(e['n']) + ')' if 'n' in e else ''} "
            f"{(e['end'] - e['start']) * 1000:.0f} ms" for e in hits[:3]]


def print_report(r: dict) -> None:
    def cell(s: dict) -> str:
        if not s.get("n"):
            return "–"
        return f"{s['p50']:.1f} / {s['p95']:.1f} / {s['p99']:.1f} / {s['max']:.1f}"

    print("\n| phase | queries | embed p50/p95/p99/max ms | vector total p50/p95/p99/max ms | "
          "hybrid total p50/p95/p99/max ms | start lag p50/p95/p99/max ms |")
    print("|---|---|---|---|---|---|")
    for phase in ("at_rest", "while_indexing"):
        s = r["latency"][phase]
        print(f"| {phase.replace('_', ' ')} | {s['embed'].get('n', 0)} | {cell(s['embed'])} | "
              f"{cell(s['vector'])} | {cell(s['hybrid'])} | {cell(s.get('lag', {}))} |")

    ix, mem = r["indexing"], r["rss_mb"]
    hwm = f"{mem['peak_while_indexing']:.0f}"
    if not r["peak_reset"]:
        hwm += " (process lifetime: VmHWM could not be reset)"
    graph_ready = "–" if r["graph_ready_s"] is None else f"{r['graph_ready_s']:.2f}"
    rows = [
        ("library", f"{r['base'] or '(new, empty)'}: {r['chunks_at_open']:,} chunks at open"),
        ("corpus", f"{r['corpus']}: {r['corpus_files']} files" + (
            f" (--limit-files {r['limit_files']})" if r["limit_files"] else "")),
        ("open s / graph ready s / first query s",
         f"{r['open_s']:.2f} / {graph_ready} / {r['first_query_s']:.2f}"),
        ("files indexed (skipped, failed)",
         f"{ix['files']} ({ix['skipped']}, {ix['failed']})" + (
             " — cancelled" if ix["cancelled"] else "")),
        ("pages / chunks indexed", f"{ix['pages']:,} / {ix['chunks']:,}"),
        ("indexing wall s", f"{ix['wall_s']:.1f} (first file committed at "
                            f"{ix['first_indexed_s'] or float('nan'):.1f} s)"),
        ("pages/s / chunks/s", f"{ix['pages_per_s']:.2f} / {ix['chunks_per_s']:.1f}"),
        ("graph saves during sync", f"{ix['graph_saves']} ({ix['graph_save_s']:.2f} s in all)"),
        ("RSS start / open / warm MB",
         f"{mem['start']:.0f} / {mem['after_open']:.0f} / {mem['after_warmup']:.0f}"),
        ("RSS peak while indexing (VmHWM) MB", hwm),
        ("RSS max sampled / end MB", f"{mem['max_sampled']:.0f} / {mem['end']:.0f}"),
        ("extraction process RSS max / with this process max MB",
         f"{mem.get('children_max_sampled', 0):.0f} / "
         f"{mem.get('with_children_max_sampled', float('nan')):.0f}"),
        ("indexing thread priority / switch interval",
         f"{r.get('indexing_priority', 'normal')} / {sys.getswitchinterval() * 1000:g} ms"),
        ("load average before / after", f"{r['load_before'][0]:.2f} / {r['load_after'][0]:.2f}"
                                        f" ({r['cpus']} CPUs)"),
    ]
    print("\n| | |\n|---|---|")
    for key, value in rows:
        print(f"| {key} | {value} |")
    if r["slowest_while_indexing"]:
        print("\nslowest queries while indexing: start lag + the slower search")
        print("      t s  phase      pages  lag ms  embed  vector  hybrid  overlapping graph "
              "operations")
        for q in r["slowest_while_indexing"]:
            ms = {f: q[f] * 1000 for f in ("lag", *FIGURES)}
            print(f"  {q['t']:7.1f}  {q['phase']:<9} {q['pages']:6,}  {ms['lag']:6.1f} "
                  f"{ms['embed']:6.1f} {ms['vector']:7.1f} {ms['hybrid']:7.1f}  "
                  f"{', '.join(q['overlaps']) or '-'}")


def plot(r: dict, out: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        print(f"matplotlib is not installed: no plot ({out})", file=sys.stderr)
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    queries, timeline = r["queries_while_indexing"], r["rss_timeline"]
    fig, (lat, mem) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
    for figure, colour in zip(FIGURES, ("tab:green", "tab:blue", "tab:orange")):
        label = figure if figure == "embed" else f"{figure} total"
        lat.plot([q["t"] for q in queries], [q[figure] * 1000 for q in queries], ".",
                 ms=3, color=colour, label=label)
    for e in r["graph_events"]:
        if e["what"] == "save":
            lat.axvspan(e["start"], e["end"], color="grey", alpha=0.3, lw=0)
    for limit in (30, 50):
        lat.axhline(limit, color="grey", lw=0.8, ls=":")
    lat.set_yscale("log")
    lat.set_ylabel("query ms")
    lat.set_title(f"Queries while indexing ({r['chunks_at_open']:,} chunks at start; "
                  "grey: graph saves)")
    lat.legend(fontsize=8)
    t = [s["t"] for s in timeline]
    mem.plot(t, [s["rss_mb"] for s in timeline], color="tab:red", label="VmRSS")
    mem.plot(t, [s["hwm_mb"] for s in timeline], color="tab:red", ls="--", label="VmHWM")
    if any(s.get("children_mb") for s in timeline):
        mem.plot(t, [s["rss_mb"] + s.get("children_mb", 0.0) for s in timeline],
                 color="tab:orange", label="VmRSS + extraction process")
    mem.set_ylabel("MB")
    mem.set_xlabel("seconds since the sync started")
    pages = mem.twinx()
    pages.plot(t, [s["pages"] for s in timeline], color="tab:purple", lw=0.8)
    pages.set_ylabel("pages indexed", color="tab:purple")
    mem.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"plot written to {out}", file=sys.stderr)


# -- the run -------------------------------------------------------------------------------
def measure(args: argparse.Namespace, work: Path, rss_start: float) -> dict:
    from desktop_app.events import SyncControl
    from desktop_app.library import Library

    r: dict = {"base": str(args.base) if args.base else None, "cpus": os.cpu_count(),
               "load_before": os.getloadavg(), "interval_s": args.interval}
    mem = {"start": rss_start}
    data, r["copy_s"] = prepare_data_dir(args.base, work)
    root, r["corpus_files"] = prepare_corpus(args.corpus, args.limit_files, work)
    r["corpus"], r["limit_files"] = str(args.corpus), args.limit_files

    t0 = time.perf_counter()
    options = {"graph_in_background": True} if args.graph_in_background else {}
    lib = Library(data, threads=args.threads, **options)
    r["open_s"] = time.perf_counter() - t0
    r["graph_ready_s"] = None
    if hasattr(lib, "wait_for_graph"):  # newer Library: the graph may load in the background
        t0 = time.perf_counter()
        lib.wait_for_graph()
        r["graph_ready_s"] = time.perf_counter() - t0
    mem["after_open"] = rss_mb()
    r["chunks_at_open"] = len(lib.graph)
    try:
        t0 = time.perf_counter()
        lib.search(question(0), SearchOptions(k=10, mode="hybrid"))  # loads the model
        r["first_query_s"] = time.perf_counter() - t0
        r["provider"] = lib.encoder.provider
        for i in range(args.warmup):
            time_query(lib, question(i))
        mem["after_warmup"] = rss_mb()

        print(f"{args.queries} queries at rest ...", file=sys.stderr)
        at_rest = [time_query(lib, question(i)) for i in range(args.queries)]

        events: list[dict] = []
        state = SyncState()
        instrument(lib, events, state)
        lib.add([root])
        control = SyncControl()
        timeline: list[dict] = []
        under_load: list[dict] = []
        stop = threading.Event()
        r["peak_reset"] = reset_peak_rss()
        state.started = time.perf_counter()
        sampler = threading.Thread(target=sample_memory, name="rss-sampler",
                                   args=(state, timeline, stop, under_load), daemon=True)
        syncer = threading.Thread(target=run_sync, name="sync",
                                  args=(lib, root, control, state, args.limit_pages,
                                        not args.same_priority))
        print(f"indexing {r['corpus_files']} files while querying every {args.interval} s ...",
              file=sys.stderr)
        sampler.start()
        syncer.start()
        try:
            query_under_load(lib, state, args.interval, args.max_queries, args.queries,
                             under_load)
            syncer.join()
        except KeyboardInterrupt:
            print("interrupted: cancelling the sync ...", file=sys.stderr)
            control.cancel()
            syncer.join()
        stop.set()
        sampler.join()
        if state.error is not None:
            raise RuntimeError("the sync failed") from state.error
        mem["end"] = rss_mb()
        mem["peak_while_indexing"] = proc_status_mb("VmHWM")["VmHWM"]
        mem["max_sampled"] = max((s["rss_mb"] for s in timeline), default=float("nan"))
        mem["children_max_sampled"] = max((s["children_mb"] for s in timeline), default=0.0)
        mem["with_children_max_sampled"] = max(
            (s["rss_mb"] + s["children_mb"] for s in timeline), default=float("nan"))
    finally:
        t0 = time.perf_counter()
        lib.close()
        r["close_s"] = time.perf_counter() - t0

    summary = state.summary or {}
    wall = (state.ended or time.perf_counter()) - state.started
    pages, chunks = summary.get("pages", state.pages), summary.get("chunks", state.chunks)
    events = [e for e in events if e["start"] < wall]  # not the save in lib.close()
    saves = [e for e in events if e["what"] == "save"]
    r["indexing"] = {
        "wall_s": wall, "files": summary.get("indexed", 0), "skipped": summary.get("skipped", 0),
        "failed": summary.get("failed", 0), "cancelled": summary.get("cancelled", False),
        "pages": pages, "chunks": chunks, "tokens": summary.get("tokens", 0),
        "pages_per_s": pages / wall if wall else 0.0,
        "chunks_per_s": chunks / wall if wall else 0.0,
        "first_indexed_s": state.first_indexed,
        "graph_saves": len(saves), "graph_save_s": sum(e["end"] - e["start"] for e in saves),
        "limit_pages": args.limit_pages,
    }
    r["rss_mb"] = mem
    r["latency"] = {
        "at_rest": {f: summarise([q[f] for q in at_rest]) for f in FIGURES},
        "while_indexing": {f: summarise([q[f] for q in under_load]) for f in (*FIGURES, "lag")},
    }
    slowest = sorted(under_load, key=lambda q: -(q["lag"] + max(q["vector"], q["hybrid"])))[:5]
    r["slowest_while_indexing"] = [{**q, "overlaps": overlaps(q, events)} for q in slowest]
    r["load_after"] = os.getloadavg()
    r["indexing_priority"] = "background" if state.lowered else "normal"
    r["queries_at_rest"] = at_rest
    r["queries_while_indexing"] = under_load
    r["rss_timeline"] = timeline
    r["graph_events"] = events
    return r


def main(argv: list[str] | None = None) -> int:
    rss_start = rss_mb()  # before the package and the model are imported
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS,
                        help=f"folder to index in the background (default: {DEFAULT_CORPUS})")
    parser.add_argument("--base", type=Path, metavar="DIR",
                        help="library data folder to start from (copied, never changed; "
                             "default: a new empty library)")
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="put the copy and the corpus sample here and keep them "
                             "(must not exist; default: a temporary folder, removed)")
    parser.add_argument("--queries", type=int, default=100, help="timed queries at rest")
    parser.add_argument("--warmup", type=int, default=5, help="untimed queries before them")
    parser.add_argument("--interval", type=float, default=0.25,
                        help="seconds from one query to the next while indexing")
    parser.add_argument("--max-queries", type=int, metavar="N",
                        help="stop querying after N queries while indexing")
    parser.add_argument("--limit-files", type=int, metavar="N",
                        help="index only N files, spread evenly over the sorted file list")
    parser.add_argument("--limit-pages", type=int, metavar="P",
                        help="cancel the sync once P pages are indexed")
    parser.add_argument("--threads", type=int, default=0,
                        help="onnxruntime intra-op threads (0: its default)")
    parser.add_argument("--switch-interval", type=float, metavar="S",
                        default=priority.SWITCH_INTERVAL_S,
                        help="sys.setswitchinterval: the window's (default) or Python's 0.005")
    parser.add_argument("--same-priority", action="store_true",
                        help="index at normal priority (the window lowers its indexing "
                             "thread's: desktop_app.priority)")
    parser.add_argument("--graph-in-background", action="store_true",
                        help="open with Library(graph_in_background=True) (newer Library)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="write everything, per-query times and RSS timeline included "
                             "('-' for stdout)")
    parser.add_argument("--plot", type=Path, metavar="FILE.png",
                        help="plot latency and RSS over the indexing run (needs matplotlib)")
    args = parser.parse_args(argv)
    sys.setswitchinterval(args.switch_interval)
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a folder (Debian's PDF manuals: "
                     "python benchmarks/throughput.py --debian DIR downloads them)")
    if args.base and not (args.base / "library.sqlite3").is_file():
        parser.error(f"{args.base} holds no library")
    if args.work and args.work.exists():
        parser.error(f"{args.work} already exists; give a new folder")

    work = args.work or Path(tempfile.mkdtemp(prefix="under-load-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = measure(args, work, rss_start)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    print_report(result)
    if args.json:
        from throughput import write_json

        write_json(result, args.json)
    if args.plot:
        plot(result, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
