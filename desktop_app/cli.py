"""The headless front end: ``desktop-app index|search|status|remove``.

No arguments opens the window (the GUI is imported only then). Human output goes to stdout,
progress to stderr (only on a terminal), and ``--json`` output is JSON and nothing else.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop_app import __version__
from desktop_app.paths import default_data_dir

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATA_DIR = 3


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", default="auto",
                        help="execution provider for the model: auto (CUDA, then DirectML, "
                             "then CPU), cpu, cuda, directml")
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for the model (0: one per core)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="library folder (default: $DESKTOP_APP_DATA_DIR or the platform's "
                             "user data folder)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="desktop-app",
        description="Find documents by meaning. With no command (or only paths), opens the "
                    "window.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # Handled in main() before anything else; declared here so --help lists them.
    parser.add_argument("--self-test", action="store_true",
                        help="index a small bundled sample in a temporary folder, search it "
                             "and open the window offscreen; exit 0 if all works")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="add the app to the applications menu of this user (Linux)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("index", help="add folders or files and bring the library up to date")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_data_dir(p)

    p = sub.add_parser("search", help="search the library")
    p.add_argument("query", nargs="?", help="what you are looking for, in plain words")
    p.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--json", action="store_true", help="print a JSON array of results")
    p.add_argument("--queries-file", type=Path,
                   help="one query per line; with --json prints one JSON array per line")
    p.add_argument("--mode", choices=("hybrid", "vector", "keyword"), default="hybrid",
                   help="hybrid (default): meaning and keywords fused; vector: meaning only; "
                        "keyword: words and \"exact phrases\" only")
    p.add_argument("--in", dest="folder", type=Path, default=None, metavar="PATH",
                   help="only files below this folder")
    p.add_argument("--type", dest="types", action="append", default=[], metavar="SUFFIX",
                   help="only files of this type (pdf, md, txt…); repeatable")
    p.add_argument("--since", default=None, metavar="DATE",
                   help="only files modified on or after DATE (YYYY-MM-DD)")
    p.add_argument("--per-file", type=int, default=3, metavar="N",
                   help="at most N passages per file (0: no limit; default 3)")
    p.add_argument("--like", type=int, default=None, metavar="CHUNK_ID",
                   help="more like this: passages similar to a result's chunk_id (from --json)")
    _add_data_dir(p)

    p = sub.add_parser("status", help="folders, files per status, chunks, model, size on disk")
    p.add_argument("--json", action="store_true")
    _add_data_dir(p)

    p = sub.add_parser("model", help="list, add, download, quantize or switch models")
    msub = p.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    m = msub.add_parser("list", help="the models this library can use (* = in use)")
    _add_data_dir(m)
    m = msub.add_parser("add", help="register a model folder (Hugging Face layout with ONNX)")
    m.add_argument("folder", type=Path)
    m.add_argument("--name", default=None, help="model id to record (default: from config)")
    _add_data_dir(m)
    m = msub.add_parser("use", help="re-index the library with another model, then switch")
    m.add_argument("name")
    _add_data_dir(m)
    m = msub.add_parser("download", help="fetch a model folder from the Hugging Face Hub")
    m.add_argument("name", help="e.g. pplx-0.6b or perplexity-ai/pplx-embed-context-v1-0.6b")
    _add_data_dir(m)
    m = msub.add_parser("quantize", help="make an int8 copy of a model's fp32 ONNX file")
    m.add_argument("name", help="a model id or folder")
    _add_data_dir(m)

    p = sub.add_parser("settings", help="show or change what the library leaves out")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="leave out files or folders matching GLOB (a name like '*.log' or a "
                        "path below a library folder like 'drafts/*'); repeatable")
    p.add_argument("--include", action="append", default=[], metavar="GLOB",
                   help="drop a pattern added with --exclude; repeatable")
    p.add_argument("--max-file-mb", type=int, default=None,
                   help="skip files larger than this many megabytes")
    _add_data_dir(p)

    p = sub.add_parser("watch", help="keep the library in step with its folders until "
                                     "interrupted (Ctrl+C)")
    p.add_argument("--quiet-seconds", type=float, default=0.5,
                   help="wait this long after the last change before indexing (debounce)")
    _add_data_dir(p)

    p = sub.add_parser("remove", help="drop a folder or file and its vectors from the library")
    p.add_argument("path", type=Path)
    _add_data_dir(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--extraction-process"]:  # the frozen app as its own extraction child
        from desktop_app.extraction import child_main

        return child_main()
    if argv[:1] == ["--self-test"]:
        from desktop_app.selftest import run_self_test

        return run_self_test()
    if argv[:1] == ["--install-desktop-entry"]:
        from desktop_app.desktop_entry import install_desktop_entry

        return install_desktop_entry()
    commands = {"index", "search", "status", "remove", "watch", "settings", "model"}
    if not any(a in commands for a in argv[:1]) and not any(a in ("-h", "--help", "--version")
                                                           for a in argv):
        from desktop_app.gui.launch import main as gui_main

        return gui_main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    data_dir = args.data_dir or default_data_dir()
    from desktop_app import commands as cmd
    from desktop_app.library import LibraryError

    cmd.ENGINE.update(provider=args.provider, threads=args.threads)

    try:
        if args.command == "index":
            return cmd.index(data_dir, args.paths)
        if args.command == "search":
            if sum(x is not None for x in (args.query, args.queries_file, args.like)) != 1:
                parser.error("search needs a QUERY, --queries-file or --like (one of them)")
            if args.k < 1:
                parser.error("-k must be at least 1")
            since = None
            if args.since:
                from datetime import datetime

                try:
                    since = datetime.fromisoformat(args.since)
                except ValueError:
                    parser.error(f"--since: {args.since!r} is not a date (YYYY-MM-DD)")
            options = {"mode": args.mode, "per_file": args.per_file or None,
                       "folder": str(args.folder.expanduser().resolve()) if args.folder
                       else None, "file_types": tuple(args.types), "since": since}
            return cmd.search(data_dir, args.query, args.queries_file, k=args.k,
                              as_json=args.json, options=options, like=args.like)
        if args.command == "status":
            return cmd.status(data_dir, as_json=args.json)
        if args.command == "remove":
            return cmd.remove(data_dir, args.path)
        if args.command == "model":
            from desktop_app import model_commands as mc

            if args.model_command == "list":
                return mc.model_list(data_dir)
            if args.model_command == "add":
                return mc.model_add(data_dir, args.folder, args.name)
            if args.model_command == "use":
                return mc.model_use(data_dir, args.name)
            if args.model_command == "download":
                return mc.model_download(data_dir, args.name)
            if args.model_command == "quantize":
                return mc.model_quantize(data_dir, args.name)
        if args.command == "settings":
            return cmd.settings(data_dir, exclude=args.exclude, include=args.include,
                                max_file_mb=args.max_file_mb)
        if args.command == "watch":
            return cmd.watch(data_dir, quiet_seconds=args.quiet_seconds)
    except cmd.UsageError as exc:
        print(f"desktop-app: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LibraryError as exc:
        print(f"desktop-app: {exc}", file=sys.stderr)
        return EXIT_DATA_DIR
    except KeyboardInterrupt:
        print("\ninterrupted; everything committed so far is kept", file=sys.stderr)
        return 130
    return EXIT_OK


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
