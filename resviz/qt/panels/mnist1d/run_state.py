"""Where each of the pair's runs is, in words, from the moment it starts (before it has any weights).

The status line and the error legend both say it, so a run that is still starting shows
beside one that trains: "starting its process…", "loading data…", "epoch 1 · step 40",
then its per-epoch errors (the legend in fewer words: "loading…", "step 40", so at
900×600 its four entries still fit in two columns above the plot rather than four rows over it). ``starting`` is whether its training process is still importing
PyTorch (``AppState.process_starting``: no warm worker was waiting for it), which is why
one run of a pair can start seconds after the other.
"""

from __future__ import annotations

from ....core.runs import Run, RunStatus

ENDED = (RunStatus.DONE, RunStatus.STOPPED, RunStatus.FAILED, RunStatus.OPENED)
WHY_LATER = "starting its process: PyTorch loads in a new one first (a few seconds)"


def early_state(run: Run, starting: bool) -> str:
    """A short phrase for a run before its first epoch's errors: 'queued', 'loading data…', 'epoch 1 · step 40'."""
    if run.status == RunStatus.QUEUED:
        return "queued"
    if run.status in ENDED:
        return run.status.value
    if run.progress is not None:
        return f"epoch {run.progress.epoch} · step {run.progress.step:,}"
    if starting:
        return "starting its process…"
    return "loading data…" if run.started is None else "starting to train…"


def legend_note(run: Run, starting: bool) -> str:
    """``early_state`` in a word or two, for a legend entry: 'starting…', 'loading…', 'step 40'."""
    if run.status.active and run.status != RunStatus.QUEUED:
        if run.progress is not None:
            return f"step {run.progress.step:,}"
        return "starting…" if starting or run.started is not None else "loading…"
    return early_state(run, starting)


def status_state(run: Run, starting: bool) -> str:
    """The run's part of the status line (HTML): its early state, or its latest epoch's errors."""
    row = run.curves.epochs[-1] if run.curves.epochs else {}
    if not row:
        text = WHY_LATER if starting and run.status.active and run.progress is None else early_state(run, starting)
        return text if run.status not in ENDED else f"({text})"
    total = run.started.epochs if run.started else run.settings.get("epochs", "?")
    text = f"epoch {row['epoch']}/{total}"
    if "train_accuracy" in row:
        text += f", train error {100 * (1 - row['train_accuracy']):.1f}%"
    text += f", <b>test error {100 * (1 - row['test_accuracy']):.1f}%</b>"
    return text + (f" ({run.status.value})" if run.status in ENDED else "")
