"""The Convolution lab tab: seeds 000, 001 and 004's operations, made interactive on real digits.

Four views share one tab: the 2-D pipeline (input, kernel, padding/stride/dilation,
step-through, ReLU, pooling, flattening), the shapes and parameters calculator, 1-D
convolution three ways, and down-/up-sampling. All maths is in ``core.analysis``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QTabWidget, QVBoxLayout, QWidget

from ..base import Panel
from .conv1d_view import Conv1dView
from .conv2d_view import Conv2dView
from .resampling_view import ResamplingView
from .shapes_view import ShapesView


class ConvLabPanel(Panel):
    title = "Convolution lab"
    description = ("Slide a kernel over a real digit: padding, stride, dilation, the output-size "
                   "formula, ReLU, pooling, 1-D convolution as a circulant matrix and through the FFT.")

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.conv2d = Conv2dView(state)
        self.shapes = ShapesView()
        # the 1-D view (a dozen plots, ~0.25 s to build) is made when first opened: the
        # app's start waits for every tab's construction
        self._conv1d: Conv1dView | None = None
        self._conv1d_page = QWidget()
        QVBoxLayout(self._conv1d_page).setContentsMargins(0, 0, 0, 0)
        self.resampling = ResamplingView(self.conv2d)
        self.views = QTabWidget()
        self.views.addTab(self.conv2d, "2-D convolution")
        self.views.addTab(self.shapes, "Shapes && parameters")
        self.views.addTab(self._conv1d_page, "1-D, circulant, FFT")
        self.views.addTab(self.resampling, "Down- && up-sampling")
        for index, tip in enumerate([
            "Seeds 000/001: a kernel sliding over the image, padding, stride, dilation, ReLU, pooling.",
            "Seed 000's notation summary and seed 001's fully connected comparison.",
            "Seed 004: 1-D convolution, the circulant matrix C(w) and the Fourier view.",
            "Seed 004: sub-sampling, max and mean pooling; duplication, max unpooling, bilinear.",
        ]):
            self.views.setTabToolTip(index, tip)
        self.save_button = QPushButton("Save PNG…")
        self.save_button.setToolTip("Save the view on screen as a PNG image.")
        self.save_button.clicked.connect(self._save_dialog)
        self.views.setCornerWidget(self.save_button)
        self.views.currentChanged.connect(self._on_view_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.views)

    @property
    def conv1d(self) -> Conv1dView:
        if self._conv1d is None:
            self._conv1d = Conv1dView()
            self._conv1d_page.layout().addWidget(self._conv1d)
        return self._conv1d

    def show_view(self, view) -> None:
        self.views.setCurrentWidget(self._conv1d_page if view is self._conv1d else view)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.conv2d.inputs.activate()  # the first test image loads when the lab is first opened
        self._on_view_changed()

    def _on_view_changed(self, _index: int | None = None) -> None:
        if self.views.currentWidget() is self._conv1d_page:
            self.conv1d.activate()

    def export_png(self, path: str) -> None:
        """Save the current view (what is on screen under the view tabs)."""
        if not self.views.currentWidget().grab().save(path):
            raise OSError(f"Could not write {path}")

    def _save_dialog(self) -> None:
        name = self.views.tabText(self.views.currentIndex()).replace("&&", "and").replace(",", "")
        suggested = "conv_lab_" + "_".join(name.lower().split()) + ".png"
        path, _ = QFileDialog.getSaveFileName(self, "Save PNG", suggested, "PNG images (*.png)")
        if path:
            try:
                self.export_png(path)
            except OSError as error:
                QMessageBox.warning(self, "Cannot save", str(error))
