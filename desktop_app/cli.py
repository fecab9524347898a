"""The command line: ``desktop-app COMMAND …``, or the window for no command (and PATHs).

Without a command the window opens (the GUI is imported only then), adding any PATHs given;
each must exist, and a word that is neither a command nor a file or folder is an error that
names the closest command. Options common to all commands (``--data-dir``, ``--provider``,
``--threads``) go before the command or after it. Each command is one small function below,
chosen by argparse (``set_defaults(func=…)``); what it does and prints is in ``commands``.
Human output goes to stdout, progress to stderr (only on a terminal), and ``--json`` output
is JSON and nothing else.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_app import __version__
from desktop_app.cli_parser import (
    Parser,
    iso_date,
    non_negative_float,
    non_negative_int,
    path_exists,
    positive_int,
)
from desktop_app.exit_codes import (
    EXIT_BROKEN_PIPE,
    EXIT_DATA_DIR,
    EXIT_INTERRUPTED,
    EXIT_NO_WINDOW,
    EXIT_USAGE,
)

#: the frozen app runs itself with this flag as its extraction child (not a user option)
_EXTRACTION_CHILD_FLAG = "--extraction-process"

Command = Callable[[argparse.Namespace], int]


# -- the parser ----------------------------------------------------------------------------
_NO_WORDS: list[str] = []


def _add_common_options(parser: Parser, *, top: bool) -> None:
    """The options every command takes. The top-level parser holds the defaults; a command's
    own copy leaves the value alone unless given after the command."""
    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    parser.add_argument("--data-dir", type=Path, default=default(None), metavar="DIR",
                        help="library folder (default: $DESKTOP_APP_DATA_DIR or the platform's "
                             "user data folder)")
    parser.add_argument("--library", default=default(os.environ.get("DESKTOP_APP_LIBRARY")),
                        metavar="URL",
                        help="a team library on a PostgreSQL server, postgresql://USER@HOST/DB "
                             "(default: $DESKTOP_APP_LIBRARY; without it, the library in the "
                             "data folder)")
    parser.add_argument("--provider", default=default("auto"),
                        help="execution provider for the model: auto (CUDA, then DirectML, "
                             "then CPU), cpu, cuda, directml")
    parser.add_argument("--threads", type=non_negative_int, default=default(0), metavar="N",
                        help="CPU threads for the model (0: one per core)")


def _command(sub: argparse._SubParsersAction, name: str, func: Command | None,
             help_text: str, epilog: str | None = None) -> Parser:
    parser = sub.add_parser(name, help=help_text, description=help_text, epilog=epilog)
    _add_common_options(parser, top=False)
    if func is not None:
        parser.set_defaults(func=func)
    return parser


def build_parser() -> Parser:
    from desktop_app.extract import SUPPORTED_SUFFIXES  # light: the readers load on use

    parser = Parser(
        prog="desktop-app", paths_open_window=True,
        description="Find documents by meaning. With no command (or only paths of files and "
                    "folders to add), opens the window.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--self-test", dest="flag_func", action="store_const",
                        const=_self_test,
                        help="index a small bundled sample in a temporary folder, search it "
                             "and open the window offscreen; exit 0 if all works")
    parser.add_argument("--install-desktop-entry", dest="flag_func", action="store_const",
                        const=_install_desktop_entry,
                        help="add the app to the applications menu of this user (Linux)")
    _add_common_options(parser, top=True)
    parser.set_defaults(func=None)  # each command sets its own
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _command(sub, "index", _index, "add folders or files and bring the library up to date",
                 epilog="Files the library reads: "
                        f"{', '.join(sorted(SUPPORTED_SUFFIXES))}.")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    p.add_argument("--rebuild", action="store_true",
                   help="set the library's database aside (library.damaged-TIME.sqlite3) and "
                        "index its folders again, e.g. after it was damaged")
    p.add_argument("--share", default=None, metavar="ROLE",
                   help="in a team library: the members of this PostgreSQL role see these "
                        "folders' passages (without it, only you do)")

    p = _command(sub, "search", _search, "search the library")
    what = p.add_mutually_exclusive_group(required=True)
    # Several words are one query: quotes are not needed. The default is a shared object so
    # argparse can tell "no words" from a query in the group's one-of check.
    what.add_argument("query", nargs="*", default=_NO_WORDS, metavar="QUERY",
                      help="what you are looking for, in plain words")
    what.add_argument("--queries-file", type=Path,
                      help="one query per line; with --json prints one JSON array per line")
    what.add_argument("--like", type=positive_int, default=None, metavar="ID",
                      help="more like this: passages like the result whose chunk_id (from "
                           "--json) is ID")
    p.add_argument("-k", type=positive_int, default=10, help="number of results (default 10)")
    p.add_argument("--json", action="store_true", help="print a JSON array of results")
    p.add_argument("--mode", choices=("hybrid", "vector", "keyword"), default="hybrid",
                   help="hybrid (default): meaning and keywords fused; vector: meaning only; "
                        "keyword: words and \"exact phrases\" only")
    p.add_argument("--in", dest="folder", type=Path, default=None, metavar="PATH",
                   help="only files below this folder")
    p.add_argument("--type", dest="types", action="append", default=[], metavar="SUFFIX",
                   help="only files of this type (pdf, md, txt…); repeatable")
    p.add_argument("--since", type=iso_date, default=None, metavar="DATE",
                   help="only files modified on or after DATE (YYYY-MM-DD)")
    p.add_argument("--per-file", type=non_negative_int, default=3, metavar="N",
                   help="at most N passages per file, except a file that holds most of the "
                        "good candidates, whose best pages are all shown (0: no limit; "
                        "default 3)")

    p = _command(sub, "status", _status,
                 "folders, files per status, passages, model, size on disk, log file")
    p.add_argument("--json", action="store_true")

    p = _command(sub, "model", None, "list, add, download, quantize or switch models")
    msub = p.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    _command(msub, "list", _model_list, "the models this library can use (* = in use)")
    m = _command(msub, "add", _model_add,
                 "register a model folder (Hugging Face layout with ONNX)")
    m.add_argument("folder", type=Path)
    m.add_argument("--name", default=None, help="model id to record (default: from config)")
    m = _command(msub, "use", _model_use, "re-index the library with another model, then switch")
    m.add_argument("name")
    m = _command(msub, "download", _model_download,
                 "fetch a model folder from the Hugging Face Hub")
    m.add_argument("name", help="e.g. pplx-0.6b or perplexity-ai/pplx-embed-context-v1-0.6b")
    m = _command(msub, "quantize", _model_quantize,
                 "make an int8 copy of a model's fp32 ONNX file")
    m.add_argument("name", help="a model id or folder")

    p = _command(sub, "settings", _settings, "show or change what the library leaves out")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="leave out files or folders matching GLOB (a name like '*.log' or a "
                        "path below a library folder like 'drafts/*'); repeatable")
    p.add_argument("--include", action="append", default=[], metavar="GLOB",
                   help="drop a pattern added with --exclude; repeatable")
    p.add_argument("--max-file-mb", type=positive_int, default=None, metavar="MB",
                   help="skip files larger than this many megabytes")
    p.add_argument("--ocr", choices=("on", "off"), default=None,
                   help="read scanned pages and pictures of text by OCR (on by default)")

    p = _command(sub, "watch", _watch, "keep the library in step with its folders until "
                                       "interrupted (Ctrl+C)")
    p.add_argument("--quiet-seconds", type=non_negative_float, default=0.5, metavar="SECONDS",
                   help="wait this long after the last change before indexing (debounce)")

    p = _command(sub, "remove", _remove, "drop a folder or file and its vectors from the library")
    p.add_argument("path", type=Path)

    team = _command(sub, "team", None, "a team library on a PostgreSQL server with pgvector")
    team_sub = team.add_subparsers(dest="team_command", metavar="COMMAND", required=True)
    p = _command(team_sub, "init", _team_init,
                 "make a database a team library, once, as its administrator: the pgvector "
                 "extension, tables, row-level security, and the model")
    p.add_argument("url", metavar="URL", help="postgresql://ADMIN@HOST/DB")
    p.add_argument("--members", required=True, metavar="ROLE",
                   help="the PostgreSQL role whose members may use the library")
    p.add_argument("--model", default=None, metavar="NAME",
                   help="the model every member's desktop uses (default: the bundled one; "
                        "see 'desktop-app model list')")
    return parser


# -- the commands --------------------------------------------------------------------------
def _data_dir(args: argparse.Namespace) -> Path:
    from desktop_app.paths import default_data_dir

    return args.data_dir or default_data_dir()


def _opening(args: argparse.Namespace):  # -> commands.Opening (imported with the library)
    from desktop_app.commands import Opening

    return Opening(provider=args.provider, threads=args.threads, library_url=args.library or None,
                   share=getattr(args, "share", None))


def _log_to_file() -> None:
    """Long-running commands keep warnings and crashes in the app's log as well."""
    import logging

    from desktop_app import logs

    # Unconfigured, Python prints warnings to stderr as bare messages (its last-resort
    # handler); once the log file has a handler that stops, so an equal one stays.
    root = logging.getLogger()
    if not any(type(h) is logging.StreamHandler for h in root.handlers):
        to_stderr = logging.StreamHandler()
        to_stderr.setLevel(logging.WARNING)
        root.addHandler(to_stderr)
    logs.install(to_stderr=False)


def _self_test(args: argparse.Namespace) -> int:
    from desktop_app.selftest import run_self_test

    return run_self_test()


def _install_desktop_entry(args: argparse.Namespace) -> int:
    from desktop_app.desktop_entry import install_desktop_entry

    return install_desktop_entry()


def _index(args: argparse.Namespace) -> int:
    from desktop_app import commands

    _log_to_file()
    if args.rebuild:
        from desktop_app.library import Library

        if args.library:
            raise commands.UsageError("--rebuild is for a library in a data folder; a team "
                                      "library's server keeps its own data safe")

        rebuilt, notes = Library.rebuild(_data_dir(args))
        rebuilt.close()
        for note in notes:
            print(f"desktop-app: {note}", file=sys.stderr)
    return commands.index(_data_dir(args), args.paths, _opening(args))


def _search(args: argparse.Namespace) -> int:
    from desktop_app import commands
    from desktop_app.searching import SearchOptions

    options = SearchOptions(
        k=args.k, mode=args.mode, per_file=args.per_file or None,
        folder=str(args.folder.expanduser().resolve()) if args.folder else None,
        file_types=tuple(args.types), since=args.since)
    query = " ".join(args.query) if args.query else None
    return commands.search(_data_dir(args), query, args.queries_file, _opening(args),
                           options, as_json=args.json, like=args.like)


def _status(args: argparse.Namespace) -> int:
    from desktop_app import commands

    return commands.status(_data_dir(args), _opening(args), as_json=args.json)


def _remove(args: argparse.Namespace) -> int:
    from desktop_app import commands

    return commands.remove(_data_dir(args), args.path, _opening(args))


def _settings(args: argparse.Namespace) -> int:
    from desktop_app import commands

    return commands.settings(_data_dir(args), _opening(args), exclude=args.exclude,
                             include=args.include, max_file_mb=args.max_file_mb,
                             ocr=None if args.ocr is None else args.ocr == "on")


def _watch(args: argparse.Namespace) -> int:
    from desktop_app import commands

    _log_to_file()
    return commands.watch(_data_dir(args), _opening(args), quiet_seconds=args.quiet_seconds)


def _team_init(args: argparse.Namespace) -> int:
    from desktop_app import team_commands

    return team_commands.team_init(_data_dir(args), args.url, args.members, args.model,
                                   _opening(args))


def _model_list(args: argparse.Namespace) -> int:
    from desktop_app import model_commands

    return model_commands.model_list(_data_dir(args))


def _model_add(args: argparse.Namespace) -> int:
    from desktop_app import model_commands

    return model_commands.model_add(_data_dir(args), args.folder, args.name)


def _model_use(args: argparse.Namespace) -> int:
    from desktop_app import model_commands

    _log_to_file()
    return model_commands.model_use(_data_dir(args), args.name, _opening(args))


def _model_download(args: argparse.Namespace) -> int:
    from desktop_app import model_commands

    return model_commands.model_download(_data_dir(args), args.name)


def _model_quantize(args: argparse.Namespace) -> int:
    from desktop_app import model_commands

    return model_commands.model_quantize(_data_dir(args), args.name)


# -- routing: the window or a command ------------------------------------------------------
def window_argv(parser: Parser, argv: Sequence[str]) -> list[str] | None:
    """The arguments for the window when ``argv`` asks for it (no command; only existing
    files and folders, and ``--data-dir``); None when ``argv`` is for the command parser,
    which runs it or says what is wrong."""
    window = Parser(prog=parser.prog, add_help=False, exit_on_error=False)
    _add_common_options(window, top=True)
    window.add_argument("paths", nargs="*")
    try:
        known, extras = window.parse_known_args(list(argv))
    except argparse.ArgumentError:
        return None  # a bad option value: the command parser says so, with its usage
    words: list[str] = known.paths
    if words and words[0] in parser.command_names():
        return None
    if words and not path_exists(words[0]):
        return None  # the parser's error names the closest command
    if extras:
        if words and not any(e.split("=", 1)[0] in parser.option_names for e in extras):
            parser.error(f"unrecognized arguments: {' '.join(extras)} (with only files and "
                         "folders, the window opens; it takes no options but --data-dir)")
        return None
    missing = [w for w in words if not path_exists(w)]
    if missing:
        parser.error(f"{', '.join(missing)}: no such file or folder")
    if any(a == "--library" or a.startswith("--library=") for a in argv):
        parser.error("--library goes with a command (index, search, …); the window "
                     "connects to a team library from its File menu")
    if (known.provider, known.threads) != ("auto", 0):
        parser.error("--provider and --threads go with a command (index, search, …); the "
                     "window takes only --data-dir and PATHs")
    return (["--data-dir", str(known.data_dir)] if known.data_dir else []) + words


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [_EXTRACTION_CHILD_FLAG]:
        from desktop_app.extraction import child_main

        return child_main()
    parser = build_parser()
    for_window = window_argv(parser, argv)
    if for_window is not None:
        try:
            from desktop_app.gui.launch import main as gui_main
        except ImportError as exc:  # the core installed without Qt: the commands still work
            print(f"desktop-app: the window needs Qt for Python, which is not installed "
                  f"({exc.name or exc}): pip install PySide6-Essentials; the commands "
                  "(desktop-app --help) work without it", file=sys.stderr)
            return EXIT_NO_WINDOW
        return gui_main(for_window)
    args = parser.parse_args(argv)
    if args.flag_func is not None and args.func is not None:
        parser.error(f"{args.command} cannot be combined with --self-test or "
                     "--install-desktop-entry")
    func = args.flag_func or args.func
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    return run(func, args)


def run(func: Command, args: argparse.Namespace) -> int:
    """Run one command; its failures become a message and an exit code, never a traceback."""
    from desktop_app.commands import UsageError
    from desktop_app.library import LibraryError

    try:
        code = func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except UsageError as exc:
        _say(exc)
        return EXIT_USAGE
    except LibraryError as exc:
        _say(exc)
        return EXIT_DATA_DIR
    except BrokenPipeError:
        # The reader stopped early (``| head``): that is not an error worth a message.
        # Python flushes stdout again at exit; pointing it at devnull keeps that quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("\ninterrupted; everything committed so far is kept", file=sys.stderr)
        return EXIT_INTERRUPTED


def _say(problem: Exception) -> None:
    for line in str(problem).splitlines() or [type(problem).__name__]:
        print(f"desktop-app: {line}", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
