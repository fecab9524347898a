"""The command-line contract, driven as a user (or another program) drives it: subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = {
    "volcano.txt": "Volcanoes erupt when pressure from molten rock and gas builds beneath the "
                   "crust. Lava flows and ash clouds follow an eruption.",
    "tax.md": "Individual income tax returns are due on the fifteenth of April. Late filing "
              "incurs penalties.",
    "empty.txt": "",
}


@pytest.fixture(scope="module", autouse=True)
def log_dir(tmp_path_factory):
    """The commands' log goes to a temporary folder, never to the user's real one."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("logs")
        patch.setenv("DESKTOP_APP_LOG_DIR", str(folder))
        yield folder


def run(*args: str, data_dir: Path, check_exit: int | None = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "desktop_app", *args, "--data-dir",
                           str(data_dir)], capture_output=True, text=True, timeout=300)
    if check_exit is not None:
        assert proc.returncode == check_exit, proc.stderr
    return proc


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    data = root / "data"
    proc = run("index", str(docs), data_dir=data)
    return docs, data, proc


def test_index_prints_problems_and_a_final_summary_line(indexed):
    _, _, proc = indexed
    lines = proc.stdout.strip().splitlines()
    assert lines[-1].startswith("done: 2 indexed") and "1 skipped" in lines[-1]
    assert any("empty.txt: empty file" in line for line in lines)
    assert proc.stderr == "", "no progress bar when stderr is not a terminal"


def test_search_json_gives_the_result_contract(indexed):
    docs, data, _ = indexed
    proc = run("search", "when do I have to file my taxes", "-k", "2", "--json", data_dir=data)
    results = json.loads(proc.stdout)
    assert len(results) == 2
    top = results[0]
    assert top["path"] == str((docs / "tax.md").resolve()) and top["page"] is None
    assert {"path", "page", "score", "text", "char_start", "char_end"} <= set(top)
    text = (docs / "tax.md").read_text()
    assert text[top["char_start"]:top["char_end"]] == top["text"]
    assert results[0]["score"] >= results[1]["score"]


def test_search_human_output_shows_rank_score_path_and_snippet(indexed):
    docs, data, _ = indexed
    out = run("search", "lava", data_dir=data).stdout.splitlines()
    assert out[0].split()[0] == "1." and str(docs / "volcano.txt") in out[0]
    assert "Volcanoes erupt" in out[1]


def test_a_search_nothing_answers_says_no_good_match(indexed):
    _, data, _ = indexed
    out = run("search", "zzzzqqq xylophone", data_dir=data).stdout.splitlines()
    assert out[0] == "no good match for 'zzzzqqq xylophone'; the closest passages:"
    found = json.loads(run("search", "zzzzqqq xylophone", "--json", data_dir=data).stdout)
    assert found and not any(r["good_match"] for r in found)
    answer = json.loads(run("search", "when do I have to file my taxes", "--json",
                            data_dir=data).stdout)[0]
    assert answer["good_match"] and 0.5 <= answer["score"] <= 1.0
    assert 0.0 < answer["similarity"] < 1.0
    assert not run("search", "lava", data_dir=data).stdout.startswith("no good match")


def test_queries_file_prints_one_json_array_per_line_in_order(indexed, tmp_path):
    _, data, _ = indexed
    queries = tmp_path / "q.txt"
    queries.write_text("tax deadline\nmagma and ash\n")
    lines = run("search", "--queries-file", str(queries), "--json", "-k", "1",
                data_dir=data).stdout.splitlines()
    assert [Path(json.loads(line)[0]["path"]).name for line in lines] == ["tax.md",
                                                                          "volcano.txt"]


def test_status_json_reports_folders_counts_problems_model_and_size(indexed):
    docs, data, _ = indexed
    status = json.loads(run("status", "--json", data_dir=data).stdout)
    assert status["folders"] == [str(docs.resolve())]
    assert status["files"] == {"indexed": 2, "skipped": 1, "failed": 0}
    assert status["problems"][0]["reason"] == "empty file"
    assert status["model"]["id"] == "all-MiniLM-L6-v2-int8" and status["chunks"] == 2
    assert status["bytes_on_disk"] > 0


def test_remove_drops_a_file_and_its_vectors(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    data = tmp_path / "data"
    run("index", str(docs), data_dir=data)
    run("remove", str(docs / "volcano.txt"), data_dir=data)
    results = json.loads(run("search", "volcano lava", "--json", data_dir=data).stdout)
    assert all(not r["path"].endswith("volcano.txt") for r in results)
    again = run("index", data_dir=data)  # a rescan does not bring the removed file back
    assert "0 indexed" in again.stdout


def test_usage_errors_and_unusable_data_folders_exit_non_zero(tmp_path):
    assert run("search", data_dir=tmp_path / "d", check_exit=2).returncode == 2
    assert "no library" in run("search", "x", data_dir=tmp_path / "d", check_exit=3).stderr
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = run("index", str(tmp_path), data_dir=blocker / "data", check_exit=3)
    assert "cannot create the data folder" in proc.stderr
    proc = run("index", str(tmp_path / "missing"), data_dir=tmp_path / "d2", check_exit=2)
    assert "no such file or folder" in proc.stderr
