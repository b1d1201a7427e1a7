"""The CLI: --help lists the commands; train ends with one line of JSON and a checkpoint the GUI opens."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import classification_report

from resviz.core.checkpoints import load_checkpoint


def _resviz(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "resviz", *args], capture_output=True, text=True, **kwargs)


def test_help_lists_commands():
    out = _resviz("--help")
    assert out.returncode == 0
    for command in ("train", "eval", "gui"):
        assert command in out.stdout


def test_train_then_eval(tmp_path):
    checkpoint = tmp_path / "cnn.pt"
    out = _resviz("train", "--model", "cnn", "--dataset", "mnist", "--epochs", "1", "--device", "cpu",
                  "--train-subset", "2000", "--test-subset", "500", "--out", str(checkpoint), timeout=300)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("model", "dataset", "epochs", "device", "test_accuracy", "test_loss", "seconds", "checkpoint"):
        assert key in summary
    assert summary["device"] == "cpu" and summary["epochs"] == 1
    assert 0.5 < summary["test_accuracy"] <= 1.0  # 2,000 images, one epoch: well above chance
    assert "epoch 1" in out.stderr  # the terminal progress went to stderr
    assert load_checkpoint(summary["checkpoint"]).model_name == "cnn"

    evaluated = _resviz("eval", "--checkpoint", str(checkpoint), timeout=300)
    assert evaluated.returncode == 0, evaluated.stderr
    result = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert result["model"] == "cnn" and 0.5 < result["test_accuracy"] <= 1.0
    _check_classifier_metrics(result)


def _check_classifier_metrics(result):
    """eval's per-class numbers agree with its own confusion matrix, and with scikit-learn on those predictions."""
    confusion = np.array(result["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == result["test_size"]
    assert np.trace(confusion) / confusion.sum() == pytest.approx(result["test_accuracy"])
    # the (true, predicted) pairs the matrix counts, rebuilt for scikit-learn
    true, predicted = np.nonzero(confusion)
    counts = confusion[true, predicted]
    y_true, y_pred = np.repeat(true, counts), np.repeat(predicted, counts)
    reference = classification_report(y_true, y_pred, labels=list(range(10)), output_dict=True, zero_division=0)
    for row in result["per_class"]:
        k = row["class"]
        assert row["name"] == str(k)
        assert row["support"] == confusion[k].sum() == reference[str(k)]["support"]
        assert row["precision"] == pytest.approx(confusion[k, k] / confusion[:, k].sum() if confusion[:, k].sum() else 0)
        assert row["recall"] == pytest.approx(reference[str(k)]["recall"])
        assert row["f1"] == pytest.approx(reference[str(k)]["f1-score"])
    assert result["macro_f1"] == pytest.approx(reference["macro avg"]["f1-score"])
    assert result["weighted_f1"] == pytest.approx(reference["weighted avg"]["f1-score"])
    assert 0 <= result["ece"] <= 1


def test_bad_input_gives_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    out = _resviz("eval", "--checkpoint", str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "corrupt" in json.loads(out.stdout.strip().splitlines()[-1])["error"]


def test_mnist1d_trains_and_evaluates_headless(tmp_path):
    """Seed 004's 1-D CNN on [N, 1, 40] float signals, through train, the checkpoint and eval."""
    checkpoint = tmp_path / "cnn1d.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # 2,050 weights: a second thread only adds waiting
    out = _resviz("train", "--model", "mnist1d-cnn", "--dataset", "mnist1d", "--epochs", "3", "--device", "cpu",
                  "--out", str(checkpoint), timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["model"] == "mnist1d-cnn" and summary["train_size"] == 4000 and summary["test_size"] == 1000
    assert 0.2 < summary["test_accuracy"] <= 1 and 0 <= summary["train_accuracy"] <= 1  # chance is 0.1
    assert load_checkpoint(checkpoint).meta["input_shape"] == [1, 40]
    evaluated = _resviz("eval", "--checkpoint", str(checkpoint), timeout=300, env=env)
    assert evaluated.returncode == 0, evaluated.stderr
    result = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert result["dataset"] == "mnist1d" and result["test_accuracy"] == summary["test_accuracy"]
