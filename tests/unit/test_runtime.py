"""Process tuning for streaming runs: the collector is restored, malloc tuning is opt-out."""

from __future__ import annotations

import gc
import platform
import sys

import pytest

from sigmaq.core.runtime import GC_THRESHOLD, streaming_gc, tune_malloc


def test_streaming_gc_tunes_the_body_and_restores_the_collector() -> None:
    before = gc.get_threshold()
    assert before != GC_THRESHOLD
    with streaming_gc():
        assert gc.get_threshold() == GC_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_streaming_gc_restores_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), streaming_gc():
        raise RuntimeError("a bad file")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_malloc_tuning_applies_on_glibc_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"):
        monkeypatch.delenv(name, raising=False)
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert tune_malloc() is glibc


def test_a_users_malloc_variables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TOP_PAD_", "0")
    assert tune_malloc() is False
