"""Start the Qt application: threads, pyqtgraph defaults, the window."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

from .collector import collect_on_gui_thread


def configure_torch_threads() -> None:
    """Leave one core for the GUI thread so the window stays smooth while training."""
    import torch

    cores = os.cpu_count() or 1
    torch.set_num_threads(max(1, cores - 1))


def configure_pyqtgraph() -> None:
    import pyqtgraph as pg

    # numpy arrays are (row, column): show them unflipped, the way they print
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w", foreground="k")


def create_app(argv: list[str] | None = None):
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        with exit_instead_of_abort_if_qt_cannot_start():
            app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("resviz")
    app.setOrganizationName("resviz")
    icon = _resource("icon.svg")
    if icon:
        app.setWindowIcon(QIcon(icon))
    configure_pyqtgraph()
    collect_on_gui_thread()  # never on a training or analysis thread: Qt objects die on the GUI thread
    return app


@contextmanager
def exit_instead_of_abort_if_qt_cannot_start():
    """While the QApplication is made: if Qt finds no usable platform plugin, exit 1 with advice.

    Qt's own reaction is qFatal, which aborts the process (SIGABRT, a core dump).
    ``platform_check`` catches the usual causes first; this is the net under it.
    """
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind, context, message):
        category = context.category if context.category not in (None, "default") else None
        sys.stderr.write(f"{category}: {message}\n" if category else f"{message}\n")
        if kind == QtMsgType.QtFatalMsg:
            from .platform_check import APT_LINE, HEADLESS_HINT

            sys.stderr.write(
                "\nresviz cannot open its window: Qt could not start (above). On Debian or Ubuntu the libraries "
                f"its window needs are installed with:\n  {APT_LINE}\n{HEADLESS_HINT}\n")
            sys.stderr.flush()
            os._exit(1)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def _resource(name: str) -> str | None:
    """A file from the project's resources/ folder (resviz runs from its checkout: pip install -e)."""
    path = Path(__file__).resolve().parents[2] / "resources" / name
    return str(path) if path.is_file() else None


def run_app(checkpoint: str | None = None, data_dir: str | None = None, run_folder: str | None = None) -> int:
    """The window, opening ``checkpoint`` or following the run folder ``run_folder`` (another process's run)."""
    app = create_app()
    from PySide6.QtCore import QTimer

    from .exceptions import install_exception_hooks
    from .main_window import MainWindow

    window = MainWindow(deferred=True)  # painted before torch is imported: the launch is answered at once
    install_exception_hooks(window)  # uncaught exceptions (slots, any thread): logged and shown, not only on stderr

    def finish() -> None:
        _finish_window(window, checkpoint, data_dir, run_folder)

    window.centralWidget().first_paint.connect(lambda: QTimer.singleShot(0, finish))
    QTimer.singleShot(3000, finish)  # a window started minimised paints late: build it anyway
    window.show()
    return app.exec()


def _finish_window(window, checkpoint: str | None, data_dir: str | None, run_folder: str | None) -> None:
    """After the first paint: import torch, build the tabs, open what the command line named."""
    if window.built:
        return
    from PySide6.QtCore import QTimer

    from .state import AppState

    window.build(AppState(data_dir=data_dir))
    if checkpoint:
        window.open_checkpoint(checkpoint)
    if run_folder:
        window.follow_run_folder(run_folder)
    # after the tabs' first paint: the collection before the freeze takes ~0.1 s
    QTimer.singleShot(500, freeze_startup_objects)
    QTimer.singleShot(0, window.state.workers.warm_up)  # torch imports in the worker while the window is used


def freeze_startup_objects() -> None:
    """Keep the garbage collector off the objects made at start (torch, Qt wrappers, panels).

    Python's oldest-generation collection walks every object it tracks; with torch and
    the window loaded, one took 150 ms on the GUI thread mid-drawing here. Objects that
    live as long as the app need no collecting: ``gc.freeze`` moves them out of its way.
    """
    import gc

    gc.collect()
    gc.freeze()
