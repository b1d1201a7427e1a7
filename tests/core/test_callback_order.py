"""Callbacks declare what they need and provide: the trainer orders them by it, refuses a set no order
satisfies when it is made, hands each hook only what it declared, and ends a run on a returned Failed."""

import pytest
import torch

from resviz.core import models
from resviz.core.callbacks import (
    Callback,
    CallbackOrderError,
    Evaluator,
    ProgressReporter,
    Snapshotter,
    order_callbacks,
)
from resviz.core.checkpoints import load_checkpoint
from resviz.core.data import load_dataset
from resviz.core.events import Done, Epoch, Failed, Step
from resviz.core.last_good import LastGood
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist").subset(512, 100)


def config(**overrides) -> TrainConfig:
    settings = dict(model="cnn", device="cpu", epochs=1, batch_size=64, train_subset=128, test_subset=100,
                    log_every=1, snapshot_every=0)
    return TrainConfig(**{**settings, **overrides})


def declared(name, needs=(), provides=()):
    return type(name.title(), (Callback,), {"name": name, "needs": needs, "provides": provides})()


def test_a_callback_runs_after_what_it_needs_whatever_its_place_in_the_list():
    progress = ProgressReporter()
    snapshots, evaluation, other = Snapshotter(5), Evaluator(progress), declared("other")
    ordered = order_callbacks([snapshots, other, progress, evaluation])
    assert ordered == [other, progress, evaluation, snapshots]  # snapshots need the metrics; the rest as given


def test_a_need_nothing_provides_is_refused_when_the_trainer_is_made():
    with pytest.raises(CallbackOrderError, match=r"the weather callback needs 'forecast', which nothing in this "
                                                 r"run provides; it has 'metrics' \(the evaluation callback\)"):
        Trainer(config(), callbacks=(declared("weather", needs=("forecast",)),))


def test_a_result_two_callbacks_provide_is_refused():
    with pytest.raises(CallbackOrderError, match="'metrics' is provided by both the evaluation callback and the "
                                                 "second-opinion callback"):
        Trainer(config(), callbacks=(declared("second-opinion", provides=("metrics",)),))


def test_callbacks_that_need_their_own_results_are_refused():
    ouroboros = declared("ouroboros", needs=("metrics",), provides=("metrics",))
    with pytest.raises(CallbackOrderError, match="No order runs each callback after what it needs: "
                                                 "the ouroboros callback needs 'metrics'"):
        order_callbacks([ouroboros])
    evaluation = Evaluator(ProgressReporter())
    evaluation.needs = ("metrics",)  # after itself
    with pytest.raises(CallbackOrderError, match="the evaluation callback needs 'metrics'"):
        order_callbacks([evaluation])


def test_a_result_that_is_not_one_is_refused():
    with pytest.raises(CallbackOrderError, match="provides 'mood', which is not a result callbacks return"):
        order_callbacks([declared("moody", provides=("mood",))])


def test_each_hook_gets_the_results_it_declared_and_the_epoch_it_gets_is_the_one_reported(mnist):
    seen = {}

    class Reads(Callback):
        name = "reads"
        needs = ("metrics", "loss")

        def on_step_end(self, ctx, results):
            loss, parts = results["loss"]
            seen.setdefault("losses", []).append(float(loss))
            return ()

        def on_epoch_end(self, ctx, results):
            seen["epoch"] = results["metrics"]
            return ()

    class Undeclared(Callback):
        name = "undeclared"

        def on_epoch_end(self, ctx, results):
            seen["undeclared"] = dict(results)
            return ()

    trainer = Trainer(config(epochs=2), mnist, callbacks=(Undeclared(), Reads()))
    events = list(trainer.fit())
    epochs = [e for e in events if isinstance(e, Epoch)]
    assert seen["epoch"] is epochs[-1]  # the evaluation's own Epoch event, passed on
    assert seen["undeclared"] == {}  # it declared nothing, so it is handed nothing
    steps = [e.loss for e in events if isinstance(e, Step)]  # log_every=1: each step's own loss
    assert seen["losses"] == pytest.approx(steps, rel=1e-6)
    assert isinstance(events[-1], Done) and events[-1].metrics == epochs[-1].metrics
    # the curves are folded from the same events
    assert trainer.history["loss"] == [e.loss for e in events if isinstance(e, Step)]
    assert trainer.history["test_accuracy"] == [e.metrics["test_accuracy"] for e in epochs]


def test_a_failed_a_hook_returns_ends_the_run_with_the_last_good_weights_saved(mnist, tmp_path):
    class Veto(Callback):
        name = "veto"

        def on_step_end(self, ctx, results):
            return (Failed("vetoed", "veto"),) if ctx.epoch == 2 and ctx.step_in_epoch == 1 else ()

    path = tmp_path / "run.pt"
    events = list(Trainer(config(epochs=3), mnist, checkpoint_path=path, callbacks=(Veto(),)).fit())
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.message.startswith("vetoed")
    assert f"The weights after epoch 1 were saved to {path}." in failed.message and failed.checkpoint == str(path)
    assert [e.step for e in events if isinstance(e, Step)] == [1, 2, 3]  # the step it vetoed still reported
    assert sum(isinstance(e, Epoch) for e in events) == 1 and not any(isinstance(e, Done) for e in events)
    assert load_checkpoint(path).meta["epoch"] == 1


def test_the_context_is_read_only_to_callbacks(mnist):
    class Writes(Callback):
        name = "writes"

        def on_epoch_end(self, ctx, results):
            ctx.metrics = {"test_accuracy": 1.0}  # the old side channel
            return ()

    failed = list(Trainer(config(), mnist, callbacks=(Writes(),)).fit())[-1]
    assert isinstance(failed, Failed) and "cannot assign to field 'metrics'" in failed.message


def test_the_last_good_weights_are_a_copy_and_frozen_ones_are_shared():
    model = models.build("cnn")
    good = LastGood(model, freeze=("layer1",))
    assert good.state is None
    good.keep(3)
    with torch.no_grad():
        model.layer2[0].weight.add_(1.0)
    assert good.epoch == 3
    assert not torch.equal(good.state["layer2.0.weight"], model.layer2[0].weight)  # kept as it was
    assert good.state["layer1.0.weight"].data_ptr() == model.layer1[0].weight.data_ptr()  # frozen: not copied



def test_only_the_main_process_writes_the_checkpoint(mnist, tmp_path):
    from resviz.core.distributed import SingleProcess

    class NotRankZero(SingleProcess):
        rank, is_main = 1, False

    done = list(Trainer(config(), mnist, checkpoint_path=tmp_path / "run.pt", dist=NotRankZero()).fit())[-1]
    assert isinstance(done, Done) and done.checkpoint is None and done.message == ""
    assert not (tmp_path / "run.pt").exists()
    done = list(Trainer(config(), mnist, checkpoint_path=tmp_path / "run.pt").fit())[-1]
    assert done.checkpoint == str(tmp_path / "run.pt") and load_checkpoint(done.checkpoint).meta["epoch"] == 1
