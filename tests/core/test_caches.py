"""The caches the window's panels share: the last few model replicas, each dataset loaded once."""

from __future__ import annotations

import threading
import time

import numpy as np

from resviz.core import dataset_cache
from resviz.core.dataset_cache import DatasetCache
from resviz.core.events import Snapshot
from resviz.core.model_cache import ModelCache


def _snapshot(step: int) -> Snapshot:
    return Snapshot(step, 1, "cnn", {}, {"w": np.zeros(1, np.float32)})


def test_the_model_cache_builds_once_and_keeps_the_most_recently_used():
    cache, built = ModelCache(kept=2), []
    snapshots = [_snapshot(i) for i in range(3)]

    def builder(i):
        return lambda: built.append(i) or f"replica {i}"

    assert cache.get("run1", snapshots[0], builder(0)) == "replica 0"
    assert cache.get("run1", snapshots[0], builder(0)) == "replica 0" and built == [0]  # built once
    cache.get("run1", snapshots[1], builder(1))
    cache.get("run1", snapshots[0], builder(0))  # used again: now the newest
    cache.get("run2", snapshots[2], builder(2))  # one too many: the least recently used (1) goes
    assert len(cache) == 2
    cache.get("run1", snapshots[1], builder(1))
    assert built == [0, 1, 2, 1]
    cache.forget("run1")
    assert len(cache) == 1  # run2's stays


def test_a_dataset_is_loaded_once_even_when_two_threads_ask_at_once(monkeypatch):
    loads = []

    def slow_load(key, data_dir, progress=None, **options):
        loads.append((key, options))
        time.sleep(0.2)
        return f"{key} {options}"

    monkeypatch.setattr(dataset_cache, "load_dataset", slow_load)
    cache = DatasetCache()
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("mnist"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["mnist {}", "mnist {}"] and loads == [("mnist", {})]
    assert cache.loaded("fashion") is None and cache.loaded("mnist") == "mnist {}"
    assert cache.get("folder", path="/a") != cache.get("folder", path="/b")  # each set of options its own
