"""The trainer's event stream and controls, on small real MNIST subsets on the CPU."""

import math
import queue
import threading

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.checkpoints import load_checkpoint
from resviz.core.data import load_dataset
from resviz.core.events import Done, Epoch, Failed, Loading, Snapshot, Started, Step
from resviz.core.host_copy import copy_to_host_grouped, state_to_numpy
from resviz.core.optim import resolve_precision
from resviz.core.train_step import use_cuda_graphs
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist").subset(2_000, 300)


def small_config(**overrides) -> TrainConfig:
    settings = dict(model="cnn", device="cpu", epochs=1, batch_size=64, train_subset=512,
                    test_subset=200, log_every=2, snapshot_every=4)
    return TrainConfig(**{**settings, **overrides})


def test_events_come_in_order(mnist):
    events = list(Trainer(small_config(epochs=2), mnist).fit())
    kinds = [type(e) for e in events]
    assert kinds[:4] == [Loading, Started, Snapshot, Step]
    assert kinds[-1] is Done
    assert kinds.count(Epoch) == 2
    started = events[1]
    assert started.steps_per_epoch == 8 and started.total_steps == 16 and started.train_size == 512
    steps = [e.step for e in events if isinstance(e, Step)]
    assert steps == list(range(2, 17, 2))  # every log_every steps, counted over the run
    epoch_positions = [i for i, k in enumerate(kinds) if k is Epoch]
    assert all(kinds[i - 1] in (Step, Snapshot) for i in epoch_positions)  # an epoch follows its steps
    done = events[-1]
    assert not done.stopped and done.epochs_completed == 2 and done.step == 16
    assert 0.0 <= done.metrics["test_accuracy"] <= 1.0
    epochs = [e for e in events if isinstance(e, Epoch)]
    assert epochs[0].seconds < epochs[1].seconds <= done.seconds
    assert all(math.isfinite(e.train_loss) for e in epochs)


def test_events_hold_no_live_tensors(mnist):
    for event in Trainer(small_config(), mnist).fit():
        if isinstance(event, Snapshot):
            assert all(isinstance(v, np.ndarray) for v in event.state.values())
        if isinstance(event, Step):
            assert isinstance(event.loss, float) and isinstance(event.images_per_s, float)


def test_twenty_steps_lower_the_loss(mnist):
    config = small_config(train_subset=20 * 32, batch_size=32, log_every=5, snapshot_every=0, lr=3e-3)
    losses = [e.loss for e in Trainer(config, mnist).fit() if isinstance(e, Step)]
    assert len(losses) == 4  # steps 5, 10, 15, 20
    assert losses[-1] < 0.75 * losses[0]


def _run_in_thread(trainer, on_event):
    """Iterate fit() in a thread (as the GUI does); on_event runs there for each event."""
    events: queue.Queue = queue.Queue()

    def consume():
        for event in trainer.fit():
            events.put(event)
            on_event(event)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    return thread, events


def test_pause_holds_the_run_and_resume_finishes_it(mnist):
    trainer = Trainer(small_config(snapshot_every=0), mnist)
    paused = threading.Event()

    def on_event(event):
        if isinstance(event, Step) and event.step == 2:
            trainer.pause()
            paused.set()

    thread, events = _run_in_thread(trainer, on_event)
    assert paused.wait(60)
    thread.join(0.5)  # give a run that ignored the pause every chance to go on
    assert thread.is_alive() and trainer.paused
    assert trainer.history["step"] == [2]  # not one step was taken while paused
    trainer.resume()
    thread.join(60)
    seen = []
    while not events.empty():
        seen.append(events.get())
    assert isinstance(seen[-1], Done) and not seen[-1].stopped
    assert seen[-1].step == 8


def test_stop_mid_epoch_ends_with_done_and_a_checkpoint(mnist, tmp_path):
    path = tmp_path / "stopped.pt"
    trainer = Trainer(small_config(snapshot_every=0), mnist, checkpoint_path=path)
    stopped_at = []

    def on_event(event):
        if isinstance(event, Step) and not stopped_at:
            trainer.stop()
            stopped_at.append(event.step)

    thread, events = _run_in_thread(trainer, on_event)
    thread.join(60)
    seen = []
    while not events.empty():
        seen.append(events.get())
    done = seen[-1]
    assert isinstance(done, Done) and done.stopped
    assert done.step - stopped_at[0] == 0  # stop() takes effect before the next batch
    assert not any(isinstance(e, Epoch) for e in seen)
    assert done.checkpoint == str(path) and path.is_file()
    checkpoint = load_checkpoint(path)
    assert checkpoint.model_name == "cnn"
    assert checkpoint.meta["step"] == stopped_at[0]


def test_stop_during_testing_ends_at_once_and_keeps_the_trained_epoch(mnist, tmp_path):
    path = tmp_path / "stopped-in-test.pt"
    trainer = Trainer(small_config(snapshot_every=0, epochs=2), mnist, checkpoint_path=path)
    batches_tested = []
    evaluate = trainer.objective.evaluate

    def stop_while_testing(model, images, labels, stop=lambda: False):
        def stop_after_first_batch():
            batches_tested.append(1)
            if len(batches_tested) == 2:
                trainer.stop()  # as if Stop were pressed while the first test batch ran
            return stop()
        return evaluate(model, images, labels, batch_size=50, stop=stop_after_first_batch)

    trainer.objective.evaluate = stop_while_testing
    events = list(trainer.fit())
    done = events[-1]
    assert isinstance(done, Done) and done.stopped
    assert len(batches_tested) == 2  # the test set has 4 batches of 50: it stopped after one
    assert not any(isinstance(e, Epoch) for e in events)
    assert done.epochs_completed == 1 and done.metrics == {}
    assert load_checkpoint(path).meta["epoch"] == 1


def test_evaluation_answers_stop_between_batches(mnist):
    model = models.build("cnn").eval()
    objective = Trainer(small_config(), mnist).objective
    assert objective.evaluate(model, mnist.test_inputs, mnist.test_labels, stop=lambda: True) is None
    metrics = objective.evaluate(model, mnist.test_inputs, mnist.test_labels)
    assert set(metrics) == {"test_loss", "test_accuracy"}


def test_stop_while_paused_wakes_and_stops(mnist):
    trainer = Trainer(small_config(snapshot_every=0), mnist)

    def on_event(event):
        if isinstance(event, Step):
            trainer.pause()

    thread, events = _run_in_thread(trainer, on_event)
    while not trainer.paused:
        thread.join(0.05)
    trainer.stop()
    thread.join(60)
    assert not thread.is_alive()
    last = None
    while not events.empty():
        last = events.get()
    assert isinstance(last, Done) and last.stopped and last.step == 2


def test_a_far_too_high_learning_rate_fails_with_a_clear_message(mnist, tmp_path):
    # BatchNorm keeps this loss finite (about 1e14), so the trainer compares it with the untrained loss
    config = small_config(lr=1e6, epochs=3, snapshot_every=0)
    events = list(Trainer(config, mnist, checkpoint_path=tmp_path / "x.pt").fit())
    failed = events[-1]
    assert isinstance(failed, Failed)
    assert "learning rate (1e+06) is probably too high" in failed.message
    assert not any(isinstance(e, (Done, Epoch)) for e in events)


def test_a_nan_loss_fails_and_keeps_the_last_good_weights(mnist, tmp_path):
    trainer = Trainer(small_config(epochs=2, snapshot_every=0), mnist, checkpoint_path=tmp_path / "x.pt")
    real_loss = trainer.objective.loss
    calls = []

    def loss_turning_nan(model, x, y):
        calls.append(1)
        loss, parts = real_loss(model, x, y)
        return (loss * float("nan") if len(calls) > 12 else loss), parts  # NaN in epoch 2

    trainer.objective.loss = loss_turning_nan
    events = list(trainer.fit())
    failed = events[-1]
    assert isinstance(failed, Failed) and "NaN" in failed.message
    assert sum(isinstance(e, Epoch) for e in events) == 1
    assert failed.checkpoint and load_checkpoint(failed.checkpoint).meta["epoch"] == 1


def test_bad_settings_fail_with_a_message(mnist):
    events = list(Trainer(small_config(optimizer="rmsprop"), mnist).fit())
    assert isinstance(events[-1], Failed) and "rmsprop" in events[-1].message


def test_for_model_takes_the_model_defaults():
    config = TrainConfig.for_model("speedrun", epochs=3)
    defaults = models.spec("speedrun").defaults
    assert config.model == "speedrun" and config.epochs == 3
    assert config.batch_size == defaults["batch_size"] and config.precision == defaults["precision"]


def test_precision_auto_is_bf16_only_where_it_is_fast():
    from resviz.core.optim import cpu_has_fast_bf16

    assert resolve_precision("auto", torch.device("cpu")) == ("bf16" if cpu_has_fast_bf16() else "fp32")
    assert resolve_precision("bf16", torch.device("cpu")) == "bf16"
    with pytest.raises(ValueError, match="fp16"):
        resolve_precision("fp16", torch.device("cpu"))


def test_cuda_graphs_only_where_a_graph_can_hold_the_step():
    device = torch.device("cuda")  # only the decision is tested: no GPU is needed
    graphed = TrainConfig(cuda_graphs=True, momentum_cycle=False)
    assert use_cuda_graphs(graphed, device)
    assert not use_cuda_graphs(graphed, torch.device("cpu"))
    assert not use_cuda_graphs(TrainConfig(cuda_graphs=False, momentum_cycle=False), device)
    assert not use_cuda_graphs(TrainConfig(cuda_graphs=True), device)  # beta1 cycling is host-side
    assert not use_cuda_graphs(TrainConfig(cuda_graphs=True, momentum_cycle=False, augment=True), device)
    assert not use_cuda_graphs(TrainConfig(cuda_graphs=True, momentum_cycle=False, optimizer="sgd"), device)
    assert use_cuda_graphs(TrainConfig(cuda_graphs=True, schedule="constant"), device)


def test_bf16_autocast_trains(mnist):
    config = small_config(precision="bf16", snapshot_every=0, train_subset=128, test_subset=64)
    events = list(Trainer(config, mnist).fit())
    assert isinstance(events[-1], Done)
    assert all(math.isfinite(e.loss) for e in events if isinstance(e, Step))


def test_state_copies_match_the_model_and_are_independent():
    model = models.build("cnn").to(memory_format=torch.channels_last)  # BatchNorm: int64 buffers too
    copied = state_to_numpy(model)
    grouped = copy_to_host_grouped({k: v.detach() for k, v in model.state_dict().items()})
    assert list(copied) == list(model.state_dict()) == list(grouped)
    for name, tensor in model.state_dict().items():
        np.testing.assert_array_equal(copied[name], tensor.numpy())
        np.testing.assert_array_equal(grouped[name], tensor.numpy())
        assert copied[name].flags.c_contiguous
    assert grouped["layer1.1.num_batches_tracked"].dtype == np.int64
    with torch.no_grad():
        model.layer1[0].weight.add_(1.0)
    assert not np.array_equal(copied["layer1.0.weight"], model.layer1[0].weight.detach().numpy())
