"""Malformed model folders: each is refused with one line saying which file and what is
wrong, and nothing is left behind (no registry entry, no half-built ``switching/``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tiny_models import build_tiny_qwen

from desktop_app.embedding.profile import ModelFolderError, profile_from_folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_qwen(tmp_path_factory.mktemp("tiny") / "tiny-qwen")


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """A data folder with a small library on the bundled model (tests copy it)."""
    base = tmp_path_factory.mktemp("lib")
    docs = base / "docs"
    docs.mkdir()
    (docs / "volcanoes.txt").write_text("Volcanoes erupt when magma rises; lava flows.")
    (docs / "birds.txt").write_text("Birds migrate south in autumn to find food.")
    data = base / "data"
    assert cli(data, "index", str(docs)).returncode == 0
    return data


def cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=600)


def variant(tiny: Path, target: Path, *, config: str | None = None,
            onnx: bytes | None = None) -> Path:
    """A copy of the tiny model with its config.json or ONNX file replaced."""
    shutil.copytree(tiny, target)
    if config is not None:
        (target / "config.json").write_text(config)
    if onnx is not None:
        (target / "onnx" / "model.onnx").write_bytes(onnx)
    return target


def tiny_config(tiny: Path, **changes: object) -> str:
    return json.dumps({**json.loads((tiny / "config.json").read_text()), **changes})


def one_line_refusal(run: subprocess.CompletedProcess) -> str:
    assert run.returncode in (2, 3), (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("desktop-app: "), run.stderr
    return lines[0]


MALFORMED = {
    "a list": ({"config": b"[]"}, "config.json must hold a JSON object, not a list"),
    "a word for a number": ({"hidden_size": "abc"}, "hidden_size must be a whole number"),
    "deep nesting": ({"config": b"[" * 100_000 + b"]" * 100_000}, "nested too deeply"),
    "a garbage onnx file": ({"onnx": b"\0garbage" * 1000}, "is not an ONNX model file"),
    "a billion dimensions": ({"hidden_size": 10**9}, "hidden_size 1000000000 is out of range"),
    "not json": ({"config": b"{'hidden_size': 32"}, "config.json is not valid JSON"),
    "not utf-8": ({"config": b'{"model_type": "\xff\xfe"}'}, "config.json is not UTF-8 text"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_adding_a_malformed_model_folder_is_refused_in_one_line(tmp_path, tiny, library, case):
    change, expected = MALFORMED[case]
    folder = variant(tiny, tmp_path / "model", onnx=change.get("onnx"))
    if "config" in change:
        (folder / "config.json").write_bytes(change["config"])
    elif "hidden_size" in change:
        (folder / "config.json").write_text(tiny_config(tiny, **change))
    with pytest.raises(ModelFolderError, match=expected):
        profile_from_folder(folder)
    data = tmp_path / "data"
    shutil.copytree(library, data, symlinks=True)
    assert expected in one_line_refusal(cli(data, "model", "add", str(folder)))
    assert "test/tiny-qwen" not in cli(data, "model", "list").stdout


def test_switching_to_a_model_that_cannot_load_leaves_nothing_behind(tmp_path, tiny,
                                                                     library):
    # Looks like ONNX from the outside (the cheap check passes), fails to load.
    folder = variant(tiny, tmp_path / "broken", config=tiny_config(
        tiny, _name_or_path="test/broken"), onnx=b"\x08\x07" + b"\xff not a model" * 500)
    data = tmp_path / "data"
    shutil.copytree(library, data, symlinks=True)
    assert cli(data, "model", "add", str(folder)).returncode == 0
    line = one_line_refusal(cli(data, "model", "use", "test/broken"))
    assert f"the model in {folder} cannot be loaded" in line
    assert not (data / "switching").exists()
    assert "* all-MiniLM-L6-v2-int8" in cli(data, "model", "list").stdout
    assert "volcanoes.txt" in cli(data, "search", "lava", "-k", "1").stdout


def test_a_registered_model_folder_damaged_later_is_refused_in_one_line(tmp_path, tiny,
                                                                        library):
    folder = variant(tiny, tmp_path / "model")
    data = tmp_path / "data"
    shutil.copytree(library, data, symlinks=True)
    assert cli(data, "model", "add", str(folder)).returncode == 0
    (folder / "config.json").write_text("[]")
    line = one_line_refusal(cli(data, "model", "use", "test/tiny-qwen"))
    assert "test/tiny-qwen cannot be used" in line and "must hold a JSON object" in line
    assert not (data / "switching").exists()
    listed = cli(data, "model", "list")
    assert listed.returncode == 0 and "cannot be used" in listed.stdout


def test_code_shipped_in_a_model_folder_is_never_run(tmp_path, tiny, library):
    """A model folder is data: Python files in it (what ``trust_remote_code`` would run)
    are never imported, whatever its config.json asks for."""
    folder = variant(tiny, tmp_path / "remote-code", config=tiny_config(
        tiny, _name_or_path="test/remote-code",
        auto_map={"AutoModel": "modeling_evil.EvilModel",
                  "AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}))
    marker = tmp_path / "code-ran"
    for name in ("modeling_evil.py", "tokenization_evil.py", "__init__.py"):
        (folder / name).write_text(f"open({str(marker)!r}, 'w').write({name!r})\n")
    data = tmp_path / "data"
    shutil.copytree(library, data, symlinks=True)
    assert cli(data, "model", "add", str(folder)).returncode == 0
    used = cli(data, "model", "use", "test/remote-code")
    assert used.returncode == 0, used.stderr
    assert "lava" in cli(data, "search", "lava", "-k", "1").stdout
    assert not marker.exists()
