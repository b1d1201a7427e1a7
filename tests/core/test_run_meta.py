"""One record of a run's metadata: the trainer and the window write the same one, and it reads back."""

import json
from dataclasses import asdict, replace

import pytest

from resviz.core import models, run_meta
from resviz.core.checkpoints import load_checkpoint, save_checkpoint
from resviz.core.data import load_dataset
from resviz.core.events import Snapshot
from resviz.core.replica import ModelReplica
from resviz.core.run_export import export_run
from resviz.core.run_meta import RunMeta
from resviz.core.runs import RunStore
from resviz.core.trainer import TrainConfig, Trainer


def _keeping(built: list):
    """``run_meta.from_training`` that also keeps each record it builds in ``built``."""
    original = run_meta.from_training

    def build(ctx, epochs_completed):
        built.append(original(ctx, epochs_completed))
        return built[-1]
    return build


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small CNN trained by the Trainer, which saves it, and the same run saved as the window does:
    its events folded into a Run, its last snapshot shown. Also the record the Trainer built."""
    folder = tmp_path_factory.mktemp("run")
    config = TrainConfig(model="cnn", device="cpu", epochs=1, batch_size=64, train_subset=512, test_subset=200,
                         log_every=2, snapshot_every=4)
    built = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_meta, "from_training", _keeping(built))
        events = list(Trainer(config, load_dataset("mnist"), checkpoint_path=folder / "trainer.pt").fit())
    store = RunStore()
    run = store.create(config.model, config.dataset, asdict(config))
    for event in events:
        store.apply(run.id, event)
    last = [e for e in events if isinstance(e, Snapshot)][-1]
    replica = ModelReplica.from_snapshot(last, classes=run.classes, dataset=run.dataset)  # as AppState.save_run
    shown = run_meta.from_window(run, replica)
    save_checkpoint(folder / "window.pt", state_dict=replica.model.state_dict(), **shown.as_dict())
    return built[-1], shown, load_checkpoint(folder / "trainer.pt"), load_checkpoint(folder / "window.pt")


def test_each_record_reads_back_from_its_checkpoint_as_it_was_built(saved):
    trainer_record, window_record, trainer_file, window_file = saved
    assert RunMeta.read(trainer_file.meta) == trainer_record
    assert RunMeta.read(window_file.meta) == window_record


def test_the_window_and_the_trainer_write_the_same_record_of_the_same_run(saved):
    trainer_record, window_record, trainer_file, window_file = saved
    assert set(window_file.meta) == set(trainer_file.meta)
    # the same run: everything but the window's name for it agrees, curves and training time included
    assert replace(window_record, name="") == trainer_record
    assert window_record.name == "cnn #1" and trainer_record.seconds > 0 and trainer_record.history["loss"]


def test_export_names_the_objective_for_both(saved, tmp_path):
    _, _, trainer_file, window_file = saved
    summaries = []
    for checkpoint in (trainer_file, window_file):
        export_run(checkpoint.meta, tmp_path / checkpoint.path.stem)
        summaries.append(json.loads((tmp_path / checkpoint.path.stem / "metrics.json").read_text()))
    assert summaries[0]["objective"] == summaries[1]["objective"] == "classifier"
    assert "kind" not in summaries[0]
    assert {k: v for k, v in summaries[0].items() if k != "created"} == \
        {k: v for k, v in summaries[1].items() if k != "created"}


def test_an_older_file_reads_with_its_objective_from_the_model(tmp_path):
    """Files from before the objective was named wrote ``kind`` and no title, options or time."""
    model = models.build("cnn")
    path = save_checkpoint(tmp_path / "old.pt", model="cnn", model_config=models.model_config(model),
                           state_dict=model.state_dict(), kind="classifier", dataset="fashion", epoch=3,
                           metrics={"test_accuracy": 0.8})
    record = RunMeta.read(load_checkpoint(path).meta)
    assert record.objective == "classifier" and record.dataset_title == "fashion" and record.epoch == 3
    assert record.history == {} and record.seconds == 0.0 and record.classes == ()
    export_run(load_checkpoint(path).meta, tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert summary["objective"] == "classifier" and summary["dataset"] == "fashion"
