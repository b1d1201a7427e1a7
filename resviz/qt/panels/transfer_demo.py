"""The digits demo as runs: pretrain on 0-4, then learn 5-9 from K labels a class, three ways.

The experiment is ``core/digits_transfer.py``'s; here each of its trainings is a run
like any other (the Runs list shows them, Training draws their curves). The pretraining
run goes first; when it is done, the fifteen transfer runs start from its checkpoint
(queued one after another on a small computer), and the table fills in with each run's
test accuracy as it ends, the best of each row in bold.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGroupBox, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout

from ...core.digits_transfer import KS, MODES, k_label, pretrain_config, transfer_config
from ...core.runs import RunStatus

TIP = ("Seed 001's CNN learns the digits 0-4, then 5-9 from only K labelled examples of each: with its conv "
       "layers frozen (features from 0-4), fine-tuned from them, or from scratch. The classic experiment of "
       "Keras's mnist_transfer_cnn; no download needed. 16 runs: a few minutes on a laptop CPU.")


class DigitsDemoBox(QGroupBox):
    def __init__(self, state, parent=None):
        super().__init__("Digits demo: 0–4 → 5–9 (no download)", parent)
        self.state = state
        self.common = dict(device="auto")  # settings every demo run shares (tests shrink the data)
        self.ks = KS  # labels a class, one table row each
        self.pretrain_id: str | None = None
        self.run_ids: dict[tuple, str] = {}  # (k, mode) -> run id
        self.button = QPushButton("Run the digits demo")
        self.button.setToolTip(TIP)
        self.button.clicked.connect(self.toggle)
        self.status = QLabel("Does pretraining on other digits help when labels are few?", wordWrap=True)
        self.status.setStyleSheet("color: #555;")
        self.table = QTableWidget(len(self.ks), len(MODES))
        self.table.setHorizontalHeaderLabels(list(MODES))
        self.table.setVerticalHeaderLabels([f"K = {k_label(k)}" for k in self.ks])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setToolTip("Test accuracy on every 5–9 digit of MNIST's test set; K labelled training "
                              "examples of each digit (best of each row in bold)")
        self.table.setMinimumHeight(170)
        layout = QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        state.run_changed.connect(self._on_run_changed)

    # --- running ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        ids = [self.pretrain_id, *self.run_ids.values()]
        return any(run is not None and run.status.active for run in map(self.state.run, ids))

    def toggle(self) -> None:
        self.stop() if self.running else self.start()

    def start(self) -> None:
        self.run_ids = {}
        self.table.clearContents()
        self.table.setRowCount(len(self.ks))
        self.table.setVerticalHeaderLabels([f"K = {k_label(k)}" for k in self.ks])
        run = self.state.start_run(pretrain_config(**self.common), name="digits 0–4 (pretraining)")
        self.pretrain_id = run.id
        self.status.setText("Pretraining the CNN on the digits 0–4…")
        self.button.setText("Stop the demo")

    def stop(self) -> None:
        for run_id in [self.pretrain_id, *self.run_ids.values()]:
            if run_id is not None:
                self.state.stop(run_id)

    def _start_transfer_runs(self, checkpoint: str) -> None:
        for k in self.ks:
            for mode in MODES:
                config = transfer_config(k, mode, checkpoint, **self.common)
                run = self.state.start_run(config, name=f"digits 5–9 K={k_label(k)} {mode}")
                self.run_ids[(k, mode)] = run.id
        self.status.setText(f"Pretrained. {len(self.run_ids)} runs learn 5–9 (they queue and start in turn)…")

    # --- following the runs ----------------------------------------------------------------------
    def _on_run_changed(self, run_id: str, changes) -> None:
        if run_id == self.pretrain_id and "status" in changes:
            run = self.state.run(run_id)
            if run.status == RunStatus.DONE and not self.run_ids and run.checkpoint:
                self._start_transfer_runs(run.checkpoint)
            elif run.status in (RunStatus.FAILED, RunStatus.STOPPED):
                self.status.setText(f"The pretraining run ended ({run.status.value}): {run.message}")
                self.button.setText("Run the digits demo")
        elif run_id in self.run_ids.values() and changes & {"status", "metrics"}:
            self._fill_table()

    def _fill_table(self) -> None:
        bold = QFont()
        bold.setBold(True)
        for row, k in enumerate(self.ks):
            scores = {}
            for column, mode in enumerate(MODES):
                run = self.state.run(self.run_ids.get((k, mode)))
                accuracy = run.metrics.get("test_accuracy") if run and not run.status.active else None
                text = "…" if run is None or run.status.active else run.status.value
                if isinstance(accuracy, float) and run.status == RunStatus.DONE:
                    scores[column], text = accuracy, f"{accuracy:.1%}"
                self.table.setItem(row, column, QTableWidgetItem(text))
            if len(scores) == len(MODES):
                self.table.item(row, max(scores, key=scores.get)).setFont(bold)
        if not self.running:
            self.button.setText("Run the digits demo")
            self.status.setText(self.summary())

    def accuracy(self, k, mode) -> float | None:
        run = self.state.run(self.run_ids.get((k, mode)))
        return run.metrics.get("test_accuracy") if run is not None and run.status == RunStatus.DONE else None

    def summary(self) -> str:
        if 10 not in self.ks:
            return "Done."
        scores = {mode: self.accuracy(10, mode) for mode in MODES}
        if any(value is None for value in scores.values()):
            return "Done (some runs did not finish)."
        best = max(("frozen", "finetune"), key=scores.get)
        gain = scores[best] - scores["scratch"]
        return (f"With 10 labels a digit, {best} pretrained features reach {scores[best]:.1%} against "
                f"{scores['scratch']:.1%} from scratch ({gain * 100:+.1f} points).")
