"""The command line as a new user meets it: mistakes get one clear line (exit 2) naming the
closest real command or option, options go before or after the command, files named
explicitly are refused with a reason, counts read as English, and a closed pipe is quiet."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli import build_parser, window_argv

VOLCANO = ("Volcanoes erupt when pressure from molten rock and gas builds beneath the crust. "
           "Lava flows and ash clouds follow an eruption.")
TAX = "Individual income tax returns are due on the fifteenth of April."


@pytest.fixture(autouse=True)
def log_dir(tmp_path, monkeypatch):
    """The commands' log goes to the test's folder, never to the user's real one."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("DESKTOP_APP_LOG_DIR", str(folder))
    return folder


def cli(*args: str, cwd: Path | None = None, exit_code: int | None = 0,
        ) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "desktop_app", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)
    if exit_code is not None:
        assert proc.returncode == exit_code, (proc.stdout, proc.stderr)
    return proc


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The message of an argparse error: exit 2, no traceback, the last stderr line."""
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr.strip().splitlines()[-1]


@pytest.fixture
def library(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "volcano.txt").write_text(VOLCANO)
    (docs / "tax.md").write_text(TAX)
    data = tmp_path / "data"
    cli("index", str(docs), "--data-dir", str(data))
    return docs, data


# -- mistakes: one line, exit 2, the closest real name ---------------------------------
def test_a_mistyped_command_is_an_error_naming_the_closest_one_and_adds_nothing(tmp_path):
    data = tmp_path / "data"
    proc = cli("serach", "nuts", "--data-dir", str(data), cwd=tmp_path, exit_code=2)
    assert "did you mean 'search'?" in one_line_error(proc)
    assert not data.exists(), "no window opened, no library made, no ghost folders added"
    proc = cli("--data-dir", str(data), "statsu", cwd=tmp_path, exit_code=2)
    assert "'statsu' is not a command" in one_line_error(proc)
    assert "did you mean 'status'?" in one_line_error(proc)
    proc = cli("model", "lst", "--data-dir", str(data), exit_code=2)
    assert "did you mean 'list'?" in one_line_error(proc)


@pytest.mark.parametrize("args", [["search", "--jsno", "lava"], ["--jsno", "search", "lava"],
                                  ["search", "lava", "--jsno"]])
def test_an_unknown_option_anywhere_is_an_error_naming_the_closest_one(library, args):
    _, data = library
    proc = cli(*args, "--data-dir", str(data), exit_code=2)
    assert one_line_error(proc).endswith("unrecognized arguments: --jsno "
                                         "(did you mean '--json'?)")


def test_common_options_go_before_or_after_the_command(library):
    docs, data = library
    before = cli("--data-dir", str(data), "--provider", "cpu", "status", "--json")
    after = cli("status", "--json", "--data-dir", str(data), "--provider", "cpu")
    for proc in (before, after):
        status = json.loads(proc.stdout)
        assert status["folders"] == [str(docs.resolve())] and status["model"]["provider"] == "cpu"
    results = json.loads(cli("--data-dir", str(data), "search", "lava", "--json").stdout)
    assert Path(results[0]["path"]).name == "volcano.txt"


@pytest.mark.parametrize("args, message", [
    (["search", "lava", "--per-file", "-3"], "argument --per-file: must be 0 or more, not -3"),
    (["search", "lava", "-k", "0"], "argument -k: must be 1 or more, not 0"),
    (["search", "lava", "-k", "many"], "argument -k: 'many' is not a whole number"),
    (["search", "lava", "--since", "May"], "argument --since: 'May' is not a date"),
    (["--threads", "-1", "status"], "argument --threads: must be 0 or more, not -1"),
    (["index", "--threads", "-1"], "argument --threads: must be 0 or more, not -1"),
    (["settings", "--max-file-mb", "0"], "argument --max-file-mb: must be 1 or more, not 0"),
    (["settings", "--max-file-mb", "-5"], "argument --max-file-mb: must be 1 or more, not -5"),
    (["watch", "--quiet-seconds", "-1"], "argument --quiet-seconds: must be 0 or more, not -1"),
    (["search"], "one of the arguments QUERY --queries-file --like is required"),
    (["search", "lava", "--like", "3"], "not allowed with argument"),
])
def test_an_out_of_range_or_missing_value_is_a_one_line_usage_error(tmp_path, args, message):
    proc = cli(*args, "--data-dir", str(tmp_path / "data"), exit_code=2)
    assert message in one_line_error(proc)
    assert not (tmp_path / "data").exists()


def test_a_query_of_several_words_needs_no_quotes(library):
    _, data = library
    quoted = json.loads(cli("search", "molten rock eruption", "--json",
                            "--data-dir", str(data)).stdout)
    unquoted = json.loads(cli("search", "molten", "rock", "eruption", "--json",
                              "--data-dir", str(data)).stdout)
    assert quoted == unquoted and Path(quoted[0]["path"]).name == "volcano.txt"


# -- the window gets only files and folders that exist ---------------------------------
def test_only_existing_paths_go_to_the_window_and_a_command_word_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "status").mkdir()  # a folder named like a command
    parser = build_parser()
    assert window_argv(parser, []) == []
    assert window_argv(parser, ["--data-dir", "lib", "notes"]) == ["--data-dir", "lib",
                                                                    "notes"]
    assert window_argv(parser, ["status"]) is None, "the command, not the folder"
    assert window_argv(parser, ["--data-dir", "lib", "status"]) is None
    assert window_argv(parser, ["-h"]) is None and window_argv(parser, ["--version"]) is None
    assert window_argv(parser, ["serach", "nuts"]) is None  # the parser names 'search'
    with pytest.raises(SystemExit) as exc:
        window_argv(parser, ["notes", "nuts"])
    assert exc.value.code == 2


def test_a_missing_path_beside_an_existing_one_is_an_error(tmp_path):
    (tmp_path / "notes").mkdir()
    proc = cli("notes", "nuts", "--data-dir", str(tmp_path / "data"), cwd=tmp_path,
               exit_code=2)
    assert one_line_error(proc).endswith("nuts: no such file or folder")


def test_the_command_names_come_from_the_parser():
    parser = build_parser()
    assert parser.command_names() == ["index", "search", "status", "model", "settings",
                                      "watch", "remove", "team"]
    help_text = parser.format_help()
    assert all(name in help_text for name in parser.command_names())


# -- files named explicitly ------------------------------------------------------------
def test_a_file_of_an_unsupported_type_is_refused_with_the_reason(tmp_path):
    odd = tmp_path / "hostname"
    odd.write_text("myhost\n")
    data = tmp_path / "data"
    proc = cli("index", str(odd), "--data-dir", str(data), exit_code=2)
    assert one_line_error(proc) == (f"desktop-app: {odd}: not a supported document type (it "
                                    "has no suffix; 'desktop-app index --help' lists the "
                                    "types the library reads)")
    assert not data.exists()
    assert ".pdf" in cli("index", "--help").stdout


def test_a_file_added_explicitly_is_listed_as_a_file_and_the_unsupported_one_is_not_added(
        tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(VOLCANO)
    picture = tmp_path / "song.mp3"
    picture.write_bytes(b"ID3\x04")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tax.md").write_text(TAX)
    note, picture, docs = note.resolve(), picture.resolve(), docs.resolve()
    data = tmp_path / "data"
    proc = cli("index", str(note), str(picture), str(docs), "--data-dir", str(data))
    assert f"{picture}: not a supported document type (.mp3 files are not read" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("done: 2 indexed")
    status = json.loads(cli("status", "--json", "--data-dir", str(data)).stdout)
    assert status["folders"] == [str(docs)] and status["added_files"] == [str(note)]
    text = cli("status", "--data-dir", str(data)).stdout
    folders = text.split("folders:\n", 1)[1].split("files added on their own:\n", 1)
    assert str(docs) in folders[0] and str(note) not in folders[0]
    assert folders[1].splitlines()[0].strip() == str(note)
    assert str(picture) not in text


def test_a_file_matching_the_exclusion_patterns_says_so(library, tmp_path):
    _, data = library
    cli("settings", "--exclude", "*.log", "--data-dir", str(data))
    log = tmp_path / "build.log"
    log.write_text("compiler output")
    proc = cli("index", str(log), "--data-dir", str(data), exit_code=2)
    assert one_line_error(proc).endswith(f"{log}: matches your exclusion patterns "
                                         "(desktop-app settings)")


# -- wording ---------------------------------------------------------------------------
def test_counts_are_english_and_the_human_text_says_passage(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "volcano.txt").write_text(VOLCANO)
    data = tmp_path / "data"
    index = cli("index", str(docs), "--data-dir", str(data)).stdout
    assert "1 passage from 1 page in" in index
    (docs / "tax.md").write_text(TAX)
    index_again = cli("index", "--data-dir", str(data)).stdout
    assert "1 passage from 1 page in" in index_again
    status = cli("status", "--data-dir", str(data)).stdout
    assert "passages: 2 (up to 256 tokens each)" in status
    search = cli("search", "lava", "--data-dir", str(data)).stdout
    removed = cli("remove", str(docs / "tax.md"), "--data-dir", str(data)).stdout
    assert removed.strip() == f"removed {docs / 'tax.md'} (1 file) from the library"
    for text in (index, index_again, status, search, removed):
        assert "(s)" not in text and "chunk" not in text, text
    # The JSON keeps its field names.
    assert json.loads(cli("status", "--json", "--data-dir", str(data)).stdout)["chunks"] == 1


def test_the_watch_command_counts_what_it_watches(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "volcano.txt").write_text(VOLCANO)
    data = tmp_path / "data"
    cli("index", str(docs), "--data-dir", str(data))
    with subprocess.Popen([sys.executable, "-m", "desktop_app", "watch", "--data-dir",
                           str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        try:
            for line in proc.stdout:
                if line.startswith("watching"):
                    break
            proc.send_signal(signal.SIGINT)  # as Ctrl+C
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert line == "watching 1 folder; Ctrl+C to stop\n"


# -- the log ---------------------------------------------------------------------------
def test_status_names_the_log_file_and_long_commands_write_to_it(tmp_path, log_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "volcano.txt").write_text(VOLCANO)
    data = tmp_path / "data"
    # An unknown provider is a warning: on stderr as before, and now in the log as well.
    proc = cli("index", str(docs), "--provider", "gpu-please", "--data-dir", str(data))
    warning = "unknown execution provider 'gpu-please'; using CPU"
    assert f"{warning}\n" in proc.stderr and "WARNING" not in proc.stderr
    log = log_dir / "desktop-app.log"
    assert warning in log.read_text(encoding="utf-8")
    assert f"log file: {log}" in cli("status", "--data-dir", str(data)).stdout
    status = json.loads(cli("status", "--json", "--data-dir", str(data)).stdout)
    assert status["log_file"] == str(log)


# -- a closed pipe ---------------------------------------------------------------------
def test_a_reader_that_stops_early_ends_the_output_quietly(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(80):
        (docs / f"note{i}.txt").write_text(f"Note {i}. " + VOLCANO * 8)
    data = tmp_path / "data"
    cli("index", str(docs), "--data-dir", str(data))
    queries = tmp_path / "queries.txt"
    queries.write_text("lava and ash\n" * 30)
    args = [sys.executable, "-m", "desktop_app", "search", "--queries-file", str(queries),
            "-k", "100", "--per-file", "0", "--json", "--data-dir", str(data)]
    whole = subprocess.run(args, capture_output=True, timeout=300, check=True).stdout
    assert len(whole) > 16 * 65536, "far more than a pipe holds"
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        head = proc.stdout.read(600)  # as `| head -c 600`
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=300)
    assert head == whole[:600]
    assert err == "" and proc.returncode == 141


def test_version_and_help_still_answer_before_any_command():
    assert cli("--version").stdout.startswith("desktop-app ")
    assert "COMMAND" in cli("-h").stdout and "--quiet-seconds" in cli("watch", "-h").stdout
