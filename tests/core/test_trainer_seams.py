"""The trainer's seams: named recorders, extra callbacks, frozen modules, parameter groups,
inputs of other shapes, and failures that keep their traceback and the trained weights."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.callbacks import Callback
from resviz.core.callbacks.progress import report_interval
from resviz.core.checkpoints import load_checkpoint
from resviz.core.data import Dataset, load_dataset
from resviz.core.events import Done, Failed, Recorded, Started, Step
from resviz.core.optim import make_optimizer
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist").subset(1_000, 200)


def config(**overrides) -> TrainConfig:
    settings = dict(model="cnn", device="cpu", epochs=1, batch_size=64, train_subset=512, test_subset=200,
                    log_every=2, snapshot_every=0)
    return TrainConfig(**{**settings, **overrides})


def test_gradient_norms_are_recorded_per_layer_from_the_first_step(mnist):
    events = list(Trainer(config(record=("grad_norms",), record_every=3), mnist).fit())
    records = [e for e in events if isinstance(e, Recorded)]
    assert [r.step for r in records] == [1, 3, 6]  # step 1, then every 3 (8 steps in all)
    assert records[0].labels == ("layer1.0", "layer2.0", "fc")  # input to output
    assert all(r.values.shape == (3,) and np.all(r.values > 0) and np.isfinite(r.values).all() for r in records)
    assert isinstance(events[-1], Done)


def test_activation_statistics_come_from_real_training_passes(mnist):
    events = list(Trainer(config(record=("activations",), record_every=4), mnist).fit())
    records = [e for e in events if isinstance(e, Recorded) and e.name == "activations"]
    assert [r.step for r in records] == [1, 4, 8]
    assert records[0].values.shape == (3, 2)  # mean and std of each layer's output
    assert np.all(records[0].values[:, 1] > 0)


def test_an_unknown_recorder_is_a_clear_failure(mnist):
    events = list(Trainer(config(record=("weather",)), mnist).fit())
    assert isinstance(events[-1], Failed) and "weather" in events[-1].message


def test_extra_callbacks_see_every_moment_in_order(mnist):
    seen = []

    class Spy(Callback):
        name = "spy"
        needs = ("metrics",)

        def on_fit_start(self, ctx):
            seen.append("start")
            return ()

        def on_step_end(self, ctx, results):
            seen.append(f"step{ctx.step}")
            return ()

        def on_epoch_end(self, ctx, results):
            seen.append(f"epoch{ctx.epoch}:{sorted(results['metrics'].metrics)}")
            return ()

        def on_fit_end(self, ctx):
            seen.append("end")
            return ()

    list(Trainer(config(train_subset=128), mnist, callbacks=(Spy(),)).fit())
    assert seen == ["start", "step1", "step2", "epoch1:['test_accuracy', 'test_loss', 'train_accuracy']", "end"]


def test_frozen_modules_do_not_change_and_are_counted(mnist):
    trainer = Trainer(config(freeze=("layer1",)), mnist)
    torch.manual_seed(0)  # the trainer's seed: the same initial weights
    before = models.build("cnn").state_dict()
    events = list(trainer.fit())
    started = next(e for e in events if isinstance(e, Started))
    frozen = sum(t.numel() for k, t in before.items() if k.startswith("layer1") and "running" not in k
                 and "num_batches" not in k)
    assert started.frozen_parameters == frozen and started.trainable_parameters == started.parameters - frozen
    after = trainer.model.state_dict()
    for key in ("layer1.0.weight", "layer1.1.running_mean", "layer1.1.weight"):
        assert torch.equal(after[key], before[key]), key  # BatchNorm statistics of a frozen module stay too
    assert not torch.equal(after["layer2.0.weight"], before["layer2.0.weight"])


def test_freezing_a_module_that_does_not_exist_is_refused(mnist):
    events = list(Trainer(config(freeze=("backbone",)), mnist).fit())
    assert isinstance(events[-1], Failed) and "backbone" in events[-1].message


def test_learning_rate_scales_make_their_own_parameter_groups():
    model = models.build("cnn")
    optimizer = make_optimizer(config(lr=0.01, lr_scales={"layer2": 0.1}), model)
    groups = optimizer.param_groups
    assert [g["lr"] for g in groups] == [pytest.approx(0.001), 0.01]
    assert sum(p.numel() for p in groups[0]["params"]) == sum(p.numel() for p in model.layer2.parameters())


def _colour(dataset: Dataset, size: int = 32) -> Dataset:
    """MNIST digits tinted into three channels and padded to size x size: a real RGB input."""
    def tint(images):
        pad = (size - 28) // 2
        grey = torch.nn.functional.pad(images, (pad, pad, pad, pad))
        return torch.cat([grey, grey // 2, 255 - grey], 1)
    return replace(dataset, key="colour", title="tinted digits", train_inputs=tint(dataset.train_inputs),
                   test_inputs=tint(dataset.test_inputs))


def test_a_model_fits_itself_to_the_datasets_input(mnist):
    colour = _colour(mnist)
    assert colour.input_shape == (3, 32, 32)
    events = list(Trainer(config(model="resnet"), colour).fit())
    started = next(e for e in events if isinstance(e, Started))
    assert started.input_shape == (3, 32, 32) and started.model_config["in_channels"] == 3
    assert isinstance(events[-1], Done)
    losses = [e.loss for e in events if isinstance(e, Step)]
    assert losses[-1] < losses[0]


def test_a_model_that_cannot_take_the_input_says_so(mnist):
    events = list(Trainer(config(model="vae1"), _colour(mnist)).fit())
    assert isinstance(events[-1], Failed)
    assert "vae1 takes 1×28×28 inputs only" in events[-1].message and "3×32×32" in events[-1].message


def test_a_failure_keeps_its_traceback_in_a_log_file(mnist, monkeypatch):
    trainer = Trainer(config(), mnist)

    def broken_loss(model, x, y):
        raise RuntimeError("a bug deep inside")

    trainer.objective.loss = broken_loss
    failed = list(trainer.fit())[-1]
    assert isinstance(failed, Failed) and "a bug deep inside" in failed.message
    assert "Traceback" in failed.traceback and "broken_loss" in failed.traceback
    with open(failed.log, encoding="utf-8") as log:
        assert "broken_loss" in log.read()


def test_an_unwritable_checkpoint_path_still_keeps_the_model(mnist, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = list(Trainer(config(train_subset=128), mnist, checkpoint_path=blocker / "run.pt").fit())[-1]
    assert isinstance(done, Done) and done.checkpoint and "a-file" not in done.checkpoint
    assert "saved to" in done.message and str(blocker / "run.pt") in done.message
    assert load_checkpoint(done.checkpoint).model_name == "cnn"


def test_the_checkpoint_says_what_the_model_takes(mnist, tmp_path):
    done = list(Trainer(config(train_subset=128), mnist, checkpoint_path=tmp_path / "c.pt").fit())[-1]
    meta = load_checkpoint(done.checkpoint).meta
    assert meta["objective"] == "classifier" and meta["input_shape"] == [1, 28, 28]
    assert meta["classes"] == [str(d) for d in range(10)] and meta["history"]["train_loss"]


def test_reports_come_often_enough_for_a_curve():
    assert report_interval(0, 938) == 3 and report_interval(0, 20) == 1 and report_interval(0, 100_000) == 50
    assert report_interval(7, 938) == 7


def test_runs_in_threads_start_from_the_weights_their_seed_gives(mnist):
    import threading

    def first_weights(seed, out):
        trainer = Trainer(config(seed=seed, train_subset=64, epochs=1), mnist)
        trainer._prepare()
        out[seed] = trainer.model.layer1[0].weight.detach().clone()

    alone, together = {}, {}
    first_weights(0, alone)
    first_weights(1, alone)
    threads = [threading.Thread(target=first_weights, args=(seed, together)) for seed in (0, 1) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert torch.equal(alone[0], together[0]) and torch.equal(alone[1], together[1])
    assert not torch.equal(alone[0], alone[1])


def test_runs_started_in_the_same_second_get_their_own_checkpoint_files():
    from resviz.core.checkpoints import default_checkpoint_path

    paths = {default_checkpoint_path("cnn", "mnist") for _ in range(5)}
    assert len(paths) == 5
