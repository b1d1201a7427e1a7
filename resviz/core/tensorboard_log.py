"""Optional TensorBoard logging of a training run, from the trainer's own events.

``TensorBoardLogger(folder).log(event)`` turns the events ``Trainer.fit()`` yields
into TensorBoard scalars through ``torch.utils.tensorboard.SummaryWriter``: every
``Step`` (train loss, loss terms, learning rate, images/s), every ``Epoch`` (its
test metrics and mean train loss), and ``Done`` / ``Failed`` close the file. The
trainer needs no change: whoever iterates ``fit()`` (the CLI, the GUI's worker)
hands each event on. TensorBoard is an optional extra (``pip install
"resviz[tensorboard]"``); without it, ``TensorBoardMissing`` says so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .events import Done, Epoch, Event, Failed, Started, Step

INSTALL_HINT = 'TensorBoard logging needs the tensorboard package: pip install "resviz[tensorboard]"'


class TensorBoardMissing(RuntimeError):
    """The tensorboard package is not installed; the message says how to get it."""


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # torch raises this when the tensorboard package is absent
        raise TensorBoardMissing(INSTALL_HINT) from None
    return SummaryWriter


def tensorboard_available() -> bool:
    """Whether TensorBoard logging can be switched on (for a checkbox to enable itself).

    Only looks for the packages: importing TensorBoard (protobuf, absl, and TensorFlow when
    that is installed, which prints to the terminal) waits until a run logs to it.
    """
    return all(_findable(name) for name in ("torch.utils.tensorboard", "tensorboard"))


def _findable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent that fails to import; a module whose __spec__ is None
        return False


def _tag(metric: str) -> str:
    """'test_accuracy' -> 'test/accuracy': TensorBoard groups scalars by the part before '/'."""
    prefix, _, rest = metric.partition("_")
    return f"{prefix}/{rest}" if rest and prefix in ("test", "train") else f"test/{metric}"


class TensorBoardLogger:
    """Writes one run's events into ``folder`` (one TensorBoard run; ``tensorboard --logdir`` its parent)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.writer = _summary_writer_class()(log_dir=str(self.folder))
        self.closed = False

    def log(self, event: Event) -> None:
        if self.closed:
            return
        if isinstance(event, Started):
            self.writer.add_text("run", f"{event.model} on {event.dataset_title}, {event.parameters:,} parameters, "
                                        f"{event.train_size:,} train / {event.test_size:,} test, {event.device_name}")
        elif isinstance(event, Step):
            self.writer.add_scalar("train/loss", event.loss, event.step)
            for name, value in event.parts.items():
                self.writer.add_scalar(f"train/{name}", value, event.step)
            self.writer.add_scalar("train/lr", event.lr, event.step)
            self.writer.add_scalar("speed/images_per_s", event.images_per_s, event.step)
        elif isinstance(event, Epoch):
            self.writer.add_scalar("train/epoch_loss", event.train_loss, event.step)
            for name, value in event.metrics.items():
                self.writer.add_scalar(_tag(name), value, event.step)
        elif isinstance(event, (Done, Failed)):
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.writer.flush()
            self.writer.close()
            self.closed = True


def open_tensorboard_log(root: str | Path, run_name: str) -> TensorBoardLogger:
    """A logger for run ``run_name`` under ``root`` (``tensorboard --logdir root`` compares runs).

    The CLI's ``--tensorboard`` and the Training panel's checkbox both call this;
    it raises ``TensorBoardMissing`` (with the install command) when the package is absent.
    """
    return TensorBoardLogger(Path(root) / run_name)
