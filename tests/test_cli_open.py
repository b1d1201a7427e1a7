"""`resviz FILE.pt` opens the checkpoint in the window; argv handling, tested without opening one."""

from __future__ import annotations

import pytest

from resviz import cli
from resviz.core import models
from resviz.core.checkpoints import save_checkpoint
from resviz.qt import app, platform_check


@pytest.fixture
def opened(monkeypatch):
    """Stand-ins for the window and the display check: record what would have been opened."""
    calls = []
    monkeypatch.setattr(app, "run_app", lambda checkpoint=None, data_dir=None: calls.append((checkpoint, data_dir)) or 0)
    monkeypatch.setattr(platform_check, "find_problem", lambda: None)
    return calls


@pytest.fixture
def checkpoint(tmp_path):
    model = models.build("cnn")
    return save_checkpoint(tmp_path / "resnet.pt", model="cnn", model_config={}, state_dict=model.state_dict())


def test_a_checkpoint_as_the_only_argument_opens_it_in_the_window(opened, checkpoint):
    assert cli.main([str(checkpoint)]) == 0
    assert opened == [(str(checkpoint), None)]


def test_gui_with_a_checkpoint_and_options_still_works(opened, checkpoint, tmp_path):
    assert cli.main(["gui", str(checkpoint), "--data-dir", str(tmp_path)]) == 0
    assert cli.main([str(checkpoint), "--data-dir", str(tmp_path)]) == 0
    assert opened == [(str(checkpoint), str(tmp_path))] * 2


def test_no_arguments_and_options_alone_open_the_window(opened, tmp_path):
    assert cli.main([]) == 0
    assert cli.main(["--data-dir", str(tmp_path)]) == 0
    assert opened == [(None, None), (None, str(tmp_path))]


def test_a_missing_checkpoint_is_refused_before_a_window_opens(opened, capfd, tmp_path):
    assert cli.main([str(tmp_path / "nope.pt")]) == 2
    assert "no such checkpoint file" in capfd.readouterr().err and not opened


def test_an_existing_file_without_the_suffix_is_taken_for_a_checkpoint(opened, checkpoint):
    renamed = checkpoint.rename(checkpoint.with_suffix(".weights"))
    assert cli.main([str(renamed)]) == 0 and opened == [(str(renamed), None)]


def test_commands_are_still_commands(opened, capfd):
    assert cli.main(["train", "--help"]) == 0
    assert "--epochs" in capfd.readouterr().out and not opened


def test_a_display_problem_is_said_instead_of_opening(monkeypatch, capfd):
    monkeypatch.setattr(app, "run_app", lambda **kwargs: pytest.fail("the window was opened"))
    monkeypatch.setattr(platform_check, "find_problem", lambda: "resviz cannot open its window: because.")
    assert cli.main([]) == 1
    assert "because." in capfd.readouterr().err
