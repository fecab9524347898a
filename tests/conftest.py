"""Test setup: headless Qt, data folders under tmp, shared data located beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

# Before anything imports Qt: the tests run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A test never touches the user's real library.
os.environ.pop("DESKTOP_APP_DATA_DIR", None)

import pytest

SHARED_DATA = Path(os.environ.get("DESKTOP_APP_SHARED_DATA",
                                  Path(__file__).resolve().parents[2] / "shared" / "data"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared test data not found at {SHARED_DATA} "
                    "(set DESKTOP_APP_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model, unpacked and verified once for the whole run."""
    from desktop_app.embedding.bundled import bundled_model_dir

    return bundled_model_dir(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def encoder(model_dir: Path):
    from desktop_app.embedding import MINILM, Encoder

    return Encoder(model_dir, MINILM)
