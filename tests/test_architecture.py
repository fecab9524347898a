"""Package boundaries as they show at run time: the CLI starts without loading Qt, PyMuPDF
has one import point, the extraction process stays light.

The static rules (layers, no cycles, nothing outside desktop_app.gui imports Qt) are
import-linter contracts in pyproject.toml, checked by `lint-imports` in CI.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "desktop_app"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_headless_front_end_runs_without_loading_qt():
    code = ("import sys, desktop_app.cli, desktop_app.library, desktop_app.commands; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_pymupdf_is_imported_only_through_extract_mupdf():
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if p.name != "mupdf.py" and "pymupdf" in _imports(p)]
    assert offenders == []


def test_the_extraction_process_loads_neither_the_model_runtime_nor_pymupdfs_add_ons(
        test_data):
    pdf = test_data / "pdfs" / "real" / "senate-expenditures.pdf"
    code = ("import sys; from pathlib import Path; import desktop_app.extraction; "
            "from desktop_app.extract import extract; "
            f"pages = extract(Path({str(pdf)!r})); "
            "print(len(pages), sorted({m.split('.')[0] for m, mod in sys.modules.items() if mod} & "
            "{'onnxruntime', 'pymupdf4llm', 'PySide6', 'hnswlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split(maxsplit=1)
    assert int(out[0]) > 0 and out[1].strip() == "[]"
