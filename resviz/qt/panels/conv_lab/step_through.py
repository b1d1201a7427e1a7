"""Step through the kernel's windows: controls, and the patch ⊙ kernel = products → Σ view.

As CNN Explainer's elastic view, on the real image: at each position the window's
values, the kernel, their element-wise products and the sum that becomes one pixel of
the feature map. Taps that fall on the zero padding are shown in grey.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QWidget

from ....core.analysis.convolution import ConvWindow
from .tips import TIPS


class StepControls(QWidget):
    """First / back / play-pause / forward, and a slider over every window position."""

    step_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.first_button = QPushButton("|◀")
        self.back_button = QPushButton("◀")
        self.play_button = QPushButton("▶ Play")
        self.next_button = QPushButton("▶|")
        for button, tip in [(self.first_button, "First window"), (self.back_button, "Previous window"),
                            (self.play_button, TIPS["play"]), (self.next_button, "Next window")]:
            button.setToolTip(tip)
            button.setFixedWidth(72 if button is self.play_button else 36)
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=0)
        self.slider.setToolTip(TIPS["step"])
        self.speed = QSpinBox(minimum=1, maximum=60, value=8, suffix=" steps/s")
        self.speed.setToolTip("How fast Play slides the kernel.")
        self.position = QLabel()
        # the widest it gets (a 256×256 input), so the text never overflows as the window moves
        self.position.setMinimumWidth(self.position.fontMetrics().horizontalAdvance("window 65536/65536 → [255, 255]"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.first_button, self.back_button, self.play_button, self.next_button):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.position)
        layout.addWidget(self.speed)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._advance)
        self.first_button.clicked.connect(lambda: self.slider.setValue(0))
        self.back_button.clicked.connect(lambda: self.slider.setValue(self.slider.value() - 1))
        self.next_button.clicked.connect(lambda: self.slider.setValue(self.slider.value() + 1))
        self.play_button.clicked.connect(self.toggle_play)
        self.speed.valueChanged.connect(lambda v: self.timer.setInterval(int(1000 / v)))
        self.slider.valueChanged.connect(self.step_changed)

    @property
    def step(self) -> int:
        return self.slider.value()

    def set_count(self, steps: int) -> None:
        """The number of window positions (0 when there is no output)."""
        self.slider.blockSignals(True)
        self.slider.setMaximum(max(steps - 1, 0))
        self.slider.blockSignals(False)
        self.setEnabled(steps > 0)
        if steps == 0:
            self.pause()

    def set_position_text(self, text: str) -> None:
        self.position.setText(text)

    def toggle_play(self) -> None:
        if self.timer.isActive():
            self.pause()
        else:
            if self.slider.value() >= self.slider.maximum():
                self.slider.setValue(0)
            self.timer.start(int(1000 / self.speed.value()))
            self.play_button.setText("⏸ Pause")

    def pause(self) -> None:
        self.timer.stop()
        self.play_button.setText("▶ Play")

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def _advance(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.pause()
        else:
            self.slider.setValue(self.slider.value() + 1)


def _number(value: float) -> str:
    """At most 8 characters, whatever the value: a table cell must not widen the window."""
    return compact_number(value, decimals=2)


def compact_number(value: float, decimals: int = 2) -> str:
    """1, -3, 0.25, or 2.5e+07: short whatever the magnitude (ints below 100,000 in full)."""
    if not np.isfinite(value):
        return str(value)  # nan / inf, as numpy prints them
    if abs(value) >= 1e5:
        return f"{value:.{decimals}e}"
    if abs(value - round(value)) < 1e-9:
        return str(int(round(value)))
    return f"{value:.{decimals}f}"


def _sum_text(total: float) -> str:
    """Σ with three decimals, or in powers of ten when it is too long for that."""
    return f"{total:.3f}" if abs(total) < 1e5 else f"{total:.3e}"


def _cell(value: float, scale, padding: bool, diverging: bool) -> str:
    """One table cell, coloured by value: red +, blue − (kernel, products), or the input view's
    grey levels (the patch: ``scale`` is the image's (low, high), low black, high white)."""
    if padding:
        return "<td style='background:#eeeeee; color:#999999;'><i>0</i></td>"
    if diverging:
        t = min(abs(value) / scale, 1.0) if scale > 0 else 0.0
        strong = (214, 39, 40) if value >= 0 else (31, 119, 180)
        rgb = tuple(int(255 + (s - 255) * t * 0.85) for s in strong)
    else:
        low, high = scale
        level = int(255 * min(max((value - low) / (high - low), 0.0), 1.0)) if high > low else 128
        rgb = (level, level, level)
    colour = "#ffffff" if sum(rgb) < 330 else "#111111"
    return (f"<td style='background:rgb{rgb}; color:{colour};'>{_number(value)}</td>")


def _table(values: np.ndarray, padding: np.ndarray, diverging: bool, title: str, scale=None) -> str:
    if scale is None:
        scale = float(np.abs(values).max()) or 1.0
    rows = "".join("<tr>" + "".join(_cell(float(values[r, c]), scale, bool(padding[r, c]), diverging)
                                    for c in range(values.shape[1])) + "</tr>"
                   for r in range(values.shape[0]))
    return (f"<table cellspacing='0' cellpadding='3' style='border:1px solid #999;'>"
            f"<tr><td colspan='{values.shape[1]}' style='text-align:center;'><b>{html.escape(title)}"
            f"</b></td></tr>{rows}</table>")


class WindowProductsView(QLabel):
    """patch ⊙ kernel = products → Σ, as coloured number tables."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setToolTip(TIPS["step"])
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setStyleSheet("font-size: 10pt;")

    def show_window(self, window: ConvWindow, kernel: np.ndarray, image: np.ndarray) -> None:
        height, width = image.shape
        image_range = (float(image.min()), float(image.max()))
        on_padding = ~((window.rows[:, None] >= 0) & (window.rows[:, None] < height)
                       & (window.cols[None, :] >= 0) & (window.cols[None, :] < width))
        none = np.zeros_like(on_padding)
        big = "style='font-size:16pt; padding:0 6px;'"
        self.setText(
            "<table><tr>"
            f"<td>{_table(window.patch, on_padding, False, 'input window', image_range)}</td>"
            f"<td {big}>⊙</td><td>{_table(kernel, none, True, 'kernel')}</td>"
            f"<td {big}>=</td><td>{_table(window.products, on_padding, True, 'products')}</td>"
            f"<td {big}>→ Σ =</td><td style='font-size:16pt;'><b>{_sum_text(window.total)}</b><br>"
            f"<span style='font-size:9pt;'>feature map[{window.out_row}, {window.out_col}]</span></td>"
            "</tr></table>")
        self.setMinimumSize(self.sizeHint())  # in its scroll area: scroll to what does not fit, never cut it

    def show_message(self, text: str) -> None:
        self.setText(f"<i>{html.escape(text)}</i>")
