"""Issue 19, Evaluation: every caption tells the truth about the run and matrix shown now.

An empty tab says what it waits for and draws no axes; the header says '(training)' only
while the run trains; the line under the matrix is recomputed from the matrix shown;
every count shows and fits its cell at both sizes; the galleries show whole thumbnails at 900×600."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from clipping import clipped
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QFontInfo, QFontMetrics, QMouseEvent
from PySide6.QtWidgets import QApplication

from resviz.core.data import load_dataset
from resviz.core.replica import ModelReplica
from resviz.core.runs import RunStatus
from resviz.core.trainer import TrainConfig, Trainer

SIZES = [(1280, 820), (900, 600)]


@pytest.fixture(scope="module")
def trained():
    """The seed CNN after one short epoch on 1,500 digits: on the full test set its diagonal passes 1,000."""
    digits = load_dataset("mnist").subset(1500, 100)
    config = TrainConfig.for_model("cnn", device="cpu", epochs=1, batch_size=64, snapshot_every=0)
    trainer = Trainer(config, digits)
    for _ in trainer.fit():
        pass
    return ModelReplica("cnn", {}, trainer.model.cpu().eval(), digits.classes, "mnist", 23, 1)


@pytest.fixture
def untrained(trained):
    torch.manual_seed(1)
    return ModelReplica("cnn", {}, type(trained.model)().eval(), trained.classes, "mnist", 5, 1)


@pytest.fixture
def panel(window):
    panel = window.panel("Evaluation")
    window.tabs.setCurrentWidget(panel)
    return panel


def _settled(panel):
    return not panel._runner.busy and panel._pending is None and not panel.status.text()


def _wait_evaluated(qtbot, panel, before=None):
    qtbot.waitUntil(lambda: panel.current is not None and panel.current is not before and _settled(panel),
                    timeout=60_000)
    return panel.current.evaluation


def _click_cell(qtbot, panel, true_class, predicted_class):
    view = panel.confusion.graphics
    point = view.mapFromScene(panel.confusion.scene_position(true_class, predicted_class))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point.x(), point.y()))


def _move_mouse(widget, point: QPointF):
    """A real mouse-move event (qtbot.mouseMove sends none on the offscreen platform)."""
    event = QMouseEvent(QEvent.Type.MouseMove, point, widget.mapToGlobal(point), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


# --- 1 and 3: an empty state says what it waits for; '(training)' only while the run trains -----------

def test_a_selected_vae_and_a_classifier_without_snapshots_are_said_not_drawn(qtbot, window, panel, trained):
    store = window.state.store
    assert "No classifier yet" in panel.summary.text() and not panel.confusion.isVisible()

    cnn = store.create("cnn", "mnist", name="cnn #2")
    store.set_status(cnn.id, RunStatus.RUNNING)
    vae = store.create("vae", "mnist", name="vae #1")
    window.state.select(vae.id)
    qtbot.waitUntil(lambda: "vae #1" in panel.summary.text(), timeout=5000)
    assert panel.summary.text() == ("The selected run (vae #1) is a VAE: select a classifier run to evaluate it. "
                                    "cnn #2 is training: its first evaluation comes after its first snapshot.")
    assert not panel.confusion.isVisible() and not panel.body.isVisible()  # no empty axes
    assert not panel.mode_box.isVisible() and panel.status.text() == ""

    window.state.select(cnn.id)  # the classifier itself, still without weights
    qtbot.waitUntil(lambda: panel.summary.text().startswith("cnn #2 is training"), timeout=5000)
    store.set_status(cnn.id, RunStatus.FAILED, "out of memory")  # the caption follows the run in the store
    assert panel.summary.text() == "cnn #2 failed before its first snapshot: there is no model to evaluate."
    store.rename(cnn.id, "my cnn")
    assert panel.summary.text().startswith("my cnn failed")

    store.set_status(cnn.id, RunStatus.RUNNING)
    window.state.show_model(trained, into=cnn.id)  # its first snapshot, while it trains
    _wait_evaluated(qtbot, panel)
    assert panel.confusion.isVisible() and panel.body.isVisible() and panel.status.text() == ""
    mnist = load_dataset("mnist").title  # "MNIST", or the offline set's title on a fresh clone
    assert panel.summary.text().startswith(f"A: my cnn on {mnist} · epoch 1 · step 23 (training) — accuracy")
    store.set_status(cnn.id, RunStatus.DONE)  # it finished: the header says so, with no new evaluation
    assert panel.summary.text().startswith(f"A: my cnn on {mnist} · epoch 1 · step 23 (done) — accuracy")
    store.set_status(cnn.id, RunStatus.STOPPED)
    assert "(stopped)" in panel.summary.text() and "training" not in panel.summary.text()


def test_an_evaluation_still_running_when_its_run_goes_is_not_shown(qtbot, window, panel, trained):
    run = window.state.show_model(trained, name="cnn soon gone")
    qtbot.waitUntil(lambda: panel._runner.busy or panel.current is not None, timeout=30_000)
    window.state.remove(run.id)  # the list is empty again before the evaluation ends
    assert "No classifier yet" in panel.summary.text() and panel.status.text() == ""
    qtbot.waitUntil(lambda: not panel._runner.busy, timeout=60_000)
    assert "No classifier yet" in panel.summary.text() and panel.status.text() == ""
    assert panel.current is None and not panel.confusion.isVisible()


# --- 2: the hover / selection line comes from the matrix shown now -----------------------------------

def test_the_line_under_the_matrix_follows_the_matrix_and_the_run(qtbot, window, panel, trained, untrained):
    window.resize(1280, 820)
    run = window.state.show_model(trained, name="cnn #1")
    confusion = _wait_evaluated(qtbot, panel).report.confusion
    off = confusion - np.diag(np.diag(confusion))
    true_class, predicted_class = (int(i) for i in np.unravel_index(off.argmax(), off.shape))
    _click_cell(qtbot, panel, true_class, predicted_class)
    line = panel.confusion.hover
    assert line.text().startswith(f"Selected: {true_class} taken for {predicted_class}: "
                                  f"{confusion[true_class, predicted_class]:,} images")

    view = panel.confusion.graphics  # hover another cell: the line tells that one
    point = view.mapFromScene(panel.confusion.scene_position(true_class, true_class))
    _move_mouse(view.viewport(), QPointF(point.x(), point.y()))
    qtbot.waitUntil(lambda: line.text().startswith(f"{true_class} correct:"), timeout=3000)

    before = panel.current
    window.state.show_model(untrained, into=run.id)  # a new snapshot of the same run: a new matrix
    now = _wait_evaluated(qtbot, panel, before).report.confusion
    assert not np.array_equal(now, confusion)
    assert line.text().startswith(f"{true_class} correct: {now[true_class, true_class]:,} images")
    count = now[true_class, predicted_class]
    assert f"{true_class} taken for {predicted_class}: {count:,} test images" in panel.cell_heading.text()
    assert panel.cell_gallery.count() == min(count, 60)

    QApplication.sendEvent(view.viewport(), QEvent(QEvent.Type.Leave))  # the mouse left the plot
    assert line.text().startswith(f"Selected: {true_class} taken for {predicted_class}: {count:,} images")

    before = panel.current
    window.state.show_model(trained, name="another cnn")  # another run: nothing is selected on it
    _wait_evaluated(qtbot, panel, before)
    assert line.text().strip() == "" and panel.cell is None and panel.cell_gallery.count() == 0
    assert panel.cell_heading.text() == "Click a cell of the matrix to see its test images."


# --- 4: every count shows and fits its cell; whole thumbnails at 900×600 -----------------------------------

@pytest.mark.full_mnist  # four-digit counts need the 10,000 test digits (the offline set has 1,000)
@pytest.mark.parametrize("size", SIZES)
def test_counts_fit_their_cells_and_galleries_show_whole_thumbnails(qtbot, window, panel, trained, size):
    window.resize(*size)
    window.state.show_model(trained)
    confusion = _wait_evaluated(qtbot, panel).report.confusion
    assert confusion.max() >= 1000  # the full test set: some diagonal cells hold four digits
    view = panel.confusion
    qtbot.waitUntil(lambda: view.cell_pixels() > 0, timeout=3000)
    cell = view.cell_pixels()
    shown = 0
    for index, text in enumerate(view._texts[:confusion.size]):
        if not text.isVisible():
            continue
        shown += 1
        label = text.textItem.toPlainText()
        width = QFontMetrics(text.textItem.font()).horizontalAdvance(label)
        assert width < cell, f"{label!r} is {width} px wide in a {cell:.1f}-px cell"
        centre = view.graphics.mapFromScene(text.mapToScene(text.boundingRect().center()))
        row, col = divmod(index, len(confusion))
        expected = view.graphics.mapFromScene(view.scene_position(row, col))
        assert abs(centre.x() - expected.x()) <= 1 and abs(centre.y() - expected.y()) <= 1
        if confusion.flat[index] >= 1000:
            assert label in (f"{confusion.flat[index]}", f"{confusion.flat[index] / 1000:.1f}k")
        assert QFontInfo(text.textItem.font()).pixelSize() >= 7, f"{label!r} written too small to read"
    # every cell shows its count at both sizes, the diagonal's three- and four-digit ones too (at 900×600
    # they had been left out: 7 and 8 pt did not fit a 20-px cell; the font now follows the cell)
    missing = [f"{divmod(i, len(confusion))}: {confusion.flat[i]}" for i in range(confusion.size)
               if not view._texts[i].isVisible()]
    assert shown == confusion.size, f"counts not shown at {size} ({cell:.1f}-px cells): {missing}"

    _click_cell(qtbot, panel, 4, 4)
    panel.tabs.setCurrentIndex(1)  # the most confident mistakes
    for gallery in (panel.cell_gallery, panel.mistakes_gallery):
        qtbot.waitUntil(lambda g=gallery: g.count() > 0 and g.isVisible(), timeout=3000)
        first = gallery.visualItemRect(gallery.item(0))
        assert gallery.viewport().rect().contains(first), \
            f"the first thumbnail {first} is cut by its gallery {gallery.viewport().rect()} at {size}"
        assert first.height() >= gallery.iconSize().height() + 16  # the picture and its caption
    qtbot.waitUntil(lambda: not clipped(panel), timeout=10_000)  # and nothing else in the tab is cut off


def test_at_900_by_600_the_matrix_has_the_column_until_a_cell_is_chosen(qtbot, window, panel, trained):
    window.resize(900, 600)
    window.state.show_model(trained)
    _wait_evaluated(qtbot, panel)
    column = panel.left_splitter.height()
    assert not panel.cell_gallery.isVisible()
    qtbot.waitUntil(lambda: panel.confusion.height() >= 0.8 * column, timeout=5_000)  # not an empty gallery's
    panel.show_cell(4, 9)
    qtbot.waitUntil(panel.cell_gallery.isVisible, timeout=5_000)
    assert panel.cell_gallery.height() > 0 and panel.confusion.height() < column


def test_the_corner_names_the_evaluation_that_comes_next_not_the_one_still_finishing(panel, trained, untrained,
                                                                                     qtbot):
    full = load_dataset("mnist")
    small = full.subset(300, 250)
    panel.show_classifier(trained, full, "big run")  # 10,000 test images; 1,000 offline (the fallback digits)
    assert panel.status.text() == f"Evaluating on {len(full.test_labels):,} test images…"
    panel.show_classifier(untrained, small, "small run")  # chosen while the first still evaluates
    assert panel.status.text().startswith("Next: small run on 250 test images")
    _wait_evaluated(qtbot, panel)
    assert panel.current.evaluation is not None and panel.status.text() == ""
