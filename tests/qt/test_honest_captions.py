"""Every caption tells the truth (issue 19): model pickers name each model once, a queued run names the
runs still ahead of it, the Runs list shows dataset titles in colours anyone tells apart, the status bar
counts threads in good English, an opened checkpoint keeps its run's name, and the window starts quietly."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from run_helpers import wait_done

from resviz.core import models
from resviz.core.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from resviz.core.devices import device_name
from resviz.core.events import Step
from resviz.core.replica import ModelReplica
from resviz.core.run_manager import queue_caption
from resviz.core.runs import Run, RunStatus
from resviz.core.trainer import TrainConfig
from resviz.qt.widgets.run_colours import run_colour


def times_said(key: str, text: str) -> int:
    """How often ``text`` says the registry name ``key`` as a word ('cvae' is not in 'cvae2d')."""
    return len(re.findall(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text))


def items(box) -> list[tuple[str, str]]:
    return [(box.itemText(i), box.itemData(i)) for i in range(box.count()) if box.itemData(i) is not None]


def replica(name: str) -> ModelReplica:
    model = models.build(name, seed=0).eval()
    return ModelReplica(name, models.model_config(model), model)


def test_every_model_picker_says_each_models_name_once(window, qtbot):
    training = window.panel("Training")
    assert ("Conv VAE, 16-D latent (cvae)", "cvae") in items(training.model_box)
    for text, key in items(training.model_box):
        assert times_said(key, text) == 1, text
    state = window.state
    runs = [state.show_model(replica(name)) for name in ("cvae", "cvae2d", "vae1")]
    state.rename(runs[0].id, "my first VAE")
    pickers = [window.panel("Latent space").model_box, window.panel("Clusters").model_box]
    for box in pickers:
        assert [text for text, _ in items(box)] == [
            "my first VAE — Conv VAE, 16-D latent (cvae)",  # renamed: the model's name is said here
            "cvae2d #1 — Conv VAE, 2-D latent",  # the run's name says it already
            "vae1 #1 — Seed 000 Model 1"]
        for text, run_id in items(box):
            assert times_said(state.run(run_id).model, text) <= 1, text
    generated = window.panel("Generated")
    window.tabs.setCurrentWidget(generated)
    qtbot.waitUntil(lambda: "step" in generated._boxes["vae1"].title(), timeout=10_000)
    assert generated._boxes["vae1"].title().startswith("vae1 #1 — Seed 000 Model 1 · step 0")
    for name, box in generated._boxes.items():
        assert times_said(name, box.title()) == 1, box.title()
    for run in runs:
        assert times_said(run.model, window.runs_list.item(run.id).text(0) + window.runs_list.item(run.id).text(1)) <= 1
    state.select(runs[1].id)
    assert times_said("cvae2d", training.run_info.text()) == 1
    architectures = window.panel("Architectures")
    architectures.ensure_ready()
    for text, key in items(architectures.model_box):
        assert times_said(key, text) <= 1, text


def small(**overrides) -> TrainConfig:
    settings = dict(device="cpu", epochs=50, batch_size=64, train_subset=2_000, test_subset=300, log_every=2,
                    snapshot_every=4)
    return TrainConfig.for_model("cnn", **{**settings, **overrides})


def test_a_queued_run_names_only_the_runs_still_ahead_of_it(window, qtbot):
    state, panel = window.state, window.panel("Training")
    state.parallel_runs = 1
    first = state.start_run(small(), name="plain 6, no BN, ReLU")
    second = state.start_run(small(seed=1), alongside=True, name="plain 30, no BN, ReLU")
    queued = state.start_run(small(seed=2))
    assert queued.status == RunStatus.QUEUED and state.selected_id == queued.id
    both = "Queued: starts when these 2 runs end: “plain 6, no BN, ReLU”, “plain 30, no BN, ReLU”."
    assert queued.message == both and panel.progress_label.text() == both
    assert window.runs_list.item(queued.id).toolTip(3) == both
    qtbot.waitUntil(lambda: state.job(first.id) is not None, timeout=60_000)  # its data loaded: it trains
    state.stop(first.id)
    wait_done(qtbot, window, first, timeout=60_000)
    one = "Queued: starts when “plain 30, no BN, ReLU” ends"  # then the wait, once it trains: " (in about 2 min)."
    assert queued.status == RunStatus.QUEUED
    assert queued.message.startswith(one) and panel.progress_label.text() == queued.message
    assert window.runs_list.item(queued.id).toolTip(3) == queued.message
    state.rename(second.id, "plain 30")
    assert panel.progress_label.text().startswith("Queued: starts when “plain 30” ends")
    state.stop(queued.id)
    qtbot.waitUntil(lambda: state.job(second.id) is not None, timeout=60_000)
    state.stop(second.id)
    wait_done(qtbot, window, second, timeout=60_000)


def test_queue_caption_says_how_many_must_end_when_several_train_at_once():
    runs = [Run(f"run{i}", name, "cnn", "mnist") for i, name in enumerate(("a, b", "c", "d"), 1)]
    assert queue_caption(runs[:1], 1) == "Queued: starts when “a, b” ends."
    assert queue_caption(runs, 1) == "Queued: starts when one of these 3 runs ends: “a, b”, “c”, “d”."
    assert queue_caption(runs, 2) == "Queued: starts when 2 of these 3 runs end: “a, b”, “c”, “d”."
    assert queue_caption(runs, 3) == "Queued: starts when these 3 runs end: “a, b”, “c”, “d”."


def test_queue_caption_says_roughly_how_long_once_the_runs_ahead_train():
    runs = [Run(f"run{i}", name, "cnn", "mnist", status=RunStatus.RUNNING) for i, name in enumerate("abc", 1)]
    assert queue_caption(runs[:1], 1) == "Queued: starts when “a” ends."  # no step yet: no estimate
    for run, eta in zip(runs, (30.0, 150.0, 610.0)):
        run.progress = Step(10, 100, 1, 0.5, {}, 1e-3, 100.0, 12.0, eta)
    assert queue_caption(runs[:1], 1) == "Queued: starts when “a” ends (in under a minute)."
    assert queue_caption(runs[1:2], 1) == "Queued: starts when “b” ends (in about 3 min)."
    assert queue_caption(runs, 2) == "Queued: starts when 2 of these 3 runs end (in about 3 min): “a”, “b”, “c”."
    assert queue_caption(runs, 3) == "Queued: starts when these 3 runs end (in about 11 min): “a”, “b”, “c”."
    runs[2].progress = None  # one ahead has no estimate: no time is promised
    assert queue_caption(runs, 3) == "Queued: starts when these 3 runs end: “a”, “b”, “c”."


def test_the_runs_list_shows_dataset_titles_never_keys(window):
    state, panel = window.state, window.panel("Training")
    queued = state.store.create("cnn", "fashion")  # queued: nothing loaded yet
    opened = state.store.add(Run("run90", "old", "cnn", "fashion", dataset_title="fashion",  # an old checkpoint
                                 status=RunStatus.OPENED))
    some = state.store.add(Run("run91", "few", "cnn", "subset", dataset_title="digits 0–4", status=RunStatus.OPENED))
    assert [window.runs_list.item(r.id).text(2) for r in (queued, opened, some)] == [
        "Fashion-MNIST", "Fashion-MNIST", "digits 0–4"]
    state.select(queued.id)
    assert "Fashion-MNIST" in panel.run_info.text() and "fashion<" not in panel.run_info.text()


# --- colours: CIELAB distances, for normal vision and simulated colour blindness ---------------------
# Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB
SIMULATIONS = {
    "normal vision": np.eye(3),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])


def lab(colour: str, seen_by: np.ndarray) -> np.ndarray:
    srgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    xyz = XYZ @ np.clip(seen_by @ linear, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("eyes", SIMULATIONS)
def test_the_first_eight_run_colours_are_far_apart(eyes):
    colours = [run_colour(f"run{n}") for n in range(1, 9)]
    points = [lab(c, SIMULATIONS[eyes]) for c in colours]
    for (a, p), (b, q) in itertools.combinations(zip(colours, points), 2):
        assert np.linalg.norm(p - q) > 15, f"{a} and {b} look alike ({eyes})"
    for n in range(1, 20):  # runs made one after the other: clearly unlike
        a, b = run_colour(f"run{n}"), run_colour(f"run{n + 1}")
        assert np.linalg.norm(lab(a, SIMULATIONS[eyes]) - lab(b, SIMULATIONS[eyes])) > 30, (a, b, eyes)


def test_the_status_bar_counts_one_thread_in_the_singular(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert device_name(torch.device("cpu")).endswith(", 1 thread)")
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    assert device_name(torch.device("cpu")).endswith(", 4 threads)")


def test_an_opened_checkpoint_keeps_the_name_its_run_was_saved_under(window, tmp_path):
    state = window.state
    run = state.show_model(replica("cnn"))
    state.rename(run.id, "plain 30, no BN, ReLU")
    state.save_run(run.id, str(tmp_path / "plain30.pt"))
    opened = state.open_checkpoint(str(tmp_path / "plain30.pt"))
    assert opened.name == "plain 30, no BN, ReLU"
    assert window.runs_list.item(opened.id).text(0) == "plain 30, no BN, ReLU"


def test_a_checkpoints_name_must_be_text(tmp_path):
    model = models.build("cnn")
    path = save_checkpoint(tmp_path / "odd.pt", model="cnn", model_config=models.model_config(model),
                           state_dict=model.state_dict(), name=["not", "a", "name"])
    with pytest.raises(CheckpointError, match="'name' is a list holding str, not the run's name"):
        load_checkpoint(path)


QUIET_START = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from resviz.qt.main_window import MainWindow
from resviz.qt.settings import Settings
from resviz.qt.state import AppState
window = MainWindow(AppState(), settings=Settings(sys.argv[1]))
app.processEvents()
import torch._dynamo  # what the app warms up in the background after the first paint
print(json.dumps(sorted(m for m in ("matplotlib", "requests", "urllib3", "tensorboard") if m in sys.modules)))
"""


def test_the_window_starts_without_printing_to_the_terminal(tmp_path):
    """A first start (empty home, no caches) behind a SOCKS proxy: nothing on stderr, and none of the
    packages that print there (urllib3's SOCKS warning, Matplotlib's font cache) is imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "MPL"))}
    env.update(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", ALL_PROXY="socks5://127.0.0.1:9",
               all_proxy="socks5://127.0.0.1:9", PYTHONWARNINGS="default")
    done = subprocess.run([sys.executable, "-c", QUIET_START, str(tmp_path / "settings.json")], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout.splitlines()[-1]) == []
