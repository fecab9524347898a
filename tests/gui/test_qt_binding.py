"""The Qt binding itself: a release with a reference-counting bug in signal emission aborts
the app after a few hundred signals (PySide6 6.12.0 did; pyproject.toml excludes it)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    number = Signal(int)
    flag = Signal(bool)


def test_emitting_signals_leaves_pythons_true_and_false_alone():
    emitter = _Emitter()
    received: list[object] = []
    emitter.number.connect(received.append)
    emitter.flag.connect(received.append)
    trues, falses = sys.getrefcount(True), sys.getrefcount(False)
    for i in range(200):
        emitter.number.emit(i)
        emitter.flag.emit(i % 2 == 0)
    held_true = sum(1 for x in received if x is True)
    held_false = sum(1 for x in received if x is False)
    assert len(received) == 400
    # a leaking binding loses one reference per emit (400 here); allow for stray temporaries
    assert abs(sys.getrefcount(True) - held_true - trues) < 10, "emit() leaks True"
    assert abs(sys.getrefcount(False) - held_false - falses) < 10, "emit() leaks False"
