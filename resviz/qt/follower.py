"""Following a run folder that another process (or machine) writes, as TensorBoard follows a log folder.

A ``RunFolderFollower`` asks its ``RunFolderReader`` for new records about once a second,
off the GUI thread (a ``BackgroundRunner``: reading files and ``torch.load`` of weight
snapshots happen there), one read at a time so no record is lost or read twice. It hands
what it read to ``AppState``, which folds the events into the run exactly as a live run's
(curves, snapshots for Filters, Feature maps, Draw & classify, Evaluation). When the run
ends (Done or Failed) it stops. When the writer died, or wrote nothing for 10 minutes, it
says so and keeps looking, slowly, in case the writer resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from ..core.runs import Following
from .background import BackgroundRunner

POLL_MS = 1000  # a read a second while records come
QUIET_POLL_MS = 5000  # while the writer seems gone
QUIET_AFTER_S = 600  # no record for this long: say the writer may have stopped


@dataclass(frozen=True)
class FolderNews:
    """What one read of the folder found (built off the GUI thread)."""

    events: list
    last_update: float | None
    finished: bool
    writer_alive: bool | None


def read_news(reader) -> FolderNews:
    """One read: the new events and how the writer is doing. Runs on a pool thread."""
    events = reader.poll()
    return FolderNews(events, reader.last_update, reader.finished, reader.writer_alive())


def stalled_reason(news: FolderNews, now: float) -> str:
    """Why records stopped coming though the run has not ended; "" while all is well."""
    if news.finished:
        return ""
    if news.writer_alive is False:
        return "the writer stopped without finishing"
    if news.last_update is not None and now - news.last_update > QUIET_AFTER_S:
        if news.writer_alive:
            return "the writer's process runs but has written nothing for 10 minutes"
        return "no update for 10 minutes: the writer may have stopped without finishing"
    return ""


def ago(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def following_caption(following: Following, now: float | None = None) -> str:
    """'following DIR · last update 3 s ago', or what went wrong; 'followed DIR · …' once it ended."""
    now = time.time() if now is None else now
    last = "no record yet" if following.last_update is None else f"last update {ago(now - following.last_update)}"
    if not following.polling:  # ended: a time that needs no refreshing
        when = "no record" if following.last_update is None else time.strftime(
            "last update %Y-%m-%d %H:%M", time.localtime(following.last_update))
        return f"followed {following.folder} · {when}"
    if following.stalled:
        return f"following {following.folder} · {following.stalled} ({last})"
    return f"following {following.folder} · {last}"


class RunFolderFollower(QObject):
    """Reads ``reader`` about once a second off the GUI thread; ``news`` arrives on the GUI thread.

    ``on_news(news)`` folds the events into the run and returns True when the run ended
    (then the follower stops); ``on_error(message)`` says a read failed (it retries slowly).
    ``ticked`` fires every second while following, for captions that count seconds.
    """

    ticked = Signal()

    def __init__(self, reader, on_news: Callable[[FolderNews], bool], on_error: Callable[[str], None],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.reader = reader
        self._on_news, self._on_error = on_news, on_error
        self._runner = BackgroundRunner(self)
        self._quiet = False
        self._next_read = 0.0  # time.monotonic() of the next read
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def following(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._timer.start()
        self._read()

    def stop(self) -> None:
        """Stop reading; a read under way is dropped when it comes back."""
        self._timer.stop()
        self._runner.cancel()

    def _tick(self) -> None:
        self.ticked.emit()
        if not self._runner.busy and time.monotonic() >= self._next_read:
            self._read()

    def _read(self) -> None:
        self._runner.submit(read_news, self.reader, on_result=self._got, on_error=self._failed)

    def _got(self, news: FolderNews) -> None:
        if not self.following:
            return
        self._quiet = bool(stalled_reason(news, time.time()))
        self._schedule()
        if self._on_news(news):
            self.stop()

    def _failed(self, message: str) -> None:
        if not self.following:
            return
        self._quiet = True
        self._schedule()
        self._on_error(message)

    def _schedule(self) -> None:
        self._next_read = time.monotonic() + (QUIET_POLL_MS if self._quiet else POLL_MS - 100) / 1000
