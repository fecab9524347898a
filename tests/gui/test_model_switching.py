"""Settings lists the models the library can run, and switching re-indexes in the background
with the current model answering searches until the swap (a tiny real ONNX model stands in
for a second model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import TEXTS, drop_and_index, search, write_filler_corpus
from tiny_models import build_tiny_qwen

from desktop_app.embedding.profile import MINILM
from desktop_app.models import ModelRegistry

TINY = "test/tiny-qwen"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_qwen(tmp_path_factory.mktemp("tiny") / "tiny-qwen", model_id=TINY)


def test_settings_lists_the_bundled_model_by_a_human_name_and_models_added(
        qtbot, make_window, tiny, tmp_path):
    window = make_window(show=False)
    dialog = window.menus.settings_dialog()
    qtbot.addWidget(dialog)
    rows = dialog.model_rows()
    assert rows[0][0] == MINILM.model_id
    assert rows[0][1].startswith("MiniLM") and "in use by this library" in rows[0][1]
    assert MINILM.model_id not in rows[0][1]  # the id is the tooltip, not the name
    assert dialog.chosen_model() is None  # the model in use is not a change
    # Words, not jargon.
    form = dialog.layout().itemAt(0).layout()
    labels = [form.labelForField(field).text() for field in
              (dialog.models, dialog.provider, dialog.threads, dialog.passage_words)]
    assert labels == ["Model:", "Processor:", "CPU threads:", "Passage length:"]
    assert dialog.passage_words.text() == "about 190 words"
    assert [dialog.provider.itemText(i) for i in range(dialog.provider.count())][1:2] == ["CPU"]
    dialog.close()

    ModelRegistry(tmp_path / "data" / "models").add(tiny)
    dialog = window.menus.settings_dialog()
    qtbot.addWidget(dialog)
    assert [model_id for model_id, _ in dialog.model_rows()][:2] == [MINILM.model_id, TINY]
    dialog.select_model(TINY)
    chosen = dialog.chosen_model()
    assert chosen is not None and chosen.model_id == TINY and chosen.folder == tiny


def test_switching_models_rebuilds_in_the_background_and_searches_work_after(
        qtbot, make_window, notes, tiny, tmp_path):
    window = make_window()
    drop_and_index(qtbot, window, [notes])
    entry = ModelRegistry(tmp_path / "data" / "models").add(tiny)
    with qtbot.waitSignal(window.model_switched, timeout=120_000) as switched:
        assert window.switch_model(entry)
        assert window.indexing.title.text() == "<b>Switching to tiny-qwen</b>"
    assert switched.args == [True, TINY]
    assert window.library.profile.model_id == TINY
    assert window.status_line.model.text().startswith("tiny-qwen")
    assert window.indexing.title.text() == "<b>Indexing</b>"
    # Searches run on the new index: every file is in it, and words still find theirs.
    names = search(qtbot, window, "volcano magma lava")
    assert names[0] == "volcanoes.txt"
    assert set(names) == set(TEXTS)
    # Settings now shows the tiny model in use.
    dialog = window.menus.settings_dialog()
    qtbot.addWidget(dialog)
    assert "in use by this library" in dict(dialog.model_rows())[TINY]


def test_cancelling_a_switch_keeps_the_old_model_serving(
        qtbot, make_window, notes, tiny, tmp_path):
    write_filler_corpus(notes / "filler", files=150)
    window = make_window()
    drop_and_index(qtbot, window, [notes], timeout=120_000)
    entry = ModelRegistry(tmp_path / "data" / "models").add(tiny)
    with qtbot.waitSignal(window.indexing_progress, timeout=60_000,
                          check_params_cb=lambda e: e.phase == "indexing" and e.files_done):
        window.switch_model(entry)
    # While the new index is built, the old one answers, by meaning.
    assert search(qtbot, window, "how do plants make food from sunlight")[0] == \
        "photosynthesis.txt"
    with qtbot.waitSignal(window.model_switched, timeout=60_000) as switched:
        window.indexing.cancel_button.click()
    assert switched.args == [False, MINILM.model_id]
    assert window.library.profile.model_id == MINILM.model_id
    assert search(qtbot, window, "when is my income tax return due")[0] == "tax-law.txt"
