"""``resviz export``: a trained run's curves as CSV and its numbers as JSON; clear errors."""

import csv
import json

import pytest

from resviz.cli import main
from resviz.core import run_meta
from resviz.core.checkpoints import load_checkpoint, save_checkpoint
from resviz.core.data import load_dataset
from resviz.core.events import Done
from resviz.core.replica import ModelReplica
from resviz.core.runs import Run
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A real seed CNN trained for two short epochs on 512 digits (MNIST, or its offline fallback)."""
    path = tmp_path_factory.mktemp("run") / "cnn.pt"
    config = TrainConfig.for_model("cnn", dataset="mnist", device="cpu", epochs=2, batch_size=64,
                                   train_subset=512, test_subset=200, log_every=2, snapshot_every=0)
    events = list(Trainer(config, load_dataset("mnist"), checkpoint_path=path).fit())
    assert isinstance(events[-1], Done)
    return path


def _read(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def _export(capsys, *args):
    code = main(["export", *args])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_export_writes_steps_epochs_and_metrics(checkpoint, tmp_path, capsys):
    code, result = _export(capsys, "--checkpoint", str(checkpoint), "--out", str(tmp_path / "out"))
    assert code == 0
    steps = _read(tmp_path / "out" / "steps.csv")
    assert steps[0] == ["step", "loss"]
    assert [int(row[0]) for row in steps[1:]] == list(range(2, 17, 2))  # 8 steps an epoch, one row per report
    assert all(float(row[1]) > 0 for row in steps[1:])
    epochs = _read(tmp_path / "out" / "epochs.csv")
    assert epochs[0][:2] == ["epoch", "step"]
    assert set(epochs[0][2:]) == {"test_accuracy", "test_loss", "train_accuracy", "train_loss"}
    assert [row[:2] for row in epochs[1:]] == [["1", "8"], ["2", "16"]]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["model"] == "cnn" and metrics["epoch"] == 2
    assert metrics["objective"] == "classifier" and "kind" not in metrics  # what the checkpoint holds
    accuracy = epochs[0].index("test_accuracy")
    assert metrics["metrics"]["test_accuracy"] == pytest.approx(float(epochs[2][accuracy]))
    assert "confusion" not in metrics
    assert set(result["files"]) == {"steps.csv", "epochs.csv", "metrics.json"}


def test_export_evaluate_adds_the_classifier_report(checkpoint, tmp_path, capsys):
    code, _ = _export(capsys, "--checkpoint", str(checkpoint), "--out", str(tmp_path), "--evaluate")
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["confusion"]) == 10 and len(metrics["per_class"]) == 10
    assert sum(map(sum, metrics["confusion"])) == metrics["test_size"]


def test_a_checkpoint_the_window_saved_exports_as_the_trainers_does(checkpoint, tmp_path, capsys):
    """Opened in the window and saved again (AppState.save_run's path), then exported and evaluated."""
    run = Run.from_checkpoint("run1", "opened", load_checkpoint(checkpoint))
    replica = ModelReplica.from_snapshot(run.snapshots[-1], classes=run.classes, dataset=run.dataset)
    window = save_checkpoint(tmp_path / "window.pt", state_dict=replica.model.state_dict(),
                             **run_meta.from_window(run, replica).as_dict())
    summaries = []
    for saved in (checkpoint, window):
        out = tmp_path / saved.stem
        code, _ = _export(capsys, "--checkpoint", str(saved), "--out", str(out), "--evaluate")
        assert code == 0
        summaries.append(json.loads((out / "metrics.json").read_text()))
        assert (out / "steps.csv").read_text() == (tmp_path / checkpoint.stem / "steps.csv").read_text()
    del summaries[0]["created"], summaries[1]["created"]
    assert summaries[0] == summaries[1] and summaries[0]["objective"] == "classifier"


def test_export_errors_name_the_flag(checkpoint, tmp_path, capsys):
    code, result = _export(capsys, "--checkpoint", str(tmp_path / "missing.pt"), "--out", str(tmp_path))
    assert code == 2 and result["error"].startswith("--checkpoint") and "No such file" in result["error"]
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    code, result = _export(capsys, "--checkpoint", str(checkpoint), "--out", str(a_file))
    assert code == 2 and result["error"].startswith("--out") and "is a file" in result["error"]
