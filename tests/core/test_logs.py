"""Failure logs: a dated file in the per-user state folder, whole entries appended."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing

from resviz.core import logs


def test_the_log_folder_follows_xdg_state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert logs.log_dir() == tmp_path / "state" / "resviz" / "logs"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert logs.log_dir() == tmp_path / "home" / ".local" / "state" / "resviz" / "logs"


def test_log_failure_appends_message_and_traceback_to_todays_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    try:
        {}["missing"]
    except KeyError:
        import traceback
        first = logs.log_failure("Training stopped: 'missing'", traceback.format_exc())
    second = logs.log_failure("Second failure")
    assert first == second == logs.log_dir() / f"resviz-{dt.date.today().isoformat()}.log"
    text = first.read_text()
    assert text.count("FAILURE") == 2
    assert "Training stopped: 'missing'" in text and "Traceback (most recent call last)" in text
    assert "KeyError: 'missing'" in text and "(no traceback)" in text


def test_an_unwritable_log_folder_returns_none(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "file"))
    assert logs.log_failure("x", "y") is None
    assert logs.with_log_hint("It failed.", None) == "It failed."
    assert logs.with_log_hint("It failed.", tmp_path / "a.log") == f"It failed. (details: {tmp_path / 'a.log'})"


def _write_many(n: int) -> None:
    for i in range(n):
        logs.log_failure(f"process entry {i}", "line\n" * 200)


def test_entries_from_processes_writing_at_once_stay_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_many, args=(50,)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    entries = logs.log_path().read_text().split("=== ")[1:]
    assert len(entries) == 150
    assert all(entry.count("line\n") == 200 for entry in entries)


def test_configure_logging_sends_warnings_to_the_file_and_debug_to_stderr_when_verbose(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    logger = logs.configure_logging(verbose=True)
    logging.getLogger("resviz.test").debug("a debug line")
    logging.getLogger("resviz.test").warning("a warning line")
    err = capfd.readouterr().err
    assert "a debug line" in err and "a warning line" in err
    text = logs.log_path().read_text()
    assert "a warning line" in text and "a debug line" not in text
    logs.configure_logging(verbose=False)
    logging.getLogger("resviz.test").info("quiet now")
    assert "quiet now" not in capfd.readouterr().err
    assert len([h for h in logger.handlers if getattr(h, "_resviz", False)]) == 1


def test_a_core_modules_warning_reaches_the_log_file_once(tmp_path, monkeypatch):
    from resviz.core.analysis import numba_cache

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(shared))
    logs.configure_logging()
    logs.configure_logging()  # again (the CLI, then a test): still one handler, one entry
    assert numba_cache.private_cache_dir() is None
    text = logs.log_path().read_text()
    assert text.count("numba's disk cache is off") == 1 and "WARNING resviz" in text
