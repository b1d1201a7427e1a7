"""Augmentation tab: previews follow the chosen image and settings; mirroring digits is flagged."""

from __future__ import annotations

import numpy as np
import pytest

from resviz.core.augment import CLOTHES, DIGITS, Augmentation
from resviz.core.data import DatasetUnavailable, load_dataset
from resviz.qt.panels.augmentation import MIRROR_WARNING, WHY_MIRROR, AugmentationPanel
from resviz.qt.state import AppState


@pytest.fixture
def panel(qtbot):
    widget = AugmentationPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(1200, 780)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.image is not None, timeout=30_000)  # MNIST loads off the GUI thread
    return widget


def _original(panel):
    return panel.image.astype(np.float32) / 255


def test_mirror_row_flips_at_probability_one_and_not_at_zero(panel):
    panel.mirror_p.setValue(1.0)
    assert all(np.array_equal(draw, _original(panel)[:, ::-1]) for draw in panel.preview_row("mirror"))
    assert np.array_equal(panel.grids["mirror"].mosaic()[:28, :28], _original(panel)[:, ::-1])  # on screen
    panel.mirror_p.setValue(0.0)
    assert all(np.array_equal(draw, _original(panel)) for draw in panel.preview_row("mirror"))
    assert "off" in panel.row_labels["mirror"].text()


def test_crop_and_rotation_change_the_draws_and_keep_the_size(panel):
    panel.crop_p.setValue(1.0)
    panel.crop_pad.setValue(4)
    crops = panel.preview_row("crop")
    assert crops.shape == (8, 28, 28)
    assert sum(not np.array_equal(draw, _original(panel)) for draw in crops) >= 6
    panel.rotate_p.setValue(1.0)
    panel.degrees.setValue(30)
    before = panel.preview_row("rotate").copy()
    panel.redraw_button.click()
    assert not np.array_equal(before, panel.preview_row("rotate"))


def test_choosing_another_image_and_dataset(qtbot, panel):
    first = panel.image.copy()
    panel.index_box.setValue(7)
    assert not np.array_equal(first, panel.image)
    assert "test image #7" in panel.original_caption.text()
    panel.dataset_box.setCurrentIndex(panel.dataset_box.findData("fashion"))
    if not _fashion_on_disk():  # offline without the data: the tab says why instead of showing clothes
        qtbot.waitUntil(lambda: "Cannot load fashion" in panel.status.text(), timeout=60_000)
        return
    qtbot.waitUntil(lambda: "Fashion-MNIST" in panel.original_caption.text(), timeout=30_000)
    assert panel.augmentation() == CLOTHES  # the clothes preset: mirror and AlexNet's crop
    assert panel.original_caption.text().endswith(panel.label) and panel.label in (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def test_mirroring_digits_is_flagged_and_the_reason_is_given(panel):
    assert "a mirrored 2 is not a 2" in panel.why.text() == WHY_MIRROR
    assert panel.warning.text() == ""  # the digits preset has no mirror
    panel.mirror_p.setValue(0.5)
    assert panel.warning.text() == MIRROR_WARNING
    assert panel.augmentation().mirror_p == 0.5


def test_the_setting_is_there_before_the_tab_is_ever_shown(qtbot):
    hidden = AugmentationPanel(AppState())  # built lazily, on first show or use
    qtbot.addWidget(hidden)
    assert hidden.augmentation() == DIGITS
    hidden.set_augmentation(CLOTHES)
    assert hidden.augmentation() == CLOTHES and hidden.image is None  # nothing drawn while hidden


def test_train_with_and_without_makes_two_runs_to_compare(qtbot):
    state = AppState()
    panel = AugmentationPanel(state)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_augmentation(Augmentation(mirror_p=0.5, crop_p=1.0, crop_pad=2))
    panel.compare_epochs.setValue(1)
    augmented, plain = panel.train_with_and_without()
    try:
        assert augmented.settings["augmentation"]["mirror_p"] == 0.5 and plain.settings["augmentation"] is None
        assert state.selected_id == augmented.id and state.ticked == {plain.id}
        assert "+ augmentation" in augmented.name and "no augmentation" in plain.name
    finally:
        for run in (augmented, plain):
            state.stop(run.id)
        qtbot.waitUntil(lambda: not state.running_jobs() and not state.training_runs(), timeout=60_000)


def _fashion_on_disk() -> bool:
    try:
        load_dataset("fashion", download=False)
    except DatasetUnavailable:
        return False
    return True
