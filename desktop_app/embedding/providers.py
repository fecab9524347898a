"""Execution providers: pick CUDA, then DirectML, then CPU; fall back to CPU with a reason.

The app's one import of onnxruntime (``encoder`` takes the runtime from here), where its
telemetry is switched off before any session exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import onnxruntime as ort

log = logging.getLogger(__name__)

# The one place the app imports onnxruntime. Its telemetry is off by the environment
# (ORT_DISABLE_TELEMETRY, set on import of desktop_app); this asks the runtime as well.
ort.disable_telemetry_events()

#: Names the user can choose (settings, CLI) → onnxruntime provider names.
PROVIDER_NAMES = {
    "cuda": "CUDAExecutionProvider",
    "directml": "DmlExecutionProvider",
    "cpu": "CPUExecutionProvider",
}
_AUTO_ORDER = ("cuda", "directml", "cpu")


def available() -> list[str]:
    """The user-facing names of the providers this onnxruntime build offers."""
    offered = set(ort.get_available_providers())
    return [name for name, ort_name in PROVIDER_NAMES.items() if ort_name in offered]


@dataclass
class Session:
    session: ort.InferenceSession
    provider: str  # user-facing name of the provider actually running
    warning: str | None  # why we are not on the requested provider, if we are not


def resolve(preference: str) -> tuple[str, str | None]:
    """The provider a preference names on this machine, and why it is not the one asked for
    (None when it is)."""
    offered = available()
    if preference == "auto":
        return next(name for name in _AUTO_ORDER if name in offered or name == "cpu"), None
    if preference not in PROVIDER_NAMES:
        return "cpu", f"unknown execution provider '{preference}'; using CPU"
    if preference not in offered:
        return "cpu", (f"{preference} is not available in this onnxruntime build "
                       f"(available: {', '.join(offered)}); using CPU")
    return preference, None


def create_session(model_path: str, preference: str = "auto", threads: int = 0, *,
                   spinning: bool = True) -> Session:
    """Open an inference session on the preferred provider, falling back to CPU on failure.

    ``spinning``: onnxruntime's workers spin between runs, waiting for the next one; right
    for back-to-back batches, wasted on a query typed now and then (the cores it burns are
    the indexer's).
    """
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = max(0, int(threads))
    # The memory pattern plans allocations per input shape; our batches vary in shape with
    # every call, and the plans only add up: off, the working memory above the model is a
    # third smaller (190 vs 285 MB, 1,024-token batches of mixed lengths) at the same speed.
    options.enable_mem_pattern = False
    options.log_severity_level = 3
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    wanted, warning = resolve(preference)
    if wanted != "cpu":
        try:
            session = ort.InferenceSession(
                model_path, sess_options=options,
                providers=[PROVIDER_NAMES[wanted], "CPUExecutionProvider"])
            if session.get_providers()[0] == PROVIDER_NAMES[wanted]:
                return Session(session, wanted, None)
            warning = f"{wanted} did not start; using CPU"
        except Exception as exc:  # a broken driver must not stop the app
            warning = f"{wanted} failed to start ({exc}); using CPU"
    if warning:
        log.warning(warning)
    session = ort.InferenceSession(model_path, sess_options=options,
                                   providers=["CPUExecutionProvider"])
    return Session(session, "cpu", warning)
