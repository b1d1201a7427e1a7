"""Datasets the panels share, each loaded once per set of options; safe from any thread."""

from __future__ import annotations

import threading

from .data import Dataset, load_dataset


def dataset_key(key: str, options: dict) -> str:
    return key if not options else f"{key}:{sorted(options.items())}"


class DatasetCache:
    def __init__(self, data_dir: str | None = None):
        self.data_dir = data_dir
        self._datasets: dict[str, Dataset] = {}
        self._lock = threading.Lock()  # two panels asking at once load it once

    def get(self, key: str = "mnist", progress=None, **options) -> Dataset:
        """The dataset on the CPU (may raise DatasetUnavailable); ``options`` are a dataset's own."""
        cache_key = dataset_key(key, options)
        with self._lock:
            if cache_key not in self._datasets:
                self._datasets[cache_key] = load_dataset(key, self.data_dir, progress=progress, **options)
            return self._datasets[cache_key]

    def use_data_dir(self, data_dir: str | None) -> None:
        """Look in ``data_dir`` from now on; what was loaded from elsewhere (a fallback) is dropped."""
        with self._lock:
            self.data_dir = data_dir
            self._datasets.clear()

    def loaded(self, key: str, **options) -> Dataset | None:
        """The dataset if it is loaded already, else None (nothing is loaded)."""
        return self._datasets.get(dataset_key(key, options))

    def put(self, key: str, dataset: Dataset, **options) -> None:
        """Use ``dataset`` for ``key`` from now on (a test's smaller copy, a dataset made elsewhere)."""
        self._datasets[dataset_key(key, options)] = dataset
