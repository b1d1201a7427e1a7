"""Evaluation tab: report, clickable confusion matrix, mistakes, reliability, comparing two models, export."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt

from resviz.core.data import load_dataset
from resviz.core.evaluation import confusion_cell
from resviz.core.replica import ModelReplica
from resviz.core.trainer import TrainConfig, Trainer
from resviz.qt.panels.evaluation import EvaluationPanel
from resviz.qt.panels.evaluation.galleries import SHOWN
from resviz.qt.state import AppState


@pytest.fixture(scope="module")
def digits():
    """Real digits (MNIST, or the offline fallback): 1,500 to train on, 600 to test."""
    return load_dataset("mnist").subset(1500, 600)


@pytest.fixture(scope="module")
def trained(digits):
    """The seed CNN after one short epoch: right often, wrong often enough to fill off-diagonal cells."""
    config = TrainConfig.for_model("cnn", device="cpu", epochs=1, batch_size=64, snapshot_every=0)
    trainer = Trainer(config, digits)
    for _ in trainer.fit():
        pass
    return ModelReplica("cnn", {}, trainer.model.cpu().eval(), digits.classes, "mnist", 23, 1)


@pytest.fixture
def panel(qtbot):
    widget = EvaluationPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(1280, 780)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _evaluate(qtbot, panel, replica, digits, title="A"):
    before = panel.current
    panel.show_classifier(replica, digits, title)
    qtbot.waitUntil(lambda: panel.current is not before and panel.current is not None, timeout=20_000)
    return panel.current.evaluation


def _click_cell(qtbot, panel, true_class, predicted_class):
    view = panel.confusion.graphics
    point = view.mapFromScene(panel.confusion.scene_position(true_class, predicted_class))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point.x(), point.y()))


def test_clicking_a_confusion_cell_shows_its_test_images(qtbot, panel, trained, digits):
    evaluation = _evaluate(qtbot, panel, trained, digits)
    confusion = evaluation.report.confusion
    off_diagonal = confusion - np.diag(np.diag(confusion))
    true_class, predicted_class = np.unravel_index(off_diagonal.argmax(), confusion.shape)
    assert off_diagonal.max() > 0
    assert panel.cell_gallery.count() == 0

    _click_cell(qtbot, panel, int(true_class), int(predicted_class))
    expected = confusion_cell(evaluation.predictions, true_class, predicted_class)
    assert panel.cell == (true_class, predicted_class)
    assert panel.cell_gallery.indices() == expected[:SHOWN].tolist()
    assert f"{true_class} taken for {predicted_class}: {len(expected):,} test images" in panel.cell_heading.text()
    probabilities = evaluation.predictions.probabilities[expected[0]]
    assert f"{predicted_class} {100 * probabilities.max():.0f}%" in panel.cell_gallery.captions()[0]

    _click_cell(qtbot, panel, 3, 3)  # the diagonal: the threes it got right
    assert panel.cell_gallery.count() == min(confusion[3, 3], SHOWN)
    assert "3 classified correctly" in panel.cell_heading.text()


def test_report_table_mistakes_and_reliability_follow_the_evaluation(qtbot, panel, trained, digits):
    evaluation = _evaluate(qtbot, panel, trained, digits)
    report = evaluation.report
    assert f"accuracy {100 * report.accuracy:.2f}%" in panel.summary.text()
    assert panel.table.cell_text("7", "recall") == f"{report.recall[7]:.3f}"
    assert panel.table.cell_text("macro avg", "F1") == f"{report.average('macro')['f1']:.3f}"
    assert panel.table.cell_text("accuracy", "support") == "600"
    wrong = np.flatnonzero(~evaluation.predictions.correct)
    shown = panel.mistakes_gallery.indices()
    assert len(shown) == min(len(wrong), SHOWN) and set(shown) <= set(wrong.tolist())
    confidences = evaluation.predictions.confidence[shown]
    assert np.all(np.diff(confidences) <= 0)  # most confident first
    assert panel.reliability.bins_shown() == int((evaluation.reliability.counts > 0).sum())
    assert f"ECE {100 * evaluation.reliability.ece:.2f}%" in panel.reliability.plot.titleLabel.text


def test_row_normalised_rows_sum_to_a_hundred(qtbot, panel, trained, digits):
    _evaluate(qtbot, panel, trained, digits)
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("rows"))
    assert np.allclose(panel.confusion.values.sum(1), 100)


def test_comparing_with_another_model_shows_both(qtbot, panel, trained, digits):
    torch.manual_seed(1)
    untrained = ModelReplica("cnn", {}, type(trained.model)().eval(), digits.classes, "mnist")
    assert not panel.mode_box.model().item(2).isEnabled()  # no B yet: no difference to show
    b = _evaluate(qtbot, panel, untrained, digits, "untrained")
    panel.keep_button.click()
    assert panel.reference is not None and "untrained" in panel.reference_label.text()
    a = _evaluate(qtbot, panel, trained, digits, "trained")
    assert "(B " in panel.summary.text()
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("difference"))
    np.testing.assert_array_equal(panel.confusion.values, a.report.confusion - b.report.confusion)
    assert panel.table.columnCount() == 6
    assert panel.table.cell_text("weighted avg", "ΔF1") == \
        f"{100 * (a.report.average('weighted')['f1'] - b.report.average('weighted')['f1']):+.1f}"
    assert panel.reliability.other.isVisible()

    panel.clear_button.click()
    assert panel.reference is None and panel.mode_box.currentData() == "counts"
    assert panel.table.columnCount() == 4 and not panel.reliability.other.isVisible()


def test_follows_the_selected_classifier_of_the_app(qtbot, panel, trained):
    panel.state.show_model(trained)  # what Training or File ▸ Open do
    qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
    assert "cnn #1 on MNIST" in panel.summary.text() and "epoch 1 · step 23" in panel.summary.text()
    assert panel.current.evaluation.report.support.sum() == len(panel.state.test_set("mnist").test_labels)


def test_plots_export_png_and_csv(qtbot, panel, trained, digits, tmp_path):
    evaluation = _evaluate(qtbot, panel, trained, digits)
    panel.confusion.export.save_csv(str(tmp_path / "confusion.csv"))
    rows = list(csv.reader(open(tmp_path / "confusion.csv")))
    assert rows[0][1:] == list(digits.classes) and len(rows) == 11
    assert [int(float(v)) for v in rows[1][1:]] == evaluation.report.confusion[0].tolist()
    panel.reliability.export.save_csv(str(tmp_path / "reliability.csv"))
    header = next(csv.reader(open(tmp_path / "reliability.csv")))
    assert "A accuracy_y" in header and "A mean confidence_y" in header
    for view, name in ((panel.confusion, "confusion.png"), (panel.reliability, "reliability.png")):
        view.export.save_png(str(tmp_path / name))
        assert (tmp_path / name).stat().st_size > 2000


def test_a_ticked_run_is_model_b(qtbot, panel, trained, digits):
    torch.manual_seed(1)
    untrained = ModelReplica("cnn", {}, type(trained.model)().eval(), digits.classes, "mnist")
    state = panel.state
    other = state.show_model(untrained, name="untrained cnn")
    state.show_model(trained, name="trained cnn")  # selected: model A
    qtbot.waitUntil(lambda: panel.current is not None and panel.summary.text().startswith("A: trained cnn"),
                    timeout=30_000)
    assert not panel.ticked_button.isEnabled()  # nothing ticked yet
    state.set_ticked(other.id, True)
    assert panel.ticked_button.isEnabled()
    panel.ticked_button.click()
    qtbot.waitUntil(lambda: panel.reference is not None, timeout=30_000)
    assert "untrained cnn" in panel.reference_label.text() and "(B " in panel.summary.text()
