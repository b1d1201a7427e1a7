"""Scrub back through one run's weight snapshots: the panels show that network as it was.

A slider over ``state.snapshots(run_id)`` plus a "Live" button, for the run the owning
panel shows (``shown_run()`` gives its id; ``set_run`` follows a change). Moving the
slider calls ``state.show_snapshot(run_id, index)``, which makes that snapshot the
model every panel shows for the run; "Live" (index None) follows it again. Every
slider showing the same run shows the same position, whichever of them was moved.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget


class HistorySlider(QWidget):
    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.run_id: str | None = None
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Drag back in time: the weights as they were at each snapshot of this run")
        self.live_button = QPushButton("Live")
        self.live_button.setCheckable(True)
        self.live_button.setToolTip("Follow the run: show its newest weights")
        self.label = QLabel()
        self.label.setMinimumWidth(150)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("History"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.live_button)
        self.slider.valueChanged.connect(self._on_slider)
        self.live_button.clicked.connect(self.go_live)
        state.history_changed.connect(self._on_history_changed)
        self.refresh()

    def set_run(self, run_id: str | None) -> None:
        if run_id != self.run_id:
            self.run_id = run_id
            self.refresh()

    def _on_history_changed(self, run_id: str) -> None:
        if run_id == self.run_id:
            self.refresh()

    def refresh(self) -> None:
        """Match the slider to the run's snapshots and position (without feeding back)."""
        snapshots = self.state.snapshots(self.run_id)
        index = self.state.history_index(self.run_id)
        live = index is None
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(snapshots) - 1, 0))
        self.slider.setValue(len(snapshots) - 1 if live else index)
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(snapshots) > 1)
        self.live_button.setChecked(live)
        self.live_button.setEnabled(bool(snapshots))
        run = self.state.run(self.run_id)
        if not snapshots or run is None:
            self.label.setText("no run yet")
            self.setToolTip("")
            return
        shown = snapshots[-1 if live else index]
        where = ("live" if run.status.active else "latest") if live else f"{index + 1} of {len(snapshots)}"
        self.label.setText(f"{run.name} · step {shown.step} · {where}")
        self.setToolTip(f"{len(snapshots)} snapshots of {run.name} kept")

    def _on_slider(self, value: int) -> None:
        if self.state.snapshots(self.run_id):
            self.state.show_snapshot(self.run_id, value)
            self.refresh()

    def go_live(self) -> None:
        if self.run_id is not None:
            self.state.show_snapshot(self.run_id, None)
        self.refresh()
