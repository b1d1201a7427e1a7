"""Test setup: Qt offscreen, real data when ../shared/data is beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if "RESVIZ_DATA" not in os.environ and _shared.is_dir():
    os.environ["RESVIZ_DATA"] = str(_shared)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_user_folders(tmp_path_factory, monkeypatch):
    """Checkpoints and caches go to a temporary folder, never the real home."""
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(home / "checkpoints"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # failure logs
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
