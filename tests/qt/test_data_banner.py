"""Without MNIST the Training tab says so above its form and gets it: a chosen folder, remembered (issue 19)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from resviz.qt.main_window import MainWindow
from resviz.qt.settings import Settings

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")


@pytest.fixture
def no_mnist(monkeypatch, tmp_path):
    """Nowhere to find MNIST: no RESVIZ_DATA, an empty cache."""
    monkeypatch.delenv("RESVIZ_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _fake_mnist(root: Path) -> Path:
    """The four files' names in torchvision's layout (the banner looks, it does not read them)."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in FILES:
        with gzip.open(raw / name, "wb") as file:
            file.write(b"\0")
    return raw


def _window(qtbot, path) -> MainWindow:
    window = MainWindow(settings=Settings(path / "settings.json"))
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    return window


def test_without_mnist_a_banner_says_what_runs_train_on_and_offers_both_ways(qtbot, no_mnist):
    window = _window(qtbot, no_mnist)
    banner = window.data_banner
    assert banner.isVisible()
    assert "5,000 MNIST digits" in banner.text.text() and "60,000" in banner.text.text()
    assert banner.choose_button.isVisible() and banner.download_button.isVisible()
    training = window.panel("Training")
    assert window.tabs.currentWidget() is training and training.isAncestorOf(banner)  # where runs are set up
    form = training.model_box.mapTo(training, training.model_box.rect().topLeft())
    assert banner.mapTo(training, banner.rect().bottomLeft()).y() < form.y()  # above the form, not over it
    for button in (banner.choose_button, banner.download_button):
        assert button.fontMetrics().horizontalAdvance(button.text()) < button.width()  # the words whole


def test_a_folder_without_mnist_is_refused_with_what_was_expected(qtbot, no_mnist):
    window = _window(qtbot, no_mnist)
    assert not window.data_banner.use_folder(str(no_mnist))
    assert "MNIST/raw/" in window.data_banner.text.text() and window.data_banner.isVisible()


def test_choosing_the_raw_folder_finds_mnist_hides_the_banner_and_is_remembered(qtbot, no_mnist):
    raw = _fake_mnist(no_mnist / "data")
    window = _window(qtbot, no_mnist)
    assert window.data_banner.use_folder(str(raw))  # MNIST/raw itself: its root is meant
    assert not window.data_banner.isVisible()
    assert window.state.data_dir == str(no_mnist / "data")
    window.close()
    again = _window(qtbot, no_mnist)  # the next launch looks there without asking
    assert again.state.data_dir == str(no_mnist / "data") and not again.data_banner.isVisible()


def test_offline_the_download_says_it_failed_and_what_to_do(qtbot, no_mnist):
    window = _window(qtbot, no_mnist)  # the tests run offline (RESVIZ_OFFLINE)
    banner = window.data_banner
    banner.download()
    qtbot.waitUntil(lambda: "download failed" in banner.text.text(), timeout=30_000)
    assert banner.download_button.isEnabled() and banner.isVisible()
    assert not (no_mnist / "cache" / "resviz" / "data" / "MNIST" / "raw" / FILES[0]).exists()
    shutil.rmtree(no_mnist / "cache", ignore_errors=True)
