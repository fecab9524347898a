"""Model folders (Qwen-style, RoBERTa-style), the pplx path end to end on a tiny model built
here, vector storage options, execution providers, and switching models without downtime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_app.embedding import Encoder, profile_from_folder
from desktop_app.embedding import providers as providers_module
from desktop_app.embedding.profile import MINILM, ModelFolderError
from desktop_app.events import SyncControl
from desktop_app.library import Library, LibraryError
from desktop_app.models import ModelError, ModelRegistry, quantize_folder
from desktop_app.searching import SearchOptions

sys.path.insert(0, str(Path(__file__).parent))
from tiny_models import build_tiny_qwen, build_tiny_roberta

DOCS = {
    "volcano.txt": "Volcanoes erupt when magma rises through the crust.\n\nLava flows down "
                   "the slopes.",
    "tax.txt": "Income tax returns are due in April.\n\nLate filing brings penalties.",
    "plants.txt": "Photosynthesis lets plants turn sunlight and water into glucose.",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_qwen(tmp_path_factory.mktemp("tiny") / "tiny-qwen")


def write_docs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    return folder


def test_a_qwen_style_folder_reads_as_the_pplx_framing(tiny):
    profile = profile_from_folder(tiny)
    assert profile.model_id == "test/tiny-qwen" and profile.dim == 32
    assert profile.prefix_tokens == () and profile.suffix_tokens == ()
    assert profile.separator_token == "<|endoftext|>" and profile.output == "tanh_int8"
    assert profile.framing.standalone_weight == 0.0, "chunks are embedded together"


@pytest.mark.parametrize("model_type", ["xlm-roberta", "mpnet"])
def test_a_roberta_style_folder_frames_text_with_its_own_tokens(tmp_path, model_type):
    folder = build_tiny_roberta(tmp_path / model_type, model_type=model_type)
    profile = profile_from_folder(folder)
    assert profile.prefix_tokens == ("<s>",) and profile.suffix_tokens == ("</s>",)
    assert profile.separator_token == "</s>"
    # 514 position rows take 512 tokens; chunks are embedded alone, as MiniLM's
    assert profile.max_positions == 512 and profile.framing.window_tokens == 512
    assert profile.framing.standalone_weight == 1.0 and profile.dim == 32
    docs = write_docs(tmp_path / "docs")
    with Library(tmp_path / "data", profile=profile, model_dir=folder) as lib:
        assert (lib.encoder.prefix, lib.encoder.suffix) == ([0], [2])
        lib.add([docs])
        assert list(lib.sync())[-1].summary.indexed == 3
        assert len(lib.search("magma and lava", SearchOptions(k=5))) == 3


def test_a_folder_with_files_missing_says_exactly_what(tmp_path, tiny):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(ModelError) as caught:
        ModelRegistry(tmp_path / "models").add(tmp_path / "half")
    assert "tokenizer.json" in str(caught.value) and "onnx/model*.onnx" in str(caught.value)
    assert "config.json" not in str(caught.value).split("missing:")[1]
    with pytest.raises(ModelFolderError):
        profile_from_folder(tmp_path / "half")


def test_the_pplx_path_joins_chunks_with_the_separator_and_pools_each_span(tiny, monkeypatch):
    profile = profile_from_folder(tiny)
    encoder = Encoder(tiny, profile)
    sep = encoder.tokenizer.token_to_id("<|endoftext|>")
    chunks = [t.ids for t in encoder.tokenize(["Volcanoes erupt.", "Lava flows.", "Plants."])]
    seen = []
    real_run = encoder.run
    monkeypatch.setattr(encoder, "run", lambda seqs, **kw: seen.extend(seqs)
                        or real_run(seqs, **kw))
    vectors = encoder.embed_documents([chunks])[0]
    [window] = seen
    expected = np.concatenate([chunks[0], [sep], chunks[1], [sep], chunks[2]])
    assert np.array_equal(window, expected), "no prefix or suffix; <|endoftext|> between chunks"
    hidden = real_run([window])[0]
    start = len(chunks[0]) + 1
    pooled = hidden[start:start + len(chunks[1])].mean(axis=0)
    assert np.allclose(vectors[1], np.tanh(pooled), atol=1e-5)
    assert not np.allclose(vectors[1], encoder.embed_documents([[chunks[1]]])[0][0], atol=1e-3)


def test_a_long_file_is_cut_in_bounded_windows(tiny, monkeypatch):
    profile = profile_from_folder(tiny).with_framing(window_tokens=24, context_tokens=4)
    encoder = Encoder(tiny, profile)
    chunks = [t.ids for t in encoder.tokenize([f"Birds migrate south in autumn {i}."
                                              for i in range(12)])]
    seen = []
    real_run = encoder.run
    monkeypatch.setattr(encoder, "run", lambda seqs, **kw: seen.extend(seqs)
                        or real_run(seqs, **kw))
    vectors = encoder.embed_documents([chunks])[0]
    assert len(seen) > 2 and max(len(s) for s in seen) <= 24
    assert vectors.shape == (12, 32) and np.isfinite(vectors).all()


@pytest.mark.parametrize("fmt,width", [("int8", 32), ("binary", 4)])
def test_add_index_search_with_the_tiny_model(tmp_path, tiny, fmt, width):
    profile = profile_from_folder(tiny)
    docs = write_docs(tmp_path / "docs")
    with Library(tmp_path / "data", profile=profile, model_dir=tiny, vector_format=fmt) as lib:
        lib.add([docs])
        summary = list(lib.sync())[-1].summary
        assert summary.indexed == 3
        row = lib.store.db.execute("SELECT vector FROM chunks LIMIT 1").fetchone()[0]
        assert len(row) == width
        # a stored chunk's own vector finds that chunk first
        chunk_id = lib.store.db.execute("SELECT id FROM chunks LIMIT 1").fetchone()[0]
        hits = lib.search_vector(lib.chunk_vector(chunk_id), SearchOptions(k=1))
        assert hits[0].chunk_id == chunk_id
        assert len(lib.search("magma and lava", SearchOptions(k=5))) == 3  # every chunk, best first
        status = lib.status()
        assert status.model == "test/tiny-qwen" and status.vector_format == fmt
    with Library(tmp_path / "data") as reopened:
        assert reopened.profile.model_id == "test/tiny-qwen" and reopened.codec.format == fmt


def test_int8_storage_is_round_127_tanh(tmp_path, tiny):
    profile = profile_from_folder(tiny)
    docs = write_docs(tmp_path / "docs")
    with Library(tmp_path / "data", profile=profile, model_dir=tiny) as lib:
        lib.add([docs / "plants.txt"])
        list(lib.sync())
        stored = np.frombuffer(lib.store.db.execute("SELECT vector FROM chunks").fetchone()[0],
                               dtype=np.int8)
        chunk = lib.encoder.tokenize([DOCS["plants.txt"]])[0].ids
        expected = np.round(127 * lib.encoder.embed_documents([[chunk]])[0][0]).astype(np.int8)
        assert np.array_equal(stored, expected)


def test_matryoshka_truncation_stores_fewer_dimensions(tmp_path, tiny):
    profile = profile_from_folder(tiny)
    with Library(tmp_path / "data", profile=profile, model_dir=tiny, dims=16) as lib:
        lib.add([write_docs(tmp_path / "docs")])
        list(lib.sync())
        assert len(lib.store.db.execute("SELECT vector FROM chunks").fetchone()[0]) == 16
        assert lib.search("glucose", SearchOptions(k=1))
    with pytest.raises(LibraryError, match="at least 8"):
        Library(tmp_path / "other", profile=profile, model_dir=tiny, dims=4)


def test_a_library_never_mixes_models(tmp_path, tiny):
    Library(tmp_path / "data").close()
    with pytest.raises(LibraryError, match="never mixes models"):
        Library(tmp_path / "data", profile=profile_from_folder(tiny), model_dir=tiny)


def test_switching_models_keeps_searches_on_the_old_index_until_it_is_done(tmp_path, tiny):
    docs = write_docs(tmp_path / "docs")
    profile = profile_from_folder(tiny)
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        list(lib.sync())
        before = lib.search("when are taxes due", SearchOptions(k=1))[0]
        # cancelled half way: the old index is untouched
        control = SyncControl()
        for event in lib.switch_model(profile, tiny, control):
            assert lib.search("when are taxes due", SearchOptions(k=1))[0].path == before.path
            if event.outcome:
                control.cancel()
        assert lib.profile.model_id == MINILM.model_id
        assert lib.status().counts["indexed"] == 3
        # finished: swapped in; searches now run on the new model
        for _ in lib.switch_model(profile, tiny):
            assert lib.profile.model_id == MINILM.model_id
        assert lib.profile.model_id == "test/tiny-qwen"
        assert lib.status().counts == {"indexed": 3, "skipped": 0, "failed": 0, "chunks": 3}
        assert lib.graph.dim == 32 and len(lib.search("magma", SearchOptions(k=3))) == 3
        assert not (tmp_path / "data" / "switching" / "test--tiny-qwen").exists()
    with Library(tmp_path / "data") as reopened:
        assert reopened.profile.model_id == "test/tiny-qwen"
        assert reopened.store.integrity_ok() and reopened.roots() == [str(docs.resolve())]


def test_an_abandoned_switch_leaves_the_old_library_and_resumes_later(tmp_path, tiny):
    docs = write_docs(tmp_path / "docs")
    profile = profile_from_folder(tiny)
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        list(lib.sync())
        job = lib.switch_model(profile, tiny)
        for event in job:
            if event.outcome:
                break
        job.close()  # as if the process died mid-switch
        assert lib.profile.model_id == MINILM.model_id and lib.search("taxes", SearchOptions(k=1))
        events = list(lib.switch_model(profile, tiny))
        assert events[-1].summary.unchanged >= 1, "what the first attempt finished is kept"
        assert lib.profile.model_id == "test/tiny-qwen"


def test_a_provider_that_fails_to_start_falls_back_to_cpu_with_a_reason(tiny, monkeypatch):
    monkeypatch.setattr(providers_module.ort, "get_available_providers",
                        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    session = providers_module.create_session(str(tiny / "onnx" / "model.onnx"), "auto")
    assert session.provider == "cpu" and "cuda" in session.warning
    session = providers_module.create_session(str(tiny / "onnx" / "model.onnx"), "directml")
    assert session.provider == "cpu" and "not available" in session.warning
    assert providers_module.available() == ["cuda", "cpu"]


def test_download_fails_offline_with_the_folder_to_use(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as caught:
        ModelRegistry(tmp_path / "models").download("pplx-0.6b")
    message = str(caught.value)
    assert str(tmp_path / "models" / "perplexity-ai--pplx-embed-context-v1-0.6b") in message
    assert "model add" in message


def test_quantizing_an_fp32_folder_keeps_a_result_that_agrees(tmp_path):
    folder = build_tiny_qwen(tmp_path / "fp32", dim=64)
    report = quantize_folder(folder, progress=lambda _: None)
    assert report.accepted and report.min_cosine >= 0.99
    assert report.output.exists() and report.size_after < report.size_before
    assert profile_from_folder(folder).onnx_file == "onnx/model_quantized.onnx"


def test_the_model_commands_list_add_and_use(tmp_path, tiny):
    docs = write_docs(tmp_path / "docs")
    data = tmp_path / "data"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "desktop_app", *args, "--data-dir",
                               str(data)], capture_output=True, text=True, timeout=300)

    assert cli("index", str(docs)).returncode == 0
    added = cli("model", "add", str(tiny))
    assert added.returncode == 0 and "added test/tiny-qwen" in added.stdout
    listed = cli("model", "list").stdout
    assert "* all-MiniLM-L6-v2-int8" in listed and "  test/tiny-qwen" in listed
    used = cli("model", "use", "test/tiny-qwen")
    assert used.returncode == 0 and "now uses test/tiny-qwen" in used.stdout
    assert "* test/tiny-qwen" in cli("model", "list").stdout
    xlmr = cli("model", "add", str(build_tiny_roberta(tmp_path / "xlmr")))
    assert xlmr.returncode == 0 and "added test/tiny-xlmr" in xlmr.stdout
    assert cli("model", "use", "test/tiny-xlmr").returncode == 0
    found = cli("search", "magma and lava", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)[0]["path"].endswith(".txt")
    missing = cli("model", "add", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "not a folder" in missing.stderr
