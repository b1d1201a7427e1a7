"""Scrub back through this run's weight snapshots: the panels show the network as it was.

A slider over ``state.snapshots(kind)`` plus a "Live" button. Moving the slider calls
``state.show_snapshot(kind, index)``, which makes that snapshot the replica every
panel shows; "Live" (index None) follows training again. Every slider bound to the
same state and kind shows the same position, whichever of them was moved.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget


class HistorySlider(QWidget):
    def __init__(self, state, kind: str = "classifier", parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.kind = kind
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Drag back in time: the weights as they were at each snapshot of this run")
        self.live_button = QPushButton("Live")
        self.live_button.setCheckable(True)
        self.live_button.setToolTip("Follow training: show the newest weights")
        self.label = QLabel()
        self.label.setMinimumWidth(190)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("History"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.live_button)
        self.slider.valueChanged.connect(self._on_slider)
        self.live_button.clicked.connect(self.go_live)
        state.history_changed.connect(self._on_history_changed)
        if kind == "classifier":
            state.classifier_changed.connect(self.refresh)
        self.refresh()

    def _on_history_changed(self, kind: str) -> None:
        if kind == self.kind:
            self.refresh()

    def refresh(self) -> None:
        """Match the slider to the state's history and position (without feeding back)."""
        snapshots = self.state.snapshots(self.kind)
        index = self.state.history_index(self.kind)
        live = index is None
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(snapshots) - 1, 0))
        self.slider.setValue(len(snapshots) - 1 if live else index)
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(snapshots) > 1)
        self.live_button.setChecked(live)
        self.live_button.setEnabled(bool(snapshots))
        if not snapshots:
            self.label.setText("no training run yet")
            return
        shown = snapshots[-1 if live else index]
        where = "live" if live else f"{self.slider.value() + 1} of {len(snapshots)}"
        self.label.setText(f"step {shown.step} · epoch {shown.epoch} · {where}")

    def _on_slider(self, value: int) -> None:
        snapshots = self.state.snapshots(self.kind)
        if snapshots:
            self.state.show_snapshot(self.kind, value)
            self.refresh()

    def go_live(self) -> None:
        self.state.show_snapshot(self.kind, None)
        self.refresh()
