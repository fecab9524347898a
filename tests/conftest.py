"""Test setup: headless Qt, data folders under tmp, the real PDFs kept in tests/data."""

from __future__ import annotations

import os
from pathlib import Path

# Before anything imports Qt: the tests run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A test never touches the user's real library or log (child processes inherit these).
os.environ.pop("DESKTOP_APP_DATA_DIR", None)
if "DESKTOP_APP_LOG_DIR" not in os.environ:
    import tempfile

    os.environ["DESKTOP_APP_LOG_DIR"] = tempfile.mkdtemp(prefix="desktop-app-test-logs-")

import pytest

#: the team library's PostgreSQL server fixtures (tests/pg_server.py)
pytest_plugins = ["pg_server"]

#: Real documents the tests read (tests/data/README.md says where each one comes from).
TEST_DATA = Path(__file__).resolve().parent / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session")
def test_data() -> Path:
    """tests/data: ``pdfs/real`` and ``pdfs/tricky`` (never written to; copy before syncing)."""
    return TEST_DATA


@pytest.fixture(scope="session")
def shared_data(test_data: Path) -> Path:
    """The former name of ``test_data``."""
    return test_data


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model, unpacked and verified once for the whole run."""
    from desktop_app.embedding.bundled import bundled_model_dir

    return bundled_model_dir(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def encoder(model_dir: Path):
    from desktop_app.embedding import MINILM, Encoder

    return Encoder(model_dir, MINILM)
