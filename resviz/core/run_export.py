"""A trained run's curves as CSV tables (``steps.csv``, ``epochs.csv``) and its numbers as JSON.

The trainer keeps its curves in ``history`` (saved in every checkpoint): per
reported step ``step`` and ``loss`` (and any named loss term a run records), per
epoch ``epoch``, ``epoch_step`` and the test metrics (``test_loss``,
``test_accuracy`` / ``test_recon``, ``test_kl``, ...). Keys that start with
``test_`` or ``train_``, and ``epoch`` / ``epoch_step``, are per epoch; every other
list of the steps' length is per step.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .atomic import atomic_write_bytes
from .json_file import write_json_file
from .run_meta import RunMeta

EPOCH_KEYS = ("epoch", "epoch_step")
FILES = ("steps.csv", "epochs.csv", "metrics.json")


def _is_epoch_key(key: str) -> bool:
    return key in EPOCH_KEYS or key.startswith(("test_", "train_"))


def step_table(history: dict) -> tuple[list[str], list[list]]:
    """(header, rows) with one row per reported training step: step, loss, then loss terms."""
    n = len(history.get("step", []))
    columns = ["step", "loss"] + sorted(
        k for k, v in history.items()
        if k not in ("step", "loss") and not _is_epoch_key(k) and isinstance(v, list) and len(v) == n)
    return _table(history, columns, n, {})


def epoch_table(history: dict) -> tuple[list[str], list[list]]:
    """(header, rows) with one row per finished epoch: epoch, step, then the test metrics."""
    n = len(history.get("epoch", []))
    metrics = sorted(k for k, v in history.items()
                     if _is_epoch_key(k) and k not in EPOCH_KEYS and isinstance(v, list) and len(v) == n)
    return _table(history, ["epoch", "epoch_step", *metrics], n, {"epoch_step": "step"})


def _table(history, columns, n, renamed) -> tuple[list[str], list[list]]:
    columns = [c for c in columns if c in history]
    rows = [[history[c][i] for c in columns] for i in range(n)]
    return [renamed.get(c, c) for c in columns], rows


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_bytes(path, text.getvalue().encode("utf-8"))


def export_run(meta: dict, folder: Path, extra_metrics: dict | None = None) -> dict[str, Path]:
    """Write steps.csv, epochs.csv and metrics.json for a checkpoint's ``meta`` into ``folder``
    (each by ``atomic_write``: ``UnsafeTarget``, ``DiskFull`` as it raises them)."""
    folder.mkdir(parents=True, exist_ok=True)
    record = RunMeta.read(meta).as_dict()
    written = {}
    for name, table in (("steps.csv", step_table), ("epochs.csv", epoch_table)):
        write_csv(folder / name, *table(record["history"]))
        written[name] = folder / name
    summary = {key: record[key] for key in ("model", "model_config", "objective", "dataset", "classes", "epoch",
                                            "step", "metrics", "train_config")}
    summary.update({key: meta.get(key) for key in ("resviz_version", "created")})  # the file's, not the run's
    summary.update(extra_metrics or {})
    written["metrics.json"] = write_json_file(summary, folder / "metrics.json")
    return written
