"""The Convolution lab with absurd numbers typed in, and at the window sizes people use.

Typed weights are refused beyond ±1e6 with a message (the last good kernel stays);
within it every product, sum and plot stays finite and short. Nothing may widen the
window, raise in pyqtgraph, or warn; nothing may be cut off at 1280×820 or 900×600.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from clipping import clipped
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from resviz.qt.main_window import MainWindow


def _settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


@pytest.fixture
def lab_window(qtbot):
    """The real main window at 1280×820 on the Convolution lab, its first digit loaded."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1280, 820)
    window.show()
    lab = window.panel("Convolution lab")
    window.tabs.setCurrentWidget(lab)
    qtbot.waitUntil(lambda: lab.conv2d.inputs.image is not None, timeout=60_000)
    _settle(qtbot)
    assert window.width() == 1280
    yield window, lab
    window.state.stop_all(5000)
    QThreadPool.globalInstance().waitForDone(60_000)


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    assert not caught, [f"{w.filename}:{w.lineno}: {w.message}" for w in caught]


@pytest.mark.parametrize("typed", [["1e308"], ["-1e308"], ["1e200", "1e200", "1e200"], ["1000001"], ["1e6000"]])
def test_absurd_weights_are_refused_and_never_widen_the_window(qtbot, lab_window, no_warnings, typed):
    window, lab = lab_window
    kernels, view = lab.conv2d.kernels, lab.conv2d
    good_map = view.map_card.grid.mosaic().copy()
    for column, text in enumerate(typed):
        kernels.set_cell(0, column, text)
        _settle(qtbot)
        assert window.width() == 1280
    assert "is too large" in kernels.error_text or "not a finite number" in kernels.error_text
    assert "last good kernel is still in use" in kernels.error_text
    np.testing.assert_array_equal(view.map_card.grid.mosaic(), good_map)  # still the vertical edge's map
    assert np.isfinite(view.result.feature_map).all()


def test_the_largest_weights_allowed_give_finite_short_numbers(qtbot, lab_window, no_warnings):
    window, lab = lab_window
    kernels, view = lab.conv2d.kernels, lab.conv2d
    kernels.size_box.setCurrentIndex(1)  # 5×5
    for row in range(5):
        for col in range(5):
            kernels.set_cell(row, col, "1e6" if (row + col) % 2 else "-1e6")
    view.dilation.setValue(3)
    view.padding_box.setCurrentIndex(view.padding_box.findData(4))
    view.stride.setValue(4)
    _settle(qtbot)
    assert not kernels.error_text and np.abs(kernels.kernel).max() == 1e6
    assert np.isfinite(view.result.feature_map).all() and np.abs(view.result.feature_map).max() > 1e5
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", view.products.text())
    assert cells and max(len(cell) for cell in cells) <= 9, cells  # 2.50e+07, never 300 digits
    assert re.search(r"Σ =</td><td[^>]*><b>-?[0-9.]+e[+-][0-9]+</b>", view.products.text())
    assert window.width() == 1280 and not clipped(window)


def test_one_d_weights_beyond_the_limit_are_refused_and_the_verdict_follows_the_numbers(qtbot, lab_window, no_warnings):
    window, lab = lab_window
    lab.show_view(lab.conv1d)
    view = lab.conv1d
    qtbot.waitUntil(lambda: view.result is not None, timeout=60_000)
    view.kernel_text.setText("1e308, 1e308, 1e308")
    _settle(qtbot)
    assert view.kernel_error.isVisible() and "is too large" in view.kernel_error.text()
    assert window.width() == 1280
    view.kernel_text.setText("1e6, -1e6, 1e6")
    _settle(qtbot)
    assert not view.kernel_error.isVisible() and np.isfinite(view.result.direct).all()
    assert "nan" not in view.check.text()
    assert ("Equal to machine precision" in view.check.text()) == view.result.equal_to_machine_precision
    assert window.width() == 1280 and not clipped(window)


def test_shapes_calculator_with_dilation_shows_f_d_on_its_own_line(qtbot, lab_window):
    _, lab = lab_window
    lab.show_view(lab.shapes)
    shapes = lab.shapes
    shapes.fields["d"].setValue(2)  # seed 001 CONV 1: 28×28, f 5, p 2
    text = shapes.summary.text()
    assert "f_d = d(f−1)+1 = 2·(5−1)+1 = 9<br>n_H = n_W = ⌊(n + 2p − f_d)/s⌋ + 1" in text
    assert "= f_d" not in text and text.count("= 24") == 1  # (28 + 4 − 9)/1 + 1 = 24
    shapes.fields["n_w"].setValue(30)
    text = shapes.summary.text()
    assert "n_H = ⌊" in text and "n_W = ⌊(n + 2p − f_d)/s⌋ + 1 = ⌊(30 + 2·2 − 9)/1⌋ + 1 = ⌊25/1⌋ + 1 = 26" in text
    assert text.count("f_d = d(f−1)") == 1


def test_the_largest_shapes_and_typed_overflow_keep_the_window(qtbot, lab_window, no_warnings):
    window, lab = lab_window
    lab.show_view(lab.shapes)
    for spin in lab.shapes.fields.values():
        spin.lineEdit().selectAll()
        qtbot.keyClicks(spin.lineEdit(), "999999999999")  # the spin box refuses what is over its maximum
        spin.setValue(spin.maximum())
    _settle(qtbot)
    assert "No output" not in lab.shapes.summary.text()
    assert window.width() == 1280 and not clipped(window)


@pytest.mark.parametrize("size", [(1280, 820), (900, 600)])
def test_nothing_in_the_lab_is_cut_off(qtbot, size):
    """The lab alone in the main window (the other tabs have their own minimum sizes), every view."""
    window = MainWindow()
    qtbot.addWidget(window)
    lab = window.panel("Convolution lab")
    for index in reversed(range(window.tabs.count())):
        if window.tabs.widget(index) is not lab:
            window.tabs.removeTab(index)
    window.resize(*size)
    window.show()
    qtbot.waitUntil(lambda: lab.conv2d.inputs.image is not None, timeout=60_000)
    view = lab.conv2d
    for setting in ({}, {"dilation": 3, "kernel": "5×5"}):
        if setting:
            view.kernels.size_box.setCurrentIndex(1)
            view.dilation.setValue(setting["dilation"])
        for page in (view, lab.shapes, lab.conv1d, lab.resampling):
            lab.show_view(page)
            if page is lab.conv1d:
                qtbot.waitUntil(lambda: lab.conv1d.result is not None, timeout=60_000)
            _settle(qtbot)
            assert (window.width(), window.height()) == size
            assert not clipped(lab), (type(page).__name__, setting)
    window.state.stop_all(5000)
    QThreadPool.globalInstance().waitForDone(60_000)


def test_numbers_on_a_small_map_show_only_when_they_fit_their_cells(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    lab = window.panel("Convolution lab")
    for index in reversed(range(window.tabs.count())):
        if window.tabs.widget(index) is not lab:
            window.tabs.removeTab(index)
    window.resize(1280, 820)
    window.show()
    qtbot.waitUntil(lambda: lab.conv2d.inputs.image is not None, timeout=60_000)
    view = lab.conv2d
    view.kernels.size_box.setCurrentIndex(1)
    view.dilation.setValue(3)  # 28 → 16 → pooled 8×8: 64 numbers
    _settle(qtbot)
    pooled = view.numbers[view.pool_card]
    assert view.result.pooled.shape == (8, 8) and pooled.visible_count() == 64
    window.resize(900, 600)
    _settle(qtbot)
    assert pooled.visible_count() == 0  # ~18 px cells: "0.00" would overlap its neighbours
    window.resize(1280, 820)
    qtbot.waitUntil(lambda: pooled.visible_count() == 64, timeout=2000)  # a wrapped formula re-lays out once more
    window.state.stop_all(5000)
    QThreadPool.globalInstance().waitForDone(60_000)
