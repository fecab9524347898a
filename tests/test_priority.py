"""Indexing runs at background priority: the thread that lowers itself, and the threads it
starts afterwards, and no other thread (the window's, the searches')."""

from __future__ import annotations

import sys
import threading

import pytest
from proc_helpers import thread_nices

from desktop_app import priority
from desktop_app.embedding import MINILM, Encoder
from desktop_app.embedding import encoder as encoder_module

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="per-thread nice values are Linux's")


def _background_nice() -> int | None:
    """The nice value lowering should give, seen from the calling (test) thread: NICE, or the
    caller's own when it already runs lower (pytest itself started under ``nice``)."""
    own = priority.this_thread_nice()
    return None if own is None else max(priority.NICE, own)


def _in_thread(work):
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # re-raised on the test's thread
            box["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


@linux_only
def test_a_lowered_thread_and_the_threads_it_starts_run_at_background_priority():
    def work():
        before = priority.this_thread_nice()
        assert priority.lower_this_thread()
        child: dict[str, int | None] = {}
        t = threading.Thread(target=lambda: child.update(nice=priority.this_thread_nice()))
        t.start()
        t.join()
        return before, priority.this_thread_nice(), child["nice"]

    main_before = priority.this_thread_nice()
    before, after, child = _in_thread(work)
    assert before == main_before  # a new thread starts where its parent is
    assert after == _background_nice() >= before
    assert child == after
    assert priority.this_thread_nice() == main_before  # the caller's thread is untouched


@linux_only
def test_lowering_twice_keeps_the_background_priority():
    assert _in_thread(lambda: (priority.lower_this_thread(), priority.lower_this_thread(),
                               priority.this_thread_nice())[2]) == _background_nice()


def test_lowering_says_whether_it_worked_and_never_raises():
    assert isinstance(_in_thread(priority.lower_this_thread), bool)


@linux_only
def test_documents_run_on_a_session_whose_workers_share_the_indexing_threads_priority(
        model_dir):
    encoder = Encoder(model_dir, MINILM, threads=2)
    assert encoder.separate_sessions
    encoder.embed_query("a query first: its session is the caller's")
    chunks = [t.ids for t in encoder.tokenize(["Some words to embed as a document."])]
    known = set(thread_nices())

    def index():
        priority.lower_this_thread()
        return encoder.embed_documents([chunks])[0]

    vectors = _in_thread(index)
    assert vectors.shape == (1, MINILM.dim)
    nices = thread_nices()
    new = set(nices) - known
    assert new, "the document session started worker threads of its own"
    assert {nices[tid][1] for tid in new} == {_background_nice()}
    assert encoder.document_session is not encoder.session


def test_query_and_document_vectors_are_the_same_on_separate_or_shared_sessions(
        model_dir, monkeypatch):
    text = ["Plants use sunlight, water and carbon dioxide to make glucose."]
    separate = Encoder(model_dir, MINILM)
    monkeypatch.setattr(encoder_module, "SEPARATE_DOCUMENT_SESSION_BYTES", 0)
    shared = Encoder(model_dir, MINILM)
    assert separate.separate_sessions and not shared.separate_sessions
    assert shared.document_session is shared.session
    vectors = [(enc.embed_documents([[t.ids for t in enc.tokenize(text)]])[0][0],
                enc.embed_query("how do plants make sugar")) for enc in (separate, shared)]
    for a, b in zip(*vectors):
        assert abs(float(a @ b) - 1.0) < 1e-4


def test_releasing_the_document_session_frees_it_and_the_next_batch_makes_a_new_one(
        model_dir):
    encoder = Encoder(model_dir, MINILM)
    chunks = [t.ids for t in encoder.tokenize(["One passage.", "Another passage."])]
    first = encoder.embed_documents([chunks])[0]
    old = encoder.document_session
    encoder.release_document_session()
    assert encoder._document_session is None
    again = encoder.embed_documents([chunks])[0]
    assert encoder.document_session is not old
    assert abs(float(first[0] @ again[0]) - 1.0) < 1e-5


def test_the_window_process_switches_threads_every_millisecond():
    before = priority.favour_responsiveness()
    try:
        assert sys.getswitchinterval() == pytest.approx(priority.SWITCH_INTERVAL_S)
        assert priority.SWITCH_INTERVAL_S < 0.005  # Python's default
    finally:
        sys.setswitchinterval(before)
