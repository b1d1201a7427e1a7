"""The Runs list: every run (trained, training, queued or opened), as TensorBoard lists them.

One row per run (a run followed from a run folder says so in its tooltips): a tick box (overlay its curves in Training, in the colour beside its
name), name, model, dataset, status, best metric, training time. Selecting a row makes
that run the one every panel inspects. Right-click (or the keys) to rename (F2), pause
or resume, stop, start a queued run now, save its checkpoint, see why it failed, or
remove it (Delete). The list observes ``AppState``; it holds no run state of its own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QMessageBox, QTreeWidget, QTreeWidgetItem

from ...core.data import dataset_title
from ...core.durations import format_seconds
from ...core.runs import Run, RunStatus
from ..follower import following_caption
from .run_colours import run_colour

COLUMNS = ("Run", "Model", "Dataset", "Status", "Best", "Time")
STATUS_COLOURS = {RunStatus.RUNNING: "#1f6fbf", RunStatus.PAUSED: "#b35900", RunStatus.QUEUED: "#777777",
                  RunStatus.FAILED: "#c0392b", RunStatus.DONE: "#2e7d32", RunStatus.STOPPED: "#555555",
                  RunStatus.OPENED: "#6a1b9a"}
STALLED_COLOUR = "#b35900"  # a followed run whose writer stopped without finishing
TIPS = {
    "Run": "Tick to overlay this run's curves in Training (in its colour). Double-click or F2 to rename.",
    "Best": "Each run's best test accuracy over its epochs (classifiers; the cell says which epoch), or its "
            "lowest test loss in nats per image (VAEs). The Depth lab's table shows the final epoch's instead",
    "Time": "Training time, pauses and testing left out",
}


def best_text(run: Run) -> str:
    headline = run.headline
    return "" if headline is None else best_text_of(run, headline[1])


def best_tip(run: Run) -> str:
    """Which number the Best cell is: 'best test accuracy over its epochs (epoch 3)', so it is not
    mistaken for the last epoch's (the Depth lab's table shows that one)."""
    headline = run.headline
    if headline is None:
        return ""
    key, value = headline
    epoch = next((e.get("epoch") for e in run.curves.epochs if e.get(key) == value), None)
    what = "best test accuracy" if key.endswith("accuracy") else f"lowest {key.replace('_', ' ')}"
    last = run.curves.epochs[-1].get(key)
    tail = f"; its last epoch's: {best_text_of(run, last)}" if last is not None and last != value else ""
    return f"{what} over its epochs (epoch {epoch}){tail}"


def best_text_of(run: Run, value: float) -> str:
    key = run.objective.headline
    return f"{value:.2%}" if key.endswith("accuracy") else f"{value:.1f} nats" if run.generates else f"{value:.4g}"


def dataset_text(run: Run) -> str:
    """The run's dataset by its title ('Fashion-MNIST'), whether it is queued, training or opened; never its key."""
    return dataset_title(run.dataset, run.dataset_title)


def status_text(run: Run) -> str:
    if run.status == RunStatus.RUNNING and run.loading:
        return "loading data"
    if run.status in (RunStatus.RUNNING, RunStatus.PAUSED) and run.progress is not None:
        return f"{run.status.value} {100 * run.progress.step / max(run.progress.total_steps, 1):.0f}%"
    return run.status.value


def source_text(run: Run) -> str:
    """Where the run comes from, when it was not trained here: 'following DIR · last update 3 s ago', 'from FILE'."""
    if run.following is not None:
        return following_caption(run.following)
    return f"from {run.source}" if run.source != "training" else ""


def colour_icon(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class RunsList(QTreeWidget):
    save_requested = Signal(str)  # run id: the window asks where
    details_requested = Signal(str)  # run id: show its failure with the traceback

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self._items: dict[str, QTreeWidgetItem] = {}
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        for column, name in enumerate(COLUMNS):
            if name in TIPS:
                self.headerItem().setToolTip(column, TIPS[name])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # only the name, below
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.setToolTip("Every run: select one to inspect it in every tab; tick runs to overlay their curves")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.currentItemChanged.connect(self._on_current)
        self.itemChanged.connect(self._on_item_changed)
        self.itemDoubleClicked.connect(lambda item, _column: self.editItem(item, 0))
        self._shortcut("Delete", lambda: self._act_on_current(self.ask_to_remove))
        self._shortcut("F2", lambda: self._act_on_current(lambda run_id: self.editItem(self._items[run_id], 0)))
        state.run_added.connect(self._add)
        state.run_changed.connect(self._on_changed)
        state.run_removed.connect(self._remove)
        state.selection_changed.connect(self._sync_selection)
        for run in state.runs:
            self._add(run.id)

    def _shortcut(self, key: str, slot) -> None:
        action = QAction(self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.addAction(action)

    # --- rows ------------------------------------------------------------------------------
    def item(self, run_id: str) -> QTreeWidgetItem | None:
        return self._items.get(run_id)

    def _add(self, run_id: str) -> None:
        run = self.state.run(run_id)
        if run is None or run_id in self._items:
            return
        item = QTreeWidgetItem()
        item.setData(0, Qt.ItemDataRole.UserRole, run_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
        item.setIcon(0, colour_icon(run_colour(run_id)))
        self._items[run_id] = item
        self.blockSignals(True)
        item.setCheckState(0, Qt.CheckState.Checked if run_id in self.state.ticked else Qt.CheckState.Unchecked)
        self.addTopLevelItem(item)
        self.blockSignals(False)
        self._fill(item, run)
        self._sync_selection()

    def _fill(self, item: QTreeWidgetItem, run: Run) -> None:
        self.blockSignals(True)
        values = (run.name, run.spec.shown_name, dataset_text(run), status_text(run),
                  best_text(run), format_seconds(run.seconds) if run.seconds else "")
        for column, value in enumerate(values):
            if item.text(column) != value:
                item.setText(column, value)
        stalled = run.following is not None and run.following.stalled
        item.setForeground(3, QColor(STALLED_COLOUR if stalled else STATUS_COLOURS.get(run.status, "#000000")))
        tip = run.message or (run.data_note or "")
        if run.following is not None:
            tip = following_caption(run.following) + (f"\n{tip}" if tip else "")
        item.setToolTip(3, tip)
        item.setToolTip(4, best_tip(run))
        item.setToolTip(0, f"{run.name}: {run.spec.description}\n{source_text(run)}".rstrip())
        self.blockSignals(False)

    def _on_changed(self, run_id: str, changes) -> None:
        if not changes & {"status", "progress", "metrics", "name", "info", "following"}:
            return
        item, run = self._items.get(run_id), self.state.run(run_id)
        if item is not None and run is not None:
            self._fill(item, run)

    def ask_to_remove(self, run_id: str) -> bool:
        """Remove the run from the list once the person agrees (comparisons that hold it lose it too)."""
        run = self.state.run(run_id)
        if run is None:
            return False
        answer = QMessageBox.question(self, "Remove run", remove_question(run, training=self.state.job(run_id) is not None),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.state.remove(run_id)
        return True

    def _remove(self, run_id: str) -> None:
        item = self._items.pop(run_id, None)
        if item is not None:
            self.blockSignals(True)
            self.takeTopLevelItem(self.indexOfTopLevelItem(item))
            self.blockSignals(False)

    def _sync_selection(self) -> None:
        item = self._items.get(self.state.selected_id)
        if item is not None and item is not self.currentItem():
            self.blockSignals(True)
            self.setCurrentItem(item)
            self.blockSignals(False)
        for run_id, row in self._items.items():
            wanted = Qt.CheckState.Checked if run_id in self.state.ticked else Qt.CheckState.Unchecked
            if row.checkState(0) != wanted:
                self.blockSignals(True)
                row.setCheckState(0, wanted)
                self.blockSignals(False)

    # --- gestures --------------------------------------------------------------------------
    def _run_id(self, item: QTreeWidgetItem | None) -> str | None:
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _on_current(self, current, _previous) -> None:
        run_id = self._run_id(current)
        if run_id is not None:
            self.state.select(run_id)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        run_id = self._run_id(item)
        if run_id is None or column != 0:
            return
        self.state.set_ticked(run_id, item.checkState(0) == Qt.CheckState.Checked)
        run = self.state.run(run_id)
        if run is not None and item.text(0) != run.name:
            self.state.rename(run_id, item.text(0))
            if self.state.run(run_id).name != item.text(0):  # refused (empty): show the real name again
                self._fill(item, self.state.run(run_id))

    def _act_on_current(self, action) -> None:
        run_id = self._run_id(self.currentItem())
        if run_id is not None:
            action(run_id)

    def _menu(self, position) -> None:
        run_id = self._run_id(self.itemAt(position))
        run = self.state.run(run_id)
        if run is None:
            return
        menu = QMenu(self)
        menu.addAction("Rename", lambda: self.editItem(self._items[run_id], 0))
        job = self.state.job(run_id)
        if job is not None:
            paused = run.status == RunStatus.PAUSED
            if self.state.can_pause(run_id):
                menu.addAction("Resume" if paused else "Pause", lambda: self.state.pause(run_id, not paused))
            menu.addAction("Stop (saves a checkpoint)", lambda: self.state.stop(run_id))
        if run.status == RunStatus.QUEUED:
            menu.addAction("Start now, alongside the others", lambda: self.state.start_now(run_id))
            menu.addAction("Take out of the queue", lambda: self.state.stop(run_id))
        if run.snapshots:
            menu.addAction("Save checkpoint as…", lambda: self.save_requested.emit(run_id))
        if run.status == RunStatus.FAILED:
            menu.addAction("Why did it fail?", lambda: self.details_requested.emit(run_id))
        menu.addSeparator()
        menu.addAction("Remove from the list…", lambda: self.ask_to_remove(run_id))
        menu.exec(self.viewport().mapToGlobal(position))


def remove_question(run: Run, training: bool) -> str:
    """What removing ``run`` does, asked before it is done."""
    stops = " It is stopped first (it saves its checkpoint)." if training else ""
    kept = f" Its checkpoint stays at {run.checkpoint}." if run.checkpoint else ""
    return (f"Remove “{run.name}” from the list?{stops}{kept} Every tab that shows or compares it "
            "(the Depth lab's table and heatmaps, Evaluation's comparison, the overlaid curves) lets go of it.")
