"""``desktop-app --self-test``, run as a user (or a build script) runs it: a new process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from desktop_app.selftest import (
    DOCX_FILE,
    DOCX_QUERY,
    EXPECTED_FILE,
    PDF_FILE,
    PDF_QUERY,
    QUERY,
    SCAN_FILE,
    SCAN_QUERY,
)


@pytest.mark.gui  # the self-test opens the window in a child process: needs Qt
def test_self_test_indexes_the_sample_finds_the_paraphrased_files_and_opens_the_window(
        tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path))
    env.pop("DESKTOP_APP_DATA_DIR", None)
    run = subprocess.run([sys.executable, "-m", "desktop_app", "--self-test"], env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert "indexed 4 files" in out
    lines = out.splitlines()
    first = lines.index(f'query: "{QUERY}"')
    assert lines[first + 1].startswith("top result: ")
    assert f"{os.sep}{EXPECTED_FILE}  page -  score " in lines[first + 1]
    second = lines.index(f'query: "{PDF_QUERY}"')
    assert f"{os.sep}{PDF_FILE}  page 2  score " in lines[second + 1]
    # a Word file, and a picture of a page read by OCR
    word = lines.index(f'query: "{DOCX_QUERY}"')
    assert f"{os.sep}{DOCX_FILE}  page 1  score " in lines[word + 1]
    scan = lines.index(f'query: "{SCAN_QUERY}"')
    assert f"{os.sep}{SCAN_FILE}  page 1  score " in lines[scan + 1]
    assert any(line.startswith("gui: window shown") and "'offscreen' platform" in line
               for line in lines)
    assert lines[-1] == "self-test passed"
    # It cleans up after itself (onnxruntime may leave a session-id file of its own there).
    assert list(tmp_path.glob("desktop-app-self-test-*")) == []


def test_self_test_fails_with_a_reason_when_the_sample_is_missing(tmp_path, monkeypatch):
    from desktop_app import selftest

    monkeypatch.setattr(selftest, "SAMPLE_FILES", ("honeybees.md", "no-such-file.md"))
    lines: list[str] = []
    assert selftest.run_self_test(gui=False, out=lines.append) == selftest.EXIT_FAILED
    assert lines[-1] == ("self-test FAILED: the sample file resources/sample/no-such-file.md "
                         "is not installed with the app; the package data is incomplete")
