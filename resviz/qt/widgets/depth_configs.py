"""The Depth lab's list of nets to train: add a configuration, remove one, see what Train will start.

Each configuration is a ``DepthRun`` (core/depth_lab): variant, depth, BatchNorm,
activation, width. The spin boxes hold depth and width inside the lab's ranges, and
the list holds at most ``MAX_CONFIGS`` (more would only crawl on a small CPU); a
refused addition says why in ``message``. ``changed`` fires on every edit a person makes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.depth_lab import MAX_DEPTH, MAX_WIDTH, MIN_DEPTH, MIN_WIDTH, DepthLabError, DepthRun
from ...core.models.deepnet import VARIANTS

MAX_CONFIGS = 6
VARIANT_TIPS = {
    "plain": "h = act(conv(x)): every layer only transforms",
    "residual": "h = act(x + f(x)): each block adds a correction to its input (ResNet's basic block)",
    "highway": "y = H(x)·T(x) + x·(1 − T(x)): a learned gate mixes transform and carry",
    "dense": "x = cat(x, layer(x)): every layer sees every earlier layer's maps (DenseNet)",
}


class DepthConfigList(QWidget):
    changed = Signal()  # a person added or removed a configuration

    def __init__(self, parent=None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setToolTip("The nets Train starts, side by side")
        self.list.setFixedHeight(6 * 17 + 6)  # MAX_CONFIGS rows, no more: the form stays in view
        self.list.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Take the selected configuration off the list")
        self.variant = QComboBox()
        for index, variant in enumerate(VARIANTS):
            self.variant.addItem(variant, variant)
            self.variant.setItemData(index, VARIANT_TIPS[variant], Qt.ItemDataRole.ToolTipRole)
        self.variant.setToolTip("How each unit passes its input on")
        self.depth = QSpinBox(minimum=MIN_DEPTH, maximum=MAX_DEPTH, value=30)
        self.depth.setToolTip(f"3×3 conv layers, the stem's included ({MIN_DEPTH}–{MAX_DEPTH})")
        self.width = QSpinBox(minimum=MIN_WIDTH, maximum=MAX_WIDTH, value=16)
        self.width.setToolTip(f"Channels of every layer ({MIN_WIDTH}–{MAX_WIDTH})")
        self.batchnorm = QCheckBox("BatchNorm")
        self.batchnorm.setToolTip("BatchNorm after every conv: each layer's output renormalised to mean 0, std 1")
        self.activation = QComboBox()
        self.activation.addItem("ReLU", "relu")
        self.activation.addItem("tanh", "tanh")
        self.activation.setToolTip("ReLU does not saturate; tanh does (seed 001: AlexNet chose ReLU)")
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Add this configuration to the list")
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.message.hide()

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Variant", self.variant)
        depth_width = QHBoxLayout()
        depth_width.addWidget(self.depth)
        depth_width.addWidget(QLabel("width"))
        depth_width.addWidget(self.width)
        form.addRow("Depth", depth_width)
        options = QHBoxLayout()
        options.addWidget(self.batchnorm)
        options.addWidget(self.activation)
        form.addRow("", options)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.add_button.clicked.connect(self._add_clicked)
        self.remove_button.clicked.connect(self._remove_clicked)
        self.list.currentRowChanged.connect(self._on_row)

    # --- the list ------------------------------------------------------------------------
    def configs(self) -> list[DepthRun]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def set_configs(self, runs) -> None:
        """Replace the list (a preset was picked): no ``changed`` signal."""
        self.list.clear()
        for run in runs:
            self._append(run)
        self._say("")

    def add(self, run: DepthRun) -> bool:
        if self.list.count() >= MAX_CONFIGS:
            self._say(f"At most {MAX_CONFIGS} nets train side by side here; remove one first.")
            return False
        self._append(run)
        self._say("")
        self.changed.emit()
        return True

    def _append(self, run: DepthRun) -> None:
        item = QListWidgetItem(run.label)
        item.setData(Qt.ItemDataRole.UserRole, run)
        item.setToolTip(VARIANT_TIPS[run.variant])
        self.list.addItem(item)

    def form_config(self) -> DepthRun:
        """The configuration the form shows (raises DepthLabError, with a message, if it is out of range)."""
        return DepthRun(self.variant.currentData(), self.depth.value(), self.batchnorm.isChecked(),
                        self.activation.currentData(), self.width.value())

    def _add_clicked(self) -> None:
        try:
            run = self.form_config()
        except DepthLabError as error:
            self._say(str(error))
            return
        self.add(run)

    def _remove_clicked(self) -> None:
        row = self.list.currentRow()
        if row < 0 and self.list.count():
            row = self.list.count() - 1
        if row >= 0:
            self.list.takeItem(row)
            self._say("")
            self.changed.emit()

    def _on_row(self, row: int) -> None:
        """Selecting a configuration puts it in the form, ready to be varied and added."""
        if row < 0:
            return
        run = self.list.item(row).data(Qt.ItemDataRole.UserRole)
        self.variant.setCurrentIndex(self.variant.findData(run.variant))
        self.depth.setValue(run.depth)
        self.width.setValue(run.width)
        self.batchnorm.setChecked(run.batchnorm)
        self.activation.setCurrentIndex(self.activation.findData(run.activation))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
