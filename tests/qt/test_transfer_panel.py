"""The Transfer tab: a folder and a weights file in, a run out; then its test images with top-3 and Grad-CAM."""

from __future__ import annotations

import urllib.error

import numpy as np
import pytest
import torch
from image_folders import save_untrained_resnet50, write_digit_folder
from PySide6.QtCore import Qt

from resviz.core.models import transfer
from resviz.core.runs import RunStatus
from resviz.qt.panels.transfer import NO_RUN, TransferPanel
from resviz.qt.state import AppState


@pytest.fixture
def panel(qtbot):
    widget = TransferPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(1280, 820)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.state.stop_all(5000)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return save_untrained_resnet50(tmp_path_factory.mktemp("weights") / "resnet50.pt")


def _finished(state, run_id):
    return not state.run(run_id).status.active and state.job(run_id) is None


def test_a_folder_trains_as_a_run_and_its_test_images_show_top3_and_grad_cam(panel, qtbot, tmp_path, weights):
    assert panel.heading.text() == NO_RUN
    panel.folder_edit.setText(str(write_digit_folder(tmp_path / "photos", per_class=10)))
    panel.set_weights_file(str(weights))
    assert panel.weights() == str(weights) and panel.weights_label.text() == "resnet50.pt"
    panel.image_size.setValue(32)
    shown = []
    panel.progress.valueChanged.connect(shown.append)
    panel.train_button.click()
    qtbot.waitUntil(lambda: panel._run_id is not None, timeout=60_000)
    run = panel.state.run(panel._run_id)
    assert run.model == "resnet50-transfer" and run.dataset == "folder" and "frozen" in run.name
    assert run.settings["dataset_options"]["image_size"] == 32 and tuple(run.settings["freeze"]) == ("backbone",)
    qtbot.waitUntil(lambda: _finished(panel.state, run.id), timeout=180_000)
    assert run.status == RunStatus.DONE, run.message
    assert 0 < min(shown) < 100 and shown[-1] == 100  # decoding and feature progress, then done
    assert "of the test images right" in panel.status.text()

    # 2 test images of each of 3 classes, tested on the run's last weights (a newer snapshot tests them again)
    qtbot.waitUntil(lambda: len(panel.grid.cards) == 6 and "samples right" in panel.heading.text(), timeout=60_000)
    for card in panel.grid.cards:
        text = card.text.text()
        assert ("✓" in text) != ("✗" in text) and text.count("%") == 3  # right or wrong, and the top 3
    right = sum("✓" in card.text.text() for card in panel.grid.cards)
    assert f"{right} of 6 samples right" in panel.heading.text()

    qtbot.mouseClick(panel.grid.cards[1], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Grad-CAM for" in panel.cam_caption.text(), timeout=60_000)
    heat = panel.cam_view.heatmap
    assert heat.shape == (32, 32) and heat.max() == pytest.approx(1.0) and heat.min() >= 0
    np.testing.assert_allclose(panel.cam_view.shown, panel._samples.images[1].transpose(1, 2, 0))


def test_an_opened_checkpoint_of_such_a_run_shows_its_samples(panel, qtbot, tmp_path, weights, monkeypatch):
    from resviz.core.trainer import Trainer
    from resviz.core.transfer import folder_config

    folder = write_digit_folder(tmp_path / "photos", per_class=10)
    config = folder_config(folder, 32, str(weights), device="cpu", batch_size=16)
    done = list(Trainer(config, checkpoint_path=tmp_path / "folder.pt").fit())[-1]

    def no_weights(*args, **kwargs):
        raise AssertionError("opening a checkpoint must not load backbone weights from anywhere")

    monkeypatch.setattr(transfer, "backbone_state_dict", no_weights)
    run = panel.state.open_checkpoint(done.checkpoint)
    assert run.status == RunStatus.OPENED and run.classes == ("one", "two", "zero")
    qtbot.waitUntil(lambda: len(panel.grid.cards) == 6, timeout=60_000)
    assert run.name in panel.heading.text()


def test_offline_without_a_weights_file_says_what_to_do(panel, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(transfer.urllib.request, "urlopen", offline)
    panel.folder_edit.setText(str(write_digit_folder(tmp_path / "photos", per_class=3)))
    assert panel.weights() == "imagenet"
    panel.train_button.click()
    qtbot.waitUntil(lambda: "ImageNet weights" in panel.status.text(), timeout=60_000)
    assert "a file" in panel.status.text() and panel.train_button.isEnabled()
    assert not panel.state.runs  # no run was made


def test_train_without_a_folder_asks_for_one(panel):
    panel.train_button.click()
    assert "Choose a folder" in panel.status.text() and not panel.state.runs


def test_the_digits_demo_runs_as_runs_and_fills_its_table(panel, qtbot):
    demo = panel.demo
    demo.ks = (10,)  # one row, on a few hundred digits: the wiring, not the result (tests/test_cli_transfer.py)
    demo.common = dict(device="cpu", train_subset=600, test_subset=200)
    demo.button.click()
    pretraining = panel.state.run(demo.pretrain_id)
    assert "pretraining" in pretraining.name and demo.button.text() == "Stop the demo"
    qtbot.waitUntil(lambda: len(demo.run_ids) == 3, timeout=120_000)
    runs = {mode: panel.state.run(demo.run_ids[(10, mode)]) for mode in ("frozen", "finetune", "scratch")}
    assert runs["frozen"].settings["init_from"] == pretraining.checkpoint and runs["scratch"].settings["init_from"] is None
    assert [r.name for r in runs.values()] == [f"digits 5–9 K=10 {mode}" for mode in runs]
    qtbot.waitUntil(lambda: not demo.running, timeout=240_000)
    cells = [demo.table.item(0, column).text() for column in range(3)]
    assert all(cell.endswith("%") for cell in cells), cells
    assert sum(demo.table.item(0, column).font().bold() for column in range(3)) == 1  # the row's best
    assert "With 10 labels a digit" in demo.status.text() and demo.button.text() == "Run the digits demo"
