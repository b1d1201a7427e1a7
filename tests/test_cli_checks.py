"""Every numeric flag and output path is checked before any data is loaded: exit 2, naming the flag."""

from __future__ import annotations

import json
import os

import pytest

from resviz import cli
from resviz.commands import evaluate, train


class DataLoaded(BaseException):
    """Raised by the data loader stand-in; a BaseException, so the CLI's error handling lets it through."""


@pytest.fixture(autouse=True)
def _no_data_may_load(monkeypatch):
    def refuse(*args, **kwargs):
        raise DataLoaded("data was loaded before the command line was checked")
    monkeypatch.setattr(train, "load_dataset", refuse)
    monkeypatch.setattr(evaluate, "load_dataset", refuse)


def _fails_naming(capfd, argv, flag, allowed):
    assert cli.main(argv) == 2
    out, err = capfd.readouterr()
    assert flag in err and allowed in err and "Traceback" not in err
    return out


@pytest.mark.parametrize("flag, value, allowed", [
    ("--epochs", "0", "from 1 to 10,000"),
    ("--epochs", "-1", "from 1 to 10,000"),
    ("--epochs", "2.5", "whole number"),
    ("--batch-size", "0", "from 1 to 65,536"),
    ("--lr", "nan", "finite number > 0"),
    ("--lr", "-1", "finite number > 0"),
    ("--lr", "inf", "finite number > 0"),
    ("--lr", "0", "finite number > 0"),
    ("--lr", "abc", "finite number > 0"),
    ("--weight-decay", "-1", "≥ 0 and ≤ 1"),
    ("--weight-decay", "nan", "≥ 0 and ≤ 1"),
    ("--train-subset", "0", "from 1 to"),
    ("--test-subset", "0", "from 1 to"),
    ("--seed", "-5", "from 0 to"),
])
def test_train_refuses_each_bad_number(capfd, tmp_path, flag, value, allowed):
    out = _fails_naming(capfd, ["train", "--model", "cnn", "--out", str(tmp_path / "m.pt"), flag, value],
                        f"argument {flag}", allowed)
    assert flag in json.loads(out.strip().splitlines()[-1])["error"]  # scripts still get their JSON line
    assert not (tmp_path / "m.pt").exists()


def test_train_takes_good_numbers_up_to_the_data(monkeypatch, tmp_path):
    """The checks let sensible values through: the run reaches the data loader (refused by the fixture)."""
    with pytest.raises(DataLoaded):
        cli.main(["train", "--model", "cnn", "--epochs", "1", "--batch-size", "64", "--lr", "1e-3",
                  "--weight-decay", "0", "--train-subset", "100", "--test-subset", "50", "--out", str(tmp_path / "m.pt")])


def test_out_under_proc_is_refused_before_training(capfd):
    out = _fails_naming(capfd, ["train", "--model", "cnn", "--out", "/proc/nope.pt"], "--out /proc/nope.pt", "cannot write")
    assert "--out" in json.loads(out.strip().splitlines()[-1])["error"]


def test_out_that_is_a_folder_is_refused(capfd, tmp_path):
    _fails_naming(capfd, ["train", "--model", "cnn", "--out", str(tmp_path)], "--out", "is a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_out_in_a_read_only_folder_is_refused(capfd, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        _fails_naming(capfd, ["train", "--model", "cnn", "--out", str(locked / "m.pt")], "--out", "cannot write")
    finally:
        locked.chmod(0o755)


def test_out_in_a_folder_still_to_be_made_is_fine(tmp_path):
    with pytest.raises(DataLoaded):
        cli.main(["train", "--model", "cnn", "--out", str(tmp_path / "new" / "folder" / "m.pt")])
    assert not list(tmp_path.iterdir())  # the probe left nothing behind


def test_missing_data_dir_is_refused(capfd, tmp_path):
    _fails_naming(capfd, ["train", "--model", "cnn", "--out", str(tmp_path / "m.pt"),
                           "--data-dir", str(tmp_path / "nowhere")], "--data-dir", "no such folder")


def test_a_model_that_cannot_take_the_dataset_is_refused_before_data_loads(capfd, tmp_path):
    _fails_naming(capfd, ["train", "--model", "mnist1d-cnn", "--dataset", "mnist", "--out", str(tmp_path / "m.pt")],
                  "--model mnist1d-cnn", "takes signals")
    _fails_naming(capfd, ["train", "--model", "resnet", "--dataset", "mnist1d", "--out", str(tmp_path / "r.pt")],
                  "--model resnet", "takes images")


def test_eval_refuses_a_bad_subset(capfd):
    _fails_naming(capfd, ["eval", "--checkpoint", "x.pt", "--test-subset", "0"], "argument --test-subset", "from 1 to")


def test_bench_refuses_bad_seeds_and_an_unwritable_json_path(capfd, monkeypatch):
    from resviz.bench import context

    monkeypatch.setattr(context.BenchContext, "create", lambda *a, **k: pytest.fail("bench started"))
    _fails_naming(capfd, ["bench", "--seeds", "0"], "argument --seeds", "from 1 to 100")
    _fails_naming(capfd, ["bench", "--json", "/proc/bench.json"], "--json /proc/bench.json", "cannot write")


def test_unknown_word_lists_the_commands(capfd):
    assert cli.main(["trian"]) == 2
    assert "invalid choice: 'trian'" in capfd.readouterr().err
