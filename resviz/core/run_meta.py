"""What a checkpoint says about its run besides its weights: one record for every writer and reader.

A run is saved from two places: the trainer's ``Checkpointer`` at the end of a run
(``from_training``) and the window's File ▸ Save, from the run and the model it shows
(``from_window``). Each used to list the fields itself, and they drifted: the window
wrote no dataset options or training time, the trainer no name, and ``export`` looked
for a ``kind`` that the objective had replaced. Both now build a ``RunMeta`` and save
``as_dict()``; readers take ``RunMeta.read(checkpoint.meta)``, which fills in what older
files lack.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from . import models
from .checkpoints import plain_data
from .replica import ModelReplica
from .runs import Run


@dataclass(frozen=True)
class RunMeta:
    model: str  # registry name
    model_config: dict
    objective: str  # what the model's outputs mean: "classifier", "vae" (objectives.objective_class)
    dataset: str  # registry key
    dataset_title: str
    classes: tuple[str, ...]
    input_shape: tuple[int, ...]  # one example the model takes
    epoch: int  # epochs completed
    step: int
    metrics: dict  # the latest test metrics
    train_config: dict  # the TrainConfig as a dict
    history: dict  # the curves, in Trainer.history's layout
    dataset_options: dict  # how the dataset was loaded (an image folder's path and size)
    seconds: float  # training time
    name: str = ""  # the window's name for the run; "" from the trainer (the file's name stands in)

    def __post_init__(self):
        # held as a checkpoint reads back (tuples in settings become lists), so a record equals its round trip
        for name, value in (("model_config", plain_data(self.model_config)), ("metrics", plain_data(self.metrics)),
                            ("train_config", plain_data(self.train_config)), ("history", plain_data(self.history)),
                            ("dataset_options", plain_data(self.dataset_options)),
                            ("classes", tuple(str(c) for c in self.classes)),
                            ("input_shape", tuple(int(n) for n in self.input_shape)),
                            ("epoch", int(self.epoch)), ("step", int(self.step)), ("seconds", float(self.seconds))):
            object.__setattr__(self, name, value)

    def as_dict(self) -> dict:
        """``save_checkpoint``'s keyword arguments besides ``state_dict``."""
        return plain_data(asdict(self))

    @classmethod
    def read(cls, meta: dict) -> RunMeta:
        """The record a checkpoint's metadata holds (as ``load_checkpoint`` checked it); what an older
        file lacks is filled in: its objective from the model, its title from the dataset's key."""
        dataset = meta.get("dataset") or (meta.get("train_config") or {}).get("dataset", "mnist")
        missing = {"model_config": {}, "objective": models.spec(meta["model"]).objective, "dataset": dataset,
                   "dataset_title": dataset, "classes": (), "input_shape": (), "epoch": 0, "step": 0, "metrics": {},
                   "train_config": {}, "history": {}, "dataset_options": {}, "seconds": 0.0}
        present = {f.name: meta[f.name] for f in fields(cls) if meta.get(f.name) is not None}
        return cls(**{**missing, **present})


def from_training(ctx, epochs_completed: int) -> RunMeta:
    """The record of a run the trainer is ending (a ``callbacks.checkpointing.RunRecord``), after
    ``epochs_completed`` epochs."""
    return RunMeta(
        model=ctx.config.model, model_config=models.model_config(ctx.model), objective=ctx.spec.objective,
        dataset=ctx.config.dataset, dataset_title=ctx.data.title, classes=ctx.data.classes,
        # what one example the model takes looks like (the data may be cached features by now)
        input_shape=getattr(ctx.model, "input_shape", None) or ctx.data.input_shape,
        epoch=epochs_completed, step=ctx.step, metrics=ctx.metrics, train_config=asdict(ctx.config),
        history=ctx.history, dataset_options=ctx.data.options,
        seconds=ctx.seconds,  # the training time Done reports too (one clock, stopped before saving)
        name=ctx.name,
    )


def from_window(run: Run, replica: ModelReplica) -> RunMeta:
    """The record of ``run`` with the weights the window shows for it (``replica``: live or a snapshot)."""
    return RunMeta(
        model=replica.name, model_config=replica.config, objective=replica.spec.objective, dataset=run.dataset,
        dataset_title=run.dataset_title, classes=replica.classes, input_shape=replica.input_shape,
        epoch=replica.epoch, step=replica.step, metrics=run.metrics, train_config=run.settings,
        history=run.curves.to_history(), dataset_options=run.settings.get("dataset_options") or {},
        seconds=run.seconds, name=run.name,
    )
