"""Train a Depth lab experiment without a window: its runs one after another, a results row each.

The runs train in turn, not at once, so each has the machine's cores to itself and its
``seconds`` compare. Each one's events are folded into a ``Run`` (core/runs.py) exactly
as the window does, and ``run_row`` reads the row from it — the CLI's numbers and the
tab's table are the same computation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict

from ..data import Dataset, load_dataset
from ..events import Failed
from ..runs import Run, RunStore
from ..trainer import Trainer
from .presets import Preset
from .results import run_row
from .runs import DepthRun, Recipe

Progress = Callable[[int, Run, object], None]  # (index of the run, the run, the event just applied)


def train_runs(runs: Sequence[DepthRun], recipe: Recipe, device: str = "auto", dataset: Dataset | None = None,
               data_dir: str | None = None, record: tuple[str, ...] = ("grad_norms",),
               target_loss: float | None = None, progress: Progress | None = None,
               should_stop: Callable[[], bool] = lambda: False, snapshot_every: int = 0) -> list[dict]:
    """Train each of ``runs`` with ``recipe``; one row per run (``results.run_row``), in order.

    ``should_stop`` is asked before every event: when it says yes the current run stops
    (its row says "stopped") and the rest are not started. ``snapshot_every`` > 0 keeps the
    weights every that many steps (and at the start and each epoch's end) in the runs that
    ``progress`` is given: what the landscape of a trained net starts from.
    """
    data = dataset if dataset is not None else load_dataset(recipe.dataset, data_dir)
    store = RunStore()
    rows = []
    for index, depth_run in enumerate(runs):
        if should_stop():
            break
        config = recipe.train_config(depth_run, device=device, record=record, data_dir=data_dir,
                                     snapshot_every=snapshot_every)
        run = store.create(config.model, config.dataset, asdict(config), name=depth_run.label)
        trainer = Trainer(config, data)
        for event in trainer.fit():
            if should_stop():
                trainer.stop()
            store.apply(run.id, event)
            if progress is not None:
                progress(index, run, event)
            if isinstance(event, Failed):
                break
        rows.append(run_row(run, target_loss))
    return rows


def train_preset(preset: Preset, quick: bool = False, **options) -> list[dict]:
    """A preset's runs with its recipe (``quick``: its shorter recipe, where it has one); rows tagged with it."""
    runs, recipe = preset.plan(quick)
    rows = train_runs(runs, recipe, target_loss=preset.target_loss, **options)
    return [{"preset": preset.key, **row} for row in rows]
