"""Issue 18, "Trust": every command that writes refuses a target it may not replace, checks its flags
before any work, and says a full disk as such, with where the work went instead."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys

import pytest
import torch

from resviz import cli
from resviz.commands import evaluate, export, sample, train, transfer
from resviz.core import atomic, models
from resviz.core.checkpoints import load_checkpoint, save_checkpoint


class WorkStarted(BaseException):
    """Raised by the stand-ins for loaders; a BaseException, so the CLI's error handling lets it through."""


@pytest.fixture
def no_work(monkeypatch):
    """Loading data, weights or a checkpoint is the work a refusal must come before."""
    def refuse(*args, **kwargs):
        raise WorkStarted("work started before the command line was checked")
    for module in (train, evaluate, export):
        monkeypatch.setattr(module, "load_dataset", refuse)
    for module in (sample, export):
        monkeypatch.setattr(module, "load_checkpoint", refuse)
    monkeypatch.setattr(transfer, "backbone_state_dict", refuse)
    monkeypatch.setattr("resviz.core.data.load_dataset", refuse)  # depth imports it in run()
    monkeypatch.setattr("resviz.core.arch.catalog.summarize_architecture", refuse)


def _state(path):
    """What must not change: the kind of file, its mode and (for a regular file) its bytes."""
    info = os.lstat(path)
    data = path.read_bytes() if stat.S_ISREG(info.st_mode) else None
    return stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), data


def _targets(tmp_path, suffix):
    """A symbolic link to /dev/null, a FIFO and a file without write bits, each named *suffix."""
    link = tmp_path / f"null{suffix}"
    link.symlink_to("/dev/null")
    fifo = tmp_path / f"fifo{suffix}"
    os.mkfifo(fifo)
    read_only = tmp_path / f"read-only{suffix}"
    read_only.write_text("keep me")
    read_only.chmod(0o444)
    return {"a symbolic link": link, "a FIFO": fifo, "read-only": read_only}


def _argv(command, target, tmp_path):
    images = tmp_path / "images"
    images.mkdir(exist_ok=True)
    return {
        "train": ["train", "--model", "cnn", "--out", str(target)],
        "transfer": ["transfer", "--images", str(images), "--out", str(target)],
        "sample": ["sample", "--checkpoint", str(tmp_path / "vae.pt"), "--n", "4", "--out", str(target)],
        "depth": ["depth", "--quick", "--json", str(target)],
        "arch": ["arch", "cnn", "--json", str(target)],
    }[command]


@pytest.mark.parametrize("command, suffix", [("train", ".pt"), ("transfer", ".pt"), ("sample", ".npy"),
                                             ("depth", ".json"), ("arch", ".json")])
def test_each_writing_command_refuses_a_target_it_may_not_replace(no_work, capfd, tmp_path, command, suffix):
    for what, target in _targets(tmp_path, suffix).items():
        before = _state(target)
        assert cli.main(_argv(command, target, tmp_path)) == 2, (command, what)
        out, err = capfd.readouterr()
        assert what in err and str(target) in err and "Traceback" not in err, (command, err)
        assert what in json.loads(out.strip().splitlines()[-1])["error"]
        assert _state(target) == before, f"{command} changed {what}"
    assert os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_export_refuses_a_folder_whose_files_it_may_not_replace(no_work, capfd, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "metrics.json").write_text("{}")
    (folder / "metrics.json").chmod(0o444)
    assert cli.main(["export", "--checkpoint", "x.pt", "--out", str(folder)]) == 2
    assert "metrics.json is read-only" in capfd.readouterr().err
    assert cli.main(["export", "--checkpoint", "x.pt", "--out", "/dev/null"]) == 2
    assert "--out /dev/null is not a folder" in capfd.readouterr().err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_train_out_dev_null_in_a_real_process(tmp_path):
    """The issue's own case: exit 2 at once, /dev/null still a device; a chmod 444 file unchanged."""
    locked = tmp_path / "locked.pt"
    locked.write_bytes(b"precious")
    locked.chmod(0o444)
    for target in ("/dev/null", str(locked)):
        done = subprocess.run([sys.executable, "-m", "resviz", "train", "--model", "cnn", "--epochs", "1",
                               "--out", target], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "--out" in done.stderr and target in done.stderr, done.stderr
        assert "Loading" not in done.stderr  # refused before any data
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert locked.read_bytes() == b"precious" and stat.S_IMODE(locked.stat().st_mode) == 0o444


# --- D: every command checks its flags before loading anything ------------------------------------
@pytest.mark.parametrize("flag, value, allowed", [
    ("--epochs", "0", "from 1 to 10,000"),
    ("--epochs", "-1", "from 1 to 10,000"),
    ("--batch-size", "0", "from 1 to 65,536"),
    ("--lr", "nan", "finite number > 0"),
    ("--image-size", "8", "from 16 to 1,024"),
    ("--seed", "-1", "from 0 to"),
])
def test_transfer_refuses_bad_numbers_before_loading_weights(no_work, capfd, tmp_path, flag, value, allowed):
    assert cli.main(["transfer", "--images", str(tmp_path), flag, value]) == 2
    out, err = capfd.readouterr()
    assert f"argument {flag}" in err and allowed in err
    assert flag in json.loads(out.strip().splitlines()[-1])["error"]


def test_transfer_refuses_an_out_it_cannot_write_before_loading_weights(no_work, capfd, tmp_path):
    assert cli.main(["transfer", "--images", str(tmp_path), "--out", "/proc/nope.pt"]) == 2
    assert "--out /proc/nope.pt" in capfd.readouterr().err
    assert cli.main(["transfer", "--images", str(tmp_path / "none"), "--out", str(tmp_path / "m.pt")]) == 2
    assert "--images" in capfd.readouterr().err


def test_sample_refuses_a_negative_seed_by_name(no_work, capfd, tmp_path):
    assert cli.main(["sample", "--checkpoint", "x.pt", "--n", "2", "--seed", "-1", "--out", str(tmp_path / "a.npy")]) == 2
    assert "argument --seed" in capfd.readouterr().err


@pytest.mark.parametrize("argv", [["depth", "--quick"], ["export", "--checkpoint", "x.pt", "--out", "OUT"]])
def test_a_missing_data_dir_is_refused(no_work, capfd, tmp_path, argv):
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert cli.main([*argv, "--data-dir", str(tmp_path / "nowhere")]) == 2
    out, err = capfd.readouterr()
    assert "--data-dir" in err and "nowhere" in err and "--data-dir" in json.loads(out.splitlines()[-1])["error"]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """Untrained CNN (MNIST-shaped, with curves) and VAE checkpoints: what eval and export open."""
    folder = tmp_path_factory.mktemp("checkpoints")
    torch.manual_seed(0)
    paths = {}
    for name, objective in (("cnn", "classifier"), ("cvae2d", "vae")):
        model = models.build(name)
        paths[name] = save_checkpoint(folder / f"{name}.pt", model=name, model_config=models.model_config(model),
                                      state_dict=model.state_dict(), objective=objective, dataset="mnist",
                                      history={"step": [1], "loss": [2.3]})
    return paths


def test_eval_on_a_dataset_the_model_does_not_take_says_so(checkpoints, capfd, monkeypatch):
    monkeypatch.setattr(evaluate, "load_dataset", lambda *a, **k: pytest.fail("data loaded"))
    assert cli.main(["eval", "--checkpoint", str(checkpoints["cnn"]), "--dataset", "mnist1d"]) == 2
    out, err = capfd.readouterr()
    assert "--dataset mnist1d" in err and "takes images" in err and "size mismatch" not in err
    assert "takes images" in json.loads(out.splitlines()[-1])["error"]


def test_export_evaluate_on_a_vae_names_what_it_needs(checkpoints, capfd, tmp_path):
    assert cli.main(["export", "--checkpoint", str(checkpoints["cvae2d"]), "--out", str(tmp_path), "--evaluate"]) == 2
    out, err = capfd.readouterr()
    assert "--evaluate needs a classifier checkpoint" in err and "AttributeError" not in err + out
    assert "cvae2d" in json.loads(out.splitlines()[-1])["error"]


def test_sample_says_its_errors_on_stderr_too(checkpoints, capfd, tmp_path):
    assert cli.main(["sample", "--checkpoint", str(checkpoints["cnn"]), "--n", "2", "--out", str(tmp_path / "a.npy")]) == 2
    out, err = capfd.readouterr()
    assert "sampling needs a VAE checkpoint" in err and "sampling needs" in json.loads(out.splitlines()[-1])["error"]


def test_sample_writes_through_atomic_write(checkpoints, capfd, tmp_path, monkeypatch):
    written = []
    real = atomic.atomic_write
    monkeypatch.setattr(atomic, "atomic_write", lambda path, write: written.append(path) or real(path, write))
    out = tmp_path / "digits.png"
    assert cli.main(["sample", "--checkpoint", str(checkpoints["cvae2d"]), "--n", "4", "--prior", "normal",
                     "--out", str(out)]) == 0
    assert written == [out] and out.stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file stays


# --- E: a full disk is said as such, with where the checkpoint went instead -----------------------
def _disk_full_in(monkeypatch, folder=None):
    """fsync fails with ENOSPC for files in ``folder`` (every file when None), as on a full disk."""
    real = os.fsync

    def fsync(fd):
        where = os.readlink(f"/proc/self/fd/{fd}")
        if folder is None or where.startswith(str(folder)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)
    monkeypatch.setattr(atomic.os, "fsync", fsync)


_SMALL_RUN = ["train", "--model", "cnn", "--epochs", "1", "--device", "cpu", "--train-subset", "128",
              "--test-subset", "64", "--batch-size", "64", "--threads", "1"]


def test_a_full_disk_at_out_is_said_and_the_checkpoint_saved_elsewhere(monkeypatch, capfd, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    _disk_full_in(monkeypatch, full)
    assert cli.main([*_SMALL_RUN, "--out", str(full / "m.pt")]) == 0
    out, err = capfd.readouterr()
    result = json.loads(out.strip().splitlines()[-1])
    assert "the disk is full" in err and result["checkpoint"] in err and "inline_container" not in err
    assert not result["checkpoint"].startswith(str(full)) and "the disk is full" in result["note"]
    assert load_checkpoint(result["checkpoint"]).model_name == "cnn"
    assert not list(full.iterdir())  # no half file, no temporary file


def test_a_full_disk_everywhere_is_said_in_words(monkeypatch, capfd, tmp_path):
    _disk_full_in(monkeypatch)
    assert cli.main([*_SMALL_RUN, "--out", str(tmp_path / "m.pt")]) == 1
    out, err = capfd.readouterr()
    assert "the disk is full" in err and "[Errno" not in err and "inline_container" not in err
    assert "the disk is full" in json.loads(out.strip().splitlines()[-1])["error"]


def test_torchs_own_words_for_a_failed_write_are_translated():
    raw = "Training stopped: [enforce fail at inline_container.cc:664] . unexpected pos 4160 vs 4058"
    assert train.readable(raw) == "Training stopped: the checkpoint could not be written (the disk may be full)"


def test_the_cli_says_an_uncaught_disk_full_or_unsafe_target_plainly(monkeypatch, capfd, tmp_path):
    def full(args):
        raise atomic.DiskFull(tmp_path)
    monkeypatch.setattr(evaluate, "run", full)
    assert cli.main(["eval", "--checkpoint", "x.pt"]) == 1
    err = capfd.readouterr().err
    assert "the disk is full" in err and "failed: DiskFull" not in err and "details:" not in err


def test_a_torchvision_that_does_not_match_torch_is_one_line_exit_2(monkeypatch, capsys):
    from resviz import cli
    from resviz.core import torchvision_pair
    from resviz.core.arch import catalog

    def mismatch(*args, **kwargs):
        raise torchvision_pair.TorchvisionMismatch("torchvision 0.20 was built for another torch; install torchvision 0.29")

    monkeypatch.setattr(catalog, "architectures", mismatch)
    code = cli.main(["arch", "--list"])
    err = capsys.readouterr().err
    assert code == 2 and "install torchvision 0.29" in err and "Traceback" not in err


def test_a_damaged_mnist_file_is_named_exit_2(tmp_path, capsys):
    from resviz import cli

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / f"{name}.gz").write_bytes(b"not gzip at all")
    code = cli.main(["train", "--model", "cnn", "--epochs", "1", "--data-dir", str(tmp_path), "--out", str(tmp_path / "m.pt")])
    err = capsys.readouterr().err
    assert code == 2 and "train-images-idx3-ubyte.gz" in err and ("delete" in err or "download" in err)
