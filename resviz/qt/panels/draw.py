"""Draw & classify: draw a digit (or pick a test item), see what the network makes of it.

For a digit model the input is a drawing: it goes through ``canvas_to_mnist`` (crop,
scale to 20 px, centre by mass: what MNIST did to its digits) and the 28x28 result,
which is exactly what the network receives, is shown beside the canvas. A model of
things nobody draws with a mouse (Fashion-MNIST's clothes, colour photos) gets a test
item picker instead, with the item's true label. The class probabilities come from
the shown classifier run's replica, the model training right now (or of an opened
checkpoint), so they change as the model learns; the bars are named by its classes.
"Why this answer" shows where the evidence for a class lies (HiResCAM, Grad-CAM) or
which pixels matter most (gradient). The work runs off the GUI thread; only the
newest input is analysed.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGraphicsItem,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis.explain import InputAnalysis, analyse_input
from ...core.analysis.preprocess import PictureError, canvas_to_mnist, picture_to_canvas
from ...core.data import is_drawable
from ..background import BackgroundRunner, input_pool
from ..widgets.combo_fit import fit_longest, shrinkable
from ..widgets.digit_canvas import DigitCanvas
from ..widgets.picture_view import PictureView
from ..widgets.runs_list import dataset_text
from ..widgets.test_item_picker import TestItemPicker
from .base import Panel, classifies_images

NO_MODEL = "No model yet: train one (Training tab) or open a checkpoint (File ▸ Open)."
NOTHING_DRAWN = "Nothing drawn: draw a digit on the black canvas."
NO_ITEM = "Loading the test items…"
LONG_NAMES = 3  # class names longer than this get horizontal bars (Fashion-MNIST's "Ankle boot")
METHODS = {  # shown name -> (method, what it shows): short names fit the box, the rest is the item's tooltip
    "HiResCAM": ("hirescam", "Where the evidence is"),
    "Grad-CAM": ("gradcam", "Averaged gradients (often blurrier)"),
    "Gradient": ("gradient", "Which pixels matter"),
    "Off": ("off", "No explanation"),
}
BAR_COLOUR, TOP_COLOUR, TARGET_COLOUR = "#9db9d9", "#1f6fbf", "#f28e2b"


class DrawPanel(Panel):
    title = "Draw & classify"
    description = ("Draw a digit with the mouse: the bars show what the network, as trained so far, "
                   "thinks it is, and the heat map shows why.")
    updated = Signal()  # a new analysis is on screen

    shows = classifies_images

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.analysis: InputAnalysis | None = None
        self.drawing_mode = True  # False: the model's inputs are picked from its test set
        self._pending = False
        self._published: np.ndarray | None = None  # the last drawing given to state.set_input
        self._runner = BackgroundRunner(self, pool=input_pool())  # one stroke's jobs, one after the other
        self._test_runner = BackgroundRunner(self)
        self._items_runner = BackgroundRunner(self)
        self._rng = np.random.default_rng()
        self._classes: tuple[str, ...] = ()
        self._item: np.ndarray | None = None  # the picked test item (items mode)
        self._horizontal = False  # lying bars for long class names
        self._build()
        self._check_shown_model()
        self._set_classes(tuple(str(d) for d in range(10)))
        self._choose_mode()
        self.request_update()

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.canvas = DigitCanvas()
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the canvas (or right-click it)")
        self.random_button = QPushButton("Random test digit")
        self.random_button.setToolTip("Put a digit from the MNIST test set on the canvas, to compare with yours")
        self.brush = QSlider(Qt.Orientation.Horizontal, minimum=6, maximum=48, value=self.canvas.brush_size)
        self.brush.setToolTip("Brush size in canvas pixels (the canvas is 280x280; MNIST strokes are ~2 of 28)")
        self.brush_label = QLabel()
        self.canvas_note = QLabel(wordWrap=True)
        self.canvas_note.setStyleSheet("color: #555;")
        tools = QHBoxLayout()
        tools.addWidget(self.clear_button)
        tools.addWidget(self.random_button)
        tools.addWidget(QLabel("Brush"))
        tools.addWidget(self.brush, 1)
        tools.addWidget(self.brush_label)
        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addLayout(tools)
        left.addLayout(self._file_buttons())
        left.addWidget(self.canvas_note)

        self.items = TestItemPicker()
        self.items_note = QLabel(wordWrap=True)
        self.items_note.setStyleSheet("color: #555;")

        self.input_view = PictureView()
        self.input_view.setMinimumSize(150, 150)
        self.input_view.setToolTip("The drawing cropped, scaled to 20 px and centred by its centre of mass "
                                   "in 28x28, the way MNIST's digits were made: what the network receives.")
        self.explain_view = PictureView()
        self.explain_view.setMinimumSize(150, 150)
        self.method_box = shrinkable(QComboBox(), 9)  # "HiResCAM", "Grad-CAM", "Gradient" whole
        for name, (method, what) in METHODS.items():
            self.method_box.addItem(name, method)
            self.method_box.setItemData(self.method_box.count() - 1, what, Qt.ItemDataRole.ToolTipRole)
        self.method_box.setToolTip(
            "HiResCAM: how much each place in the last feature map adds to the class score.\n"
            "Grad-CAM: the same with each channel's gradient averaged over the map (often blurrier).\n"
            "Gradient: how strongly each input pixel would change the class score.")
        self.target_box = shrinkable(QComboBox(), 8)
        self.target_box.setToolTip("Which class to explain")
        views = QGridLayout()
        self.input_heading = _heading("What the network receives (28×28)")
        views.addWidget(self.input_heading, 0, 0)
        views.addWidget(_heading("Why this answer"), 0, 1)
        views.addWidget(self.input_view, 1, 0)
        views.addWidget(self.explain_view, 1, 1)
        explain_controls = QHBoxLayout()
        explain_controls.addWidget(self.method_box, 1)
        explain_controls.addWidget(QLabel("for"))
        explain_controls.addWidget(self.target_box, 1)  # never narrower than its longest entry (fit_longest)
        views.addLayout(explain_controls, 2, 1)

        self.answer = QLabel()
        self.answer.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b35900;")
        self.bars_plot = pg.PlotWidget(background="w")
        self.bars_plot.setMouseEnabled(x=False, y=False)
        self.bars_plot.hideButtons()
        self.bars_plot.setMenuEnabled(False)
        self.bars_plot.setYRange(0, 1, padding=0.02)
        self.bars_plot.setLabel("left", "probability")
        self.bars_plot.showGrid(y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush=BAR_COLOUR)
        self.bars_plot.addItem(self.bars)
        self.bars_plot.setMinimumHeight(180)
        for name in ("left", "bottom"):  # the axes (and the grid they draw) as pixmaps: the bars move on every stroke
            self.bars_plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

        right = QVBoxLayout()
        right.addLayout(views, 3)
        right.addWidget(self.answer)
        right.addWidget(self.message)
        right.addWidget(self.bars_plot, 2)
        right_widget = QWidget()
        right_widget.setLayout(right)
        self.draw_box = QGroupBox("Draw a digit")
        self.draw_box.setLayout(left)
        self.items_box = QGroupBox("Pick a test item")
        items_layout = QVBoxLayout(self.items_box)
        items_layout.addWidget(self.items, 1)
        items_layout.addWidget(self.items_note)
        self.left_stack = QStackedWidget()
        self.left_stack.addWidget(self.draw_box)
        self.left_stack.addWidget(self.items_box)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.left_stack, 5)
        layout.addWidget(right_widget, 6)
        self.items.chosen.connect(self._on_item)

        self.canvas.changed.connect(self.request_update)
        self.clear_button.clicked.connect(self._clear)
        self.random_button.clicked.connect(self.load_random_test_digit)
        self.brush.valueChanged.connect(self._on_brush)
        self.method_box.currentIndexChanged.connect(self.request_update)
        self.target_box.currentIndexChanged.connect(self.request_update)
        self._on_brush(self.brush.value())

    def on_shown_model_changed(self, *, newer_weights: bool = False) -> None:
        self._choose_mode()
        self.request_update()  # the probabilities follow the model even while the tab is hidden

    # --- drawing or picking -------------------------------------------------------------------
    def _choose_mode(self) -> None:
        """A canvas for digit models; a test item picker for models of things nobody draws."""
        run, replica = self.shown_run(), self.shown_replica()
        drawing = replica is None or (replica.takes_grey_digits and is_drawable(replica.dataset))
        self.drawing_mode = drawing
        self.left_stack.setCurrentWidget(self.draw_box if drawing else self.items_box)
        self.input_heading.setVisible(drawing)  # a picked item is shown as it is, left: no second copy
        self.input_view.setVisible(drawing)
        if not drawing:
            self.items_note.setText(f"{run.name} learned {dataset_text(run)}: pick one of its test "
                                    "items to see what the model makes of it.")
            self._items_runner.submit(self.state.dataset, run.dataset,
                                      **dict(run.settings.get("dataset_options") or {}),
                                      on_result=self.items.set_dataset,
                                      on_error=lambda m: self.items_note.setText(f"Could not load the test set: {m}"))

    def _on_item(self, image: np.ndarray, description: str) -> None:
        self._item = image
        self.request_update()

    def _file_buttons(self) -> QHBoxLayout:
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip("Put a PNG or JPEG of a digit on the canvas (or drop the file on it). "
                                    "Dark ink on a light page is inverted: MNIST's digits are light on black.")
        self.save_button = QPushButton("Save drawing…")
        self.save_button.setToolTip("Save the canvas as a PNG (white ink on black, 280×280)")
        self.open_button.clicked.connect(self._open_image_dialog)
        self.save_button.clicked.connect(self._save_drawing_dialog)
        self.canvas.file_dropped.connect(self.open_image)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        return row

    # --- image files ---------------------------------------------------------------------------
    def _open_image_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image of a digit", "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)")
        if path:
            self.open_image(path)

    def open_image(self, path: str) -> bool:
        """Put the digit in image file ``path`` on the canvas; a file that is no digit says why."""
        canvas_size = self.canvas.image_size()
        try:
            picture = picture_to_canvas(path, (canvas_size.height(), canvas_size.width()))
        except PictureError as error:
            self.canvas_note.setText(f"<span style='color:#c0392b'>Cannot open it: {escape(str(error))}</span>")
            return False
        self.canvas.set_array(picture.canvas)
        width, height = picture.source_size
        how = "dark on light, so inverted to light on black as in MNIST" if picture.inverted else "light on dark"
        self.canvas_note.setText(f"<span>{escape(Path(path).name)} ({width}×{height}, {how}), cropped, "
                                 "scaled and centred as MNIST's digits were.</span>")
        return True

    def _save_drawing_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save drawing", "digit.png", "PNG images (*.png)")
        if path:
            self.save_drawing(path)

    def save_drawing(self, path: str) -> bool:
        if not path.lower().endswith(".png"):
            path += ".png"
        if not self.canvas.save_png(path):
            self.canvas_note.setText(f"<span style='color:#c0392b'>Could not write {escape(path)}.</span>")
            return False
        self.canvas_note.setText(f"<span>Saved the drawing as {escape(path)}.</span>")
        return True

    # --- actions ----------------------------------------------------------------------------
    def _on_brush(self, value: int) -> None:
        self.canvas.set_brush_size(value)
        self.brush_label.setText(f"{value} px")

    def _clear(self) -> None:
        self.canvas_note.setText("")
        self.canvas.clear()


    def load_random_test_digit(self) -> None:
        replica = self.shown_replica()
        key = replica.dataset if replica is not None else "mnist"
        self.random_button.setEnabled(False)
        self._test_runner.submit(self.state.test_set, key, on_result=self._show_random_digit,
                                 on_error=self._test_set_failed)

    def _show_random_digit(self, dataset) -> None:
        self.random_button.setEnabled(True)
        index = int(self._rng.integers(len(dataset.test_images)))
        label = dataset.classes[int(dataset.test_labels[index])]
        self.canvas.set_array(dataset.test_images[index].numpy())
        self.canvas_note.setText(f"Test digit #{index} of {dataset.title}, labelled '{label}'.")

    def _test_set_failed(self, message: str) -> None:
        self.random_button.setEnabled(True)
        self.canvas_note.setText(f"Could not load the test set: {message}")

    # --- analysis, off the GUI thread -------------------------------------------------------------
    @property
    def method(self) -> str:
        return self.method_box.currentData()

    @property
    def target(self) -> int | None:
        return self.target_box.currentData()

    def request_update(self) -> None:
        """Analyse the current drawing; while a run is under way, only remember to run again."""
        replica = self.shown_replica()
        if replica is not None and replica.classifies and replica.classes != self._classes:
            self._set_classes(replica.classes)
        if self._runner.busy:
            self._pending = True
            return
        self._pending = False
        if self.drawing_mode:
            # preparing the 28x28 input takes ~0.3 ms, so it is done here: published first, it starts
            # Feature maps' capture on the stroke thread at once; this panel's job follows it there
            image = canvas_to_mnist(self.canvas.pixels())
            if image is not None:
                self._publish(image)
        else:
            image = self._item
        self._runner.submit(analyse_input, image, replica, self.method, self.target,
                            on_result=self._show, on_error=self._failed)

    def _show(self, analysis: InputAnalysis) -> None:
        self.analysis = analysis
        image = analysis.image if analysis.image is not None else np.zeros((28, 28), np.float32)
        if self.drawing_mode:  # a picked item is shown by the picker, as it is
            self.input_view.set_picture(image)
        self.explain_view.set_picture(image, analysis.heatmap, dim=True)
        if analysis.image is None:
            self._show_probabilities(None)
            empty = NOTHING_DRAWN if self.drawing_mode else NO_ITEM
            self.message.setText(empty if self.shown_run() else NO_MODEL)
            self.answer.setText("")
        elif analysis.probabilities is None:
            self._show_probabilities(None)
            self.message.setText(NO_MODEL)
            self.answer.setText("")
        else:
            self._show_probabilities(analysis)
            self.message.setText("")
        self.updated.emit()
        if self._pending:
            self.request_update()

    def _publish(self, image: np.ndarray) -> None:
        """Make the drawing every panel's input, only when it changed: a new snapshot alone must
        not take the input back from a test digit picked in another panel."""
        if self._published is None or not np.array_equal(self._published, image):
            self._published = image
            self.state.set_input(image, "drawing")

    def _failed(self, message: str) -> None:
        self.message.setText(f"Could not classify the drawing: {message}")
        if self._pending:
            self.request_update()

    def _show_probabilities(self, analysis: InputAnalysis | None) -> None:
        count = max(len(self._classes), 1)
        if analysis is None:
            self._set_bars(np.zeros(count), [BAR_COLOUR] * count)
            return
        probabilities = analysis.probabilities
        top = int(probabilities.argmax())
        colours = [TOP_COLOUR if i == top else BAR_COLOUR for i in range(len(probabilities))]
        if analysis.target is not None and analysis.target != top and analysis.heatmap is not None:
            colours[analysis.target] = TARGET_COLOUR
        self._set_bars(probabilities, colours)
        name = self._classes[top] if top < len(self._classes) else str(top)
        step = f" · model at step {analysis.step}" if analysis.step is not None else ""
        article = "an" if name[:1].lower() in "aeiou8" or name in ("11", "18") else "a"
        self.answer.setText(f"It's {article} {name}  ({probabilities[top]:.0%}){step}")

    def _set_bars(self, heights: np.ndarray, colours: list) -> None:
        """Upright bars named below for short class names; lying bars named on the left for long ones."""
        positions = np.arange(len(heights))
        if self._horizontal:
            self.bars.setOpts(x0=0, y=positions, height=0.7, width=heights, brushes=colours, x=None)
        else:
            self.bars.setOpts(x=positions, height=heights, width=0.7, brushes=colours, x0=None, y=None)

    def probabilities(self) -> np.ndarray | None:
        """The bar heights on screen (None when no bars are shown)."""
        return None if self.analysis is None else self.analysis.probabilities

    def _set_classes(self, classes: tuple[str, ...]) -> None:
        self._classes = tuple(classes)
        self._horizontal = max((len(n) for n in self._classes), default=0) > LONG_NAMES
        ticks = [[(i, name) for i, name in enumerate(self._classes)]]
        names, values = ("left", "bottom") if self._horizontal else ("bottom", "left")
        self.bars_plot.getAxis(names).setTicks(ticks)
        self.bars_plot.getAxis(values).setTicks(None)
        self.bars_plot.setLabel(values, "probability")
        self.bars_plot.setLabel(names, "")
        self.bars_plot.showGrid(x=self._horizontal, y=not self._horizontal, alpha=0.2)
        span = (-0.6, len(self._classes) - 0.4)
        if self._horizontal:
            self.bars_plot.getViewBox().invertY(True)  # the first class on top, as in a list
            self.bars_plot.setYRange(*span, padding=0)
            self.bars_plot.setXRange(0, 1, padding=0.02)
        else:
            self.bars_plot.getViewBox().invertY(False)
            self.bars_plot.setXRange(*span, padding=0)
            self.bars_plot.setYRange(0, 1, padding=0.02)
        current = self.target_box.currentData()
        self.target_box.blockSignals(True)
        self.target_box.clear()
        self.target_box.addItem("predicted class", None)
        for index, name in enumerate(self._classes):
            self.target_box.addItem(f"class {name}", index)
        found = self.target_box.findData(current)
        self.target_box.setCurrentIndex(max(found, 0))
        self.target_box.blockSignals(False)
        fit_longest(self.target_box)


def _heading(text: str) -> QLabel:
    label = QLabel(text, wordWrap=True)  # wraps in a narrow window instead of widening it
    label.setStyleSheet("font-weight: bold;")
    return label
