"""Draw & classify with files: open or drop a PNG/JPEG of a digit, save the drawing as PNG."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from resviz.core.analysis.preprocess import canvas_to_mnist, mnist_to_canvas
from resviz.core.data import load_dataset
from resviz.qt.panels.draw import DrawPanel
from resviz.qt.state import AppState


@pytest.fixture(scope="module")
def test_digit():
    return load_dataset("mnist", download=False).test_images[0].numpy()


@pytest.fixture
def panel(qtbot):
    widget = DrawPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(1100, 650)
    widget.show()
    return widget


def _scan(digit: np.ndarray, path) -> np.ndarray:
    """The digit as dark ink on a white page, 300×200, saved as an RGB PNG; returns the page."""
    page = 1.0 - mnist_to_canvas(digit, (200, 300), digit_size=150, centre=(90, 200))
    rgb = np.repeat((page * 255).round().astype(np.uint8)[..., None], 3, axis=-1)
    Image.fromarray(rgb, "RGB").save(path)
    return page


def _same_digit(a: np.ndarray, b: np.ndarray) -> None:
    """Two 28×28 inputs that differ only by resampling (the canvas is 8-bit, 280×280)."""
    assert np.abs(a - b).mean() < 0.01 and np.abs(a - b).max() < 0.15


def test_open_image_puts_the_inverted_digit_on_the_canvas(panel, qtbot, tmp_path, test_digit):
    page = _scan(test_digit, tmp_path / "scan.png")
    assert panel.open_image(str(tmp_path / "scan.png"))
    _same_digit(canvas_to_mnist(panel.canvas.array()), canvas_to_mnist(1.0 - page))
    assert "scan.png (300×200, dark on light, so inverted" in panel.canvas_note.text()
    qtbot.waitUntil(lambda: panel.state.input_source == "drawing", timeout=5_000)  # every panel gets it


def test_an_unreadable_file_gets_a_message_and_the_drawing_stays(panel, tmp_path):
    panel.canvas.set_array(mnist_to_canvas(np.eye(28, dtype=np.float32), 280))
    before = panel.canvas.array().copy()
    (tmp_path / "letter.png").write_text("Dear resviz, ...")
    assert not panel.open_image(str(tmp_path / "letter.png"))
    assert "Cannot open it: letter.png is not an image resviz can read" in panel.canvas_note.text()
    np.testing.assert_array_equal(panel.canvas.array(), before)


def _drag_events(mime: QMimeData, point):
    """A drag entering the canvas and the drop that ends it, as Qt delivers them."""
    enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    return enter, drop


def test_dropping_a_file_on_the_canvas_opens_it(panel, tmp_path, test_digit):
    """Qt delivers a synthetic drop only inside a real drag, so the canvas's handlers are called as Qt would."""
    _scan(test_digit, tmp_path / "dropped.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "dropped.png"))])
    enter, drop = _drag_events(mime, panel.canvas.rect().center().toPointF())
    panel.canvas.dragEnterEvent(enter)
    assert enter.isAccepted()
    panel.canvas.dropEvent(drop)
    assert drop.isAccepted()
    assert "dropped.png" in panel.canvas_note.text() and panel.canvas.array().max() > 0.9
    text = QMimeData()
    text.setText("not a file")
    enter, _ = _drag_events(text, panel.canvas.rect().center().toPointF())
    enter.ignore()
    panel.canvas.dragEnterEvent(enter)
    assert not enter.isAccepted()  # only files may be dropped


def test_save_drawing_writes_the_canvas_and_it_opens_again(panel, tmp_path, test_digit):
    panel.canvas.set_array(test_digit)
    assert panel.save_drawing(str(tmp_path / "mine"))  # .png is added
    saved = np.asarray(Image.open(tmp_path / "mine.png"))
    assert saved.shape == (280, 280) and saved.dtype == np.uint8
    np.testing.assert_array_equal(saved, (panel.canvas.array() * 255).round().astype(np.uint8))
    drawn = canvas_to_mnist(panel.canvas.array())
    panel.canvas.clear()
    assert panel.open_image(str(tmp_path / "mine.png"))
    assert "light on dark" in panel.canvas_note.text()
    _same_digit(canvas_to_mnist(panel.canvas.array()), drawn)
    assert not panel.save_drawing("/proc/nope/mine.png") and "Could not write" in panel.canvas_note.text()


def test_the_buttons_are_there(panel):
    assert panel.open_button.text() == "Open image…" and panel.save_button.text() == "Save drawing…"
    assert panel.canvas.acceptDrops()
