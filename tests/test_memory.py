"""Memory freed after a burst of work goes back to the system."""

from __future__ import annotations

import io
import sys

import pytest
from proc_helpers import rss_mb

from desktop_app import memory
from desktop_app.extraction import ReadJob, ReadResult, recv_frame, send_frame, serve


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_trimming_returns_what_was_freed_below_live_memory():
    burst = [bytes(1000) + i.to_bytes(4, "little") for i in range(200_000)]  # ~200 MB
    pin = [bytes(1000) + b"pin" for _ in range(100)]  # allocated above the burst
    del burst
    before = rss_mb()
    assert memory.trim()
    after = rss_mb()
    assert before - after > 100, (before, after)
    assert len(pin) == 100


def test_the_extraction_loop_runs_its_clean_up_after_every_answer():
    inp, out = io.BytesIO(), io.BytesIO()
    for seq in range(3):
        send_frame(inp, (seq, ReadJob(f"/f{seq}.txt", 1, 1, "tok.json", 256)))
    inp.seek(0)
    events: list[str] = []

    def handle(job: ReadJob) -> ReadResult:
        events.append(f"read {job.path}")
        return ReadResult("skipped", "empty file")

    assert serve(handle, inp, out, after=lambda: events.append("clean up")) == 0
    assert events == ["read /f0.txt", "clean up", "read /f1.txt", "clean up",
                      "read /f2.txt", "clean up"]
    out.seek(0)
    answers = [recv_frame(out) for _ in range(3)]
    assert [seq for seq, _ in answers] == [0, 1, 2]
    assert recv_frame(out) is None
