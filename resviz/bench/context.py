"""What every benchmark is given: the device, how thorough to be, the data, a log."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..core.data import Dataset, load_dataset
from ..core.devices import device_name, resolve_device, threads_text


@dataclass
class BenchContext:
    device: torch.device
    quick: bool = False  # CI smoke: fewer seeds and images, same code paths
    data_dir: str | None = None
    seeds: int | None = None  # overrides the number of seeds of the seeded benchmarks
    max_train: int | None = None  # caps every run's training images (tests); None: what each bench needs
    max_test: int | None = None  # caps the test images
    verbose: bool = True
    cache: dict = field(default_factory=dict)  # results two benchmarks share (one run, two rows)
    _data: Dataset | None = field(default=None, repr=False)

    @classmethod
    def create(cls, device: str = "auto", **options) -> BenchContext:
        return cls(resolve_device(device), **options)

    @property
    def on_gpu(self) -> bool:
        return self.device.type == "cuda"

    @property
    def device_name(self) -> str:
        if self.on_gpu:
            return device_name(self.device)
        return f"{_cpu_model()} ({threads_text(torch.get_num_threads(), 'torch thread')})"

    def mnist(self) -> Dataset:
        """MNIST on the CPU, loaded once and cut to the caps (each benchmark moves what it needs)."""
        if self._data is None:
            self._data = load_dataset("mnist", self.data_dir).subset(self.max_train, self.max_test)
        return self._data

    def data_summary(self) -> dict:
        """What the benchmarks ran on, for the report: a fallback or a cut must never pass for MNIST."""
        data = self.mnist()
        return {"title": data.title, "train": len(data.train_images), "test": len(data.test_images),
                "source": data.source, "note": data.note, "full_mnist": is_full_mnist(data)}

    def images(self, wanted: int | None) -> int | None:
        """``wanted`` training images (None: all), within ``max_train``."""
        if self.max_train is None:
            return wanted
        return self.max_train if wanted is None else min(wanted, self.max_train)

    def seed_count(self, full: int, quick: int) -> int:
        return self.seeds or (quick if self.quick else full)

    def log(self, text: str) -> None:
        if self.verbose:
            print(f"  {text}", file=sys.stderr, flush=True)


FULL_MNIST = (60_000, 10_000)  # train, test


def is_full_mnist(data: Dataset) -> bool:
    """All of MNIST: the data the accuracy targets (99%, 99.6%) are about."""
    return data.key == "mnist" and data.note is None and (len(data.train_inputs), len(data.test_inputs)) == FULL_MNIST


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"CPU {line.split(':', 1)[1].strip()}"
    except OSError:
        pass
    return f"CPU {platform.processor() or platform.machine()}"


def sync(device: torch.device) -> None:
    """Wait for queued GPU work, so a clock read after it measures the work itself."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
