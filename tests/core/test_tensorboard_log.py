"""Optional TensorBoard logging: scalars from trainer events when installed, a clear message when not."""

import json
import sys

import pytest

from resviz.cli import main
from resviz.core.events import Done, Epoch, Step
from resviz.core.tensorboard_log import (
    TensorBoardLogger,
    TensorBoardMissing,
    open_tensorboard_log,
    tensorboard_available,
)


def _scalars(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    accumulator = EventAccumulator(str(folder))
    accumulator.Reload()
    return {tag: [(e.step, e.value) for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}


def test_logger_writes_step_and_epoch_scalars(tmp_path):
    pytest.importorskip("tensorboard")
    logger = open_tensorboard_log(tmp_path, "run-a")
    for step, loss in ((10, 2.0), (20, 1.5)):
        logger.log(Step(step, 20, 1, loss, {"recon": loss * 0.9}, 1e-3, 1000.0, 1.0, 1.0))
    logger.log(Epoch(1, 20, 1.7, {"test_loss": 1.4, "test_accuracy": 0.6}, 2.0))
    logger.log(Done(False, 1, 20, {"test_accuracy": 0.6}, 2.0, None))
    assert logger.closed and list((tmp_path / "run-a").glob("events.out.tfevents.*"))
    scalars = _scalars(tmp_path / "run-a")
    assert scalars["train/loss"] == [(10, 2.0), (20, 1.5)]
    assert scalars["train/recon"][0] == (10, pytest.approx(1.8))
    assert scalars["test/accuracy"] == [(20, pytest.approx(0.6))]
    assert scalars["test/loss"] == [(20, pytest.approx(1.4))]


def test_missing_tensorboard_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails as if not installed
    assert not tensorboard_available()
    with pytest.raises(TensorBoardMissing, match=r'pip install "resviz\[tensorboard\]"'):
        TensorBoardLogger(tmp_path)


def test_train_without_tensorboard_exits_2_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    code = main(["train", "--model", "cnn", "--device", "cpu", "--train-subset", "64", "--test-subset", "64",
                 "--epochs", "1", "--out", str(tmp_path / "x.pt"), "--tensorboard", str(tmp_path / "tb")])
    out = capsys.readouterr()
    assert code == 2 and "--tensorboard" in json.loads(out.out.strip().splitlines()[-1])["error"]
    assert "resviz[tensorboard]" in out.err and "Traceback" not in out.err
    assert not (tmp_path / "x.pt").exists()


def test_train_with_tensorboard_leaves_an_event_file(tmp_path, capsys):
    pytest.importorskip("tensorboard")
    code = main(["train", "--model", "cnn", "--device", "cpu", "--train-subset", "256", "--test-subset", "100",
                 "--epochs", "1", "--batch-size", "64", "--out", str(tmp_path / "run.pt"),
                 "--tensorboard", str(tmp_path / "tb")])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and summary["tensorboard"] == str(tmp_path / "tb" / "run")
    assert list((tmp_path / "tb" / "run").glob("events.out.tfevents.*"))
    assert _scalars(tmp_path / "tb" / "run")["test/accuracy"][0][1] == pytest.approx(summary["test_accuracy"])
