"""A failure in a command: one line for the person naming the log file; the traceback is in the log."""

from __future__ import annotations

import json

from resviz import cli
from resviz.commands import evaluate, train
from resviz.core import logs
from resviz.core.events import Step
from resviz.core.trainer import Trainer


def _explode(args):
    return {}["no such key"]


def test_an_unexpected_error_names_the_log_that_holds_its_traceback(monkeypatch, capfd, tmp_path):
    monkeypatch.setattr(evaluate, "run", _explode)
    assert cli.main(["eval", "--checkpoint", str(tmp_path / "x.pt")]) == 1
    out, err = capfd.readouterr()
    log = logs.log_path()
    assert "Traceback" not in err and f"(details: {log})" in err
    assert json.loads(out.strip().splitlines()[-1])["log"] == str(log)
    text = log.read_text()
    assert "resviz eval failed: KeyError" in text and "Traceback (most recent call last)" in text
    assert "_explode" in text  # the frame where it happened


def test_verbose_prints_the_traceback_too(monkeypatch, capfd, tmp_path):
    monkeypatch.setattr(evaluate, "run", _explode)
    assert cli.main(["eval", "--checkpoint", str(tmp_path / "x.pt"), "--verbose"]) == 1
    err = capfd.readouterr().err
    assert "Traceback (most recent call last)" in err and "_explode" in err


class _FailsAfterTheFirstStep(Trainer):
    def _loop(self, ctx, callbacks):
        for event in super()._loop(ctx, callbacks):
            yield event
            if isinstance(event, Step):
                raise RuntimeError("the disk went away")


def test_a_failed_run_is_logged_and_the_message_says_where(monkeypatch, capfd, tmp_path):
    monkeypatch.setattr(train, "Trainer", _FailsAfterTheFirstStep)
    code = cli.main(["train", "--model", "cnn", "--epochs", "1", "--device", "cpu", "--train-subset", "256",
                     "--test-subset", "64", "--batch-size", "64", "--out", str(tmp_path / "m.pt")])
    out, err = capfd.readouterr()
    assert code == 1
    result = json.loads(out.strip().splitlines()[-1])
    assert "the disk went away" in result["error"] and result["log"] == str(logs.log_path())
    assert f"(details: {logs.log_path()})" in err
    assert "the disk went away" in logs.log_path().read_text()
