"""PyMuPDF, imported without the add-ons PyMuPDF 2 loads with itself.

``pymupdf`` 2.0 requires ``pymupdf-layout`` and ``pymupdf4llm`` and imports both when it is
imported, onnxruntime included, for layout analysis and Markdown export that we never call.
Marked absent in ``sys.modules`` before the import, they are skipped (``pymupdf`` imports them
in ``try/except ImportError``): importing PyMuPDF takes 0.08 s instead of 0.38 s and the
process 51 MB instead of 142 MB (measured here; the extraction child process pays this, and
the window when it first renders a page). The frozen app leaves them out the same way
(installer/desktop-app.spec). Every use of PyMuPDF in the app imports it from here.
"""

from __future__ import annotations

import sys

for _addon in ("pymupdf.layout", "pymupdf4llm"):
    sys.modules.setdefault(_addon, None)  # type: ignore[arg-type]

import pymupdf  # noqa: E402

__all__ = ["pymupdf"]
