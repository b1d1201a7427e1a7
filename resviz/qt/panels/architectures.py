"""The Architectures tab: any classic network's layers, shapes, parameters, compute and receptive fields.

Seeds 001, 002 and 004 name ResNet-18..152, AlexNet, Inception, DenseNet, U-Net and
highway networks. Pick one and an input size; the table (``core.arch``) is made on
meta tensors, without weights, in a background thread, and shown as stage -> block
-> layer with bars where the parameters and the multiply-adds are. Under it,
ResNet's BasicBlock beside its Bottleneck. The tab needs no training run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.arch import catalog
from ...core.arch.blocks import compare_blocks
from ...core.arch.report import format_count, format_macs, notes, published_matches
from ...core.arch.summary import Summary
from ...core.torchvision_pair import TorchvisionMismatch
from ..background import BackgroundRunner
from ..widgets.block_comparison import BlockComparisonView
from ..widgets.layer_tree import LayerTree
from .base import Panel

FIRST_PAINT_MS = 400  # the window's first paint comes before the catalog is read

INPUT_TIP = (f"Side of the square input image in pixels ({catalog.MIN_INPUT_SIZE}–{catalog.MAX_INPUT_SIZE:,}). "
             "Shapes and multiply-adds follow it; parameters do not (a conv's weights do not depend on the "
             "image size). Press Enter to apply.")


def _compute(key: str, size: int) -> Summary | str:
    """The table, or a sentence for a person when the model cannot take this input."""
    try:
        return catalog.summarize_architecture(key, size)
    except catalog.ArchitectureError as error:
        return str(error)


def _label(wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    # a long message wraps inside the tab instead of widening the window
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class ArchitecturesPanel(Panel):
    title = "Architectures"
    description = ("Every layer of ResNet-18…152, AlexNet, VGG-16, GoogLeNet, Inception v3, DenseNet-121, U-Net "
                   "and resviz's own models: output shapes, parameters, multiply-adds and receptive fields.")

    def __init__(self, state=None, parent=None):
        super().__init__(state, parent)
        self.runner = BackgroundRunner(self)
        self.summary: Summary | None = None
        self.shown_key: str | None = None
        self.shown_size: int | None = None
        self._ready = False
        self._preparing = False  # the catalog is being read off the GUI thread
        self._pending_size: str | None = None  # a size typed before the catalog was in
        self._catalog_runner = BackgroundRunner(self)

        self.model_box = QComboBox()
        self.model_box.setToolTip("The architecture to tabulate: built without weights, nothing is downloaded")
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_box.setMinimumContentsLength(18)
        self.size_edit = QLineEdit()
        self.size_edit.setToolTip(INPUT_TIP)
        self.size_edit.setFixedWidth(70)
        self.size_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.size_edit.setMaxLength(12)
        self.default_button = QPushButton("Default size")
        self.default_button.setToolTip("The input size the model was designed for (and its published figures are for)")
        self.expand_button = QPushButton("Expand all")
        self.expand_button.setToolTip("Unfold every block down to its single layers")
        self.collapse_button = QPushButton("Stages only")
        self.collapse_button.setToolTip("Fold everything back to the model's top-level parts")
        for widget in (self.size_edit, self.default_button):
            widget.setEnabled(False)  # until the catalog is in: there is no model to size yet
        self.status = QLabel()
        self.status.setToolTip("Tables are computed on meta tensors in a background thread")

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Architecture"))
        controls.addWidget(self.model_box, 1)
        size_label = QLabel("Input")
        size_label.setToolTip(INPUT_TIP)
        controls.addWidget(size_label)
        controls.addWidget(self.size_edit)
        controls.addWidget(QLabel("px"))
        controls.addWidget(self.default_button)
        controls.addWidget(self.expand_button)
        controls.addWidget(self.collapse_button)
        controls.addWidget(self.status)

        self.about = _label()
        self.message = _label()
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.tree = LayerTree()
        self.totals = _label()
        self.totals.setToolTip("Sums over every layer; torchvision's own figures come from its weights' metadata "
                               "in the installed package")
        self.notes = _label()
        self.notes.setStyleSheet("color: #805000;")
        self.notes.hide()
        self.blocks_holder = QWidget()  # the BasicBlock/Bottleneck view is made on first show
        QVBoxLayout(self.blocks_holder).setContentsMargins(0, 0, 0, 0)
        self.blocks: BlockComparisonView | None = None

        table = QWidget()
        table_layout = QVBoxLayout(table)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.tree, 1)
        table_layout.addWidget(self.totals)
        table_layout.addWidget(self.notes)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(table)
        self.splitter.addWidget(self.blocks_holder)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(self.about)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

        self.model_box.currentIndexChanged.connect(self._on_model_changed)
        self.size_edit.returnPressed.connect(self.apply_size)
        self.size_edit.editingFinished.connect(self.apply_size)
        self.default_button.clicked.connect(self._use_default_size)
        self.expand_button.clicked.connect(self.tree.expandAll)
        self.collapse_button.clicked.connect(self.tree.collapseAll)

    # --- filling in on first show (the catalog builds resviz's models; the app's start need not wait)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._ready and not self._preparing:
            self._preparing = True
            self.about.setText("Reading the architectures…")
            # off the GUI thread (it imports torchvision, ~1-2 s), and only once the window has been
            # painted: the import holds Python's lock, and the remembered tab may be this one
            QTimer.singleShot(FIRST_PAINT_MS, self._read_catalog)

    def _read_catalog(self) -> None:
        self._catalog_runner.submit(catalog.architectures, on_result=self._fill,
                                    on_error=lambda message: self.about.setText(f"Cannot list them: {message}"))

    def ensure_ready(self) -> None:
        """Fill in now (a test or another tab picking an architecture does not wait for the thread)."""
        if not self._ready:
            try:
                self._fill(catalog.architectures())
            except TorchvisionMismatch as error:  # the message names the versions to install
                self.about.setText(f"Cannot list them: {error}")

    def _fill(self, entries) -> None:
        if self._ready:
            return
        self._ready = True
        family = None
        self.model_box.blockSignals(True)
        for entry in entries:
            if family is not None and entry.family != family:
                self.model_box.insertSeparator(self.model_box.count())
            family = entry.family
            text = entry.title if entry.family != "resviz model" else f"resviz: {entry.key}"
            self.model_box.addItem(text, entry.key)
            self.model_box.setItemData(self.model_box.count() - 1, entry.about, Qt.ItemDataRole.ToolTipRole)
        self.model_box.setCurrentIndex(self.model_box.findData("resnet50"))
        self.model_box.blockSignals(False)
        self.blocks = BlockComparisonView(compare_blocks())
        self.blocks_holder.layout().addWidget(self.blocks)
        self._on_model_changed()
        pending, self._pending_size = self._pending_size, None
        if pending is not None and self.size_edit.isEnabled():
            self.size_edit.setText(pending)
            self.apply_size()

    # --- choosing

    def entry(self) -> catalog.Architecture:
        return catalog.get(self.model_box.currentData())

    def select(self, key: str, size: int | str | None = None) -> None:
        """Pick an architecture (and an input size) as a person would."""
        self.ensure_ready()
        self.model_box.setCurrentIndex(self.model_box.findData(key))
        if size is not None:
            self.size_edit.setText(str(size))
            self.apply_size()

    def _on_model_changed(self, _index: int | None = None) -> None:
        entry = self.entry()
        self.about.setText(entry.about)
        self.size_edit.setText(str(entry.default_size))
        fixed = entry.fixed_size
        self.size_edit.setEnabled(not fixed)
        self.default_button.setEnabled(not fixed)
        self.size_edit.setToolTip(f"{entry.title} takes only {entry.default_size}×{entry.default_size} inputs"
                                  if fixed else INPUT_TIP)
        self.apply_size()

    def _use_default_size(self) -> None:
        if self._ready:
            self.size_edit.setText(str(self.entry().default_size))
            self.apply_size()

    def apply_size(self) -> None:
        """Read the input field; refuse what cannot be an image size, with a message and no change.

        Before the catalog is in, a typed size waits and is applied once it is."""
        if not self._ready:
            self._pending_size = self.size_edit.text().strip() or None
            if self._pending_size is not None:
                self._show_message("Still reading the architectures: this size is applied when they are in.")
            return
        entry = self.entry()
        try:
            size = catalog.parse_input_size(self.size_edit.text())
        except catalog.ArchitectureError as error:
            self._show_message(str(error))
            return
        if entry.fixed_size and size != entry.default_size:
            self._show_message(f"{entry.title} takes only {entry.default_size}×{entry.default_size} inputs.")
            return
        if (entry.key, size) == (self.shown_key, self.shown_size) and not self.runner.busy:
            self._show_message(None)
            return
        self._show_message(None)
        self._submit(entry.key, size)

    def _submit(self, key: str, size: int) -> None:
        self.status.setText("computing…")
        self.runner.submit(_compute, key, size, on_result=lambda result: self._on_result(key, size, result),
                           on_error=self._on_error)

    # --- results

    def _on_result(self, key: str, size: int, result: Summary | str) -> None:
        self.status.setText("")
        if isinstance(result, str):
            self._show_message(result)
            if key == self.shown_key:
                self.size_edit.setText(str(self.shown_size))  # back to what the table shows
            else:  # the table shows another model: show this one at its own size, under the message
                default = catalog.get(key).default_size
                self.size_edit.setText(str(default))
                self._submit(key, default)
            return
        self.summary, self.shown_key, self.shown_size = result, key, size
        entry = catalog.get(key)
        self.tree.show_summary(result)
        self.totals.setText(self._totals_text(entry, size, result))
        found = notes(entry, size, result)
        self.notes.setText("\n".join(found))
        self.notes.setVisible(bool(found))

    def _on_error(self, message: str) -> None:
        self.status.setText("")
        self._show_message(f"Could not tabulate this model: {message}")

    def _show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    @staticmethod
    def _totals_text(entry: catalog.Architecture, size: int, summary: Summary) -> str:
        megabytes = summary.total_params * 4 / 2**20
        text = (f"<b>{entry.title}</b> at {size}×{size}: <b>{format_count(summary.total_params)}</b> parameters "
                f"({megabytes:,.1f} MB as float32) · <b>{format_macs(summary.total_macs)}</b> multiply-adds per image")
        published = entry.published()
        if published and size == entry.default_size:
            same = published_matches(entry, size, summary)
            text += (f" · torchvision publishes {format_count(published[0])} and {published[1]:.2f} G: "
                     + ("<span style='color:#1a7f37'>the same</span>" if same else "<b>different</b>"))
        return text
