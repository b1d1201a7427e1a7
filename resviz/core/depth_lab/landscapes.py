"""A Depth lab preset's nets trained, then the landscape of each: ``resviz landscape --preset skip``.

The nets train one after another with the preset's recipe (``depth_lab.train_runs``, the
same rows as ``resviz depth``), keeping their final weights; then each one's landscape is
measured with the same settings, images and seed, so the two compare point for point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..checkpoints import build_with_state
from ..data import Dataset
from ..events import Step
from ..landscape import Landscape, LandscapeCancelled, LandscapeSettings, random_plane
from ..landscape.grid import Progress
from .presets import Preset
from .runner import train_runs

TRAINING_SHARE = 0.5  # of the progress bar: training, then the landscapes


@dataclass(frozen=True)
class PresetLandscape:
    row: dict  # the Depth lab's results row of the net (depth_lab.run_row)
    landscape: Landscape
    snapshots: list = field(default_factory=list, repr=False)  # the run's weight Snapshots, the final one last

    def to_json(self) -> dict:
        row = self.row
        return {"preset": row.get("preset"), "name": row["name"], "variant": row["variant"], "depth": row["depth"],
                "batchnorm": row["batchnorm"], "width": row["width"], "train_loss": row["train_loss"],
                "test_accuracy": row["test_accuracy"], "train_seconds": row["seconds"],
                **self.landscape.to_json()}


def preset_landscapes(preset: Preset, dataset: Dataset, settings: LandscapeSettings, quick: bool = False,
                      device: str = "cpu", progress: Progress | None = None,
                      cancelled: Callable[[], bool] | None = None) -> list[PresetLandscape]:
    """Train the preset's nets, then measure each one's landscape; ``LandscapeCancelled`` when cancelled."""
    runs, recipe = preset.plan(quick)
    stop = cancelled or (lambda: False)
    trained = {}

    def report(index, run, event):
        trained[index] = run
        if progress is not None and isinstance(event, Step):
            done = (index + event.step / event.total_steps) / len(runs)
            progress(f"training {run.name}: step {event.step}/{event.total_steps}, loss {event.loss:.3f}",
                     TRAINING_SHARE * done)

    rows = train_runs(runs, recipe, device=device, dataset=dataset, record=(), progress=report,
                      should_stop=stop, snapshot_every=recipe.total_steps)
    if stop() or len(rows) < len(runs):
        raise LandscapeCancelled("Training was stopped before the landscapes.")
    results = []
    for index, row in enumerate(rows):
        snapshots = list(trained[index].snapshots)
        final = snapshots[-1]
        model = build_with_state(final.model, final.model_config, final.state)

        def landscape_progress(text, fraction, index=index, name=row["name"]):
            if progress is not None:
                share = (1 - TRAINING_SHARE) / len(rows)
                progress(f"landscape of {name}: {text}", TRAINING_SHARE + share * (index + fraction))

        landscape = random_plane(model, dataset, settings, device, landscape_progress, cancelled)
        results.append(PresetLandscape({"preset": preset.key, **row}, landscape, snapshots))
    return results
