"""`--run-dir`: a run in another process writes its folder as it trains, and a reader follows it live."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from resviz import cli
from resviz.core import models
from resviz.core.checkpoints import load_checkpoint
from resviz.core.events import Done, Snapshot, Started, Step
from resviz.core.run_folder import RunFolderReader, RunFolderWriter, is_run_folder
from resviz.qt import app, platform_check

TINY = ("--model", "cnn", "--device", "cpu", "--threads", "1", "--test-subset", "128", "--batch-size", "64")


def _start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "resviz", "train", *TINY, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _reader(folder, proc: subprocess.Popen, timeout: float = 120) -> RunFolderReader:
    """A reader for ``folder`` as soon as the process has made it a run folder."""
    deadline = time.monotonic() + timeout
    while not is_run_folder(folder):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run folder never appeared"
        time.sleep(0.05)
    return RunFolderReader(folder)


def _last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_a_run_in_another_process_is_followed_as_it_trains(tmp_path):
    folder = tmp_path / "run"
    proc = _start("--epochs", "3", "--train-subset", "2048", "--snapshot-every", "16", "--run-dir", str(folder))
    try:
        reader = _reader(folder, proc)
        polls, deadline = [], time.monotonic() + 300
        while not reader.finished:
            assert time.monotonic() < deadline, "the run never finished"
            events = reader.poll()
            if events:
                polls.append(events)
            elif proc.poll() is not None:
                polls.append(reader.poll())  # what it wrote just before it ended
                break
            time.sleep(0.05)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-2000:]
    events = [e for batch in polls for e in batch]
    assert reader.finished and isinstance(events[-1], Done) and isinstance(events[0], Started)
    step_polls = [batch for batch in polls if any(isinstance(e, Step) for e in batch)]
    assert len(step_polls) >= 2, "the curve should grow over several polls, not arrive at once"
    steps = [e.step for e in events if isinstance(e, Step)]
    assert steps == sorted(steps) and steps[-1] == 96
    snapshots = [e for e in events if isinstance(e, Snapshot)]
    expected = models.build("cnn").state_dict()
    assert len(snapshots) >= 2 and all(s.state.keys() == expected.keys() for s in snapshots)
    assert all(s.state[k].shape == tuple(v.shape) for s in snapshots for k, v in expected.items())
    assert len(list((folder / "snapshots").iterdir())) == 3  # the newest three stay
    done = events[-1]
    assert done.checkpoint == str(folder / "checkpoint.pt") == _last_json(out)["checkpoint"]
    assert reader.checkpoint == folder / "checkpoint.pt"
    assert load_checkpoint(done.checkpoint).model_name == "cnn"
    assert _last_json(out)["run_dir"] == str(folder) and reader.writer_alive() is False


def test_a_killed_writer_is_seen_dead_and_unfinished(tmp_path):
    folder = tmp_path / "run"
    proc = _start("--epochs", "200", "--train-subset", "512", "--run-dir", str(folder))
    try:
        reader = _reader(folder, proc)
        deadline = time.monotonic() + 300
        while not any(isinstance(e, Step) for e in reader.poll()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        assert reader.writer_alive() is True
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    reader.poll()
    assert reader.writer_alive() is False and not reader.finished


def test_a_run_dir_that_cannot_be_a_run_folder_is_refused_before_any_work(tmp_path, capfd):
    assert cli.main(["train", *TINY, "--run-dir", os.devnull]) == 2
    assert "--run-dir" in _last_json(capfd.readouterr().out)["error"]
    with RunFolderWriter(tmp_path / "used") as writer:
        writer.write(Step(1, 2, 1, 1.0, {}, 1e-3, 1.0, 1.0, 1.0))
    assert cli.main(["train", *TINY, "--run-dir", str(tmp_path / "used")]) == 2
    assert "another run" in _last_json(capfd.readouterr().out)["error"]
    (tmp_path / "photos").mkdir()
    assert cli.main(["transfer", "--images", str(tmp_path / "photos"), "--run-dir", os.devnull]) == 2
    assert "--run-dir" in _last_json(capfd.readouterr().out)["error"]
    assert cli.main(["transfer", "--demo", "digits", "--run-dir", str(tmp_path / "x")]) == 2
    assert cli.main(["depth", "--quick", "--run-dir", os.devnull]) == 2
    assert _last_json(capfd.readouterr().out)["error"].startswith("--run-dir")
    assert not (tmp_path / "x").exists()


@pytest.fixture
def opened(monkeypatch):
    """Stand-ins for the window and the display check: what would have been opened."""
    calls = []
    monkeypatch.setattr(app, "run_app", lambda **kwargs: calls.append(kwargs) or 0)
    monkeypatch.setattr(platform_check, "find_problem", lambda: None)
    return calls


def test_resviz_dir_follows_the_run_folder_in_the_window(opened, tmp_path, capfd):
    RunFolderWriter(tmp_path / "run").close()
    assert cli.main([str(tmp_path / "run")]) == 0
    assert cli.main(["gui", str(tmp_path / "run"), "--data-dir", str(tmp_path)]) == 0
    assert opened == [{"run_folder": str(tmp_path / "run"), "data_dir": None},
                      {"run_folder": str(tmp_path / "run"), "data_dir": str(tmp_path)}]
    (tmp_path / "plain").mkdir()
    assert cli.main([str(tmp_path / "plain")]) == 2
    assert "not a resviz run folder" in capfd.readouterr().err and len(opened) == 2


def test_depth_writes_one_run_folder_per_net(monkeypatch, tmp_path, capfd):
    from resviz.core import depth_lab
    from resviz.core.depth_lab.runs import DepthRun, Recipe

    tiny = depth_lab.Preset("tiny", "Tiny", "two small nets", (DepthRun("plain", 4, width=4),
                                                                DepthRun("residual", 4, width=4)),
                            Recipe(steps=4, train_subset=128, test_subset=64, batch_size=64))
    monkeypatch.setitem(depth_lab.PRESETS, "tiny", tiny)
    threads = torch.get_num_threads()
    try:
        assert cli.main(["depth", "--preset", "tiny", "--device", "cpu", "--run-dir", str(tmp_path / "depth")]) == 0
    finally:
        torch.set_num_threads(threads)
    names = sorted(p.name for p in (tmp_path / "depth").iterdir())
    assert names == ["01-tiny-plain-4-no-bn-relu-width-4", "02-tiny-residual-4-no-bn-relu-width-4"]
    for name in names:
        reader = RunFolderReader(tmp_path / "depth" / name)
        events = reader.poll()
        assert isinstance(events[0], Started) and events[0].model_config["variant"] in name
        assert [e.step for e in events if isinstance(e, Step)] == [1, 2, 3, 4]
        assert {"Recorded", "Epoch", "Done"} <= {type(e).__name__ for e in events} and reader.finished
    assert len(_last_json(capfd.readouterr().out)) == 2


def test_transfer_writes_its_run_folder(tmp_path):
    from image_folders import save_untrained_resnet50, write_digit_folder

    photos = write_digit_folder(tmp_path / "photos", per_class=8)
    weights = save_untrained_resnet50(tmp_path / "resnet50.pt")
    out = subprocess.run([sys.executable, "-m", "resviz", "transfer", "--images", str(photos), "--weights",
                          str(weights), "--image-size", "64", "--epochs", "1", "--device", "cpu",
                          "--run-dir", str(tmp_path / "run")], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    reader = RunFolderReader(tmp_path / "run")
    events = reader.poll()
    assert [type(e).__name__ for e in events][:2] == ["Started", "Snapshot"] and reader.finished
    assert [e.step for e in events if isinstance(e, Snapshot)] == [0, events[-1].step]  # start and epoch end
    assert events[-1].checkpoint == str(tmp_path / "run" / "checkpoint.pt") == _last_json(out.stdout)["checkpoint"]
