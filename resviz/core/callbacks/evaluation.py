"""Epoch events: the test set's metrics after every epoch (the objective says which).

A classifier is also scored on a fixed sample of its training data (the first
``TRAIN_SCORED`` examples, in eval mode): ``train_accuracy``, the other half of a
train-versus-test error plot (seed 004's figure 10.8: the MLP fits its training set
faster but generalises worse). A fifth of an MNIST test pass, all of it off the clock.

Its hook returns the epoch's ``Epoch`` event, the run's ``metrics`` result: the trainer
reports the latest on ``Done``, keeps the weights that passed as the last good ones
(should the run diverge later), and hands it to the callbacks that need it. The clock
stops while testing (the speed records leave testing out). Stop answers between test
batches: a test cut short returns nothing and the previous epoch's numbers stay. Under
torchrun every process tests a share of the test set and the
metrics are combined, so all processes hold the same numbers.
"""

from __future__ import annotations

from ..events import Epoch
from .base import Callback

TRAIN_SCORED = 2000  # training examples re-scored each epoch: cheap, and accuracy to 0.05%


class Evaluator(Callback):
    name = "evaluation"
    provides = ("metrics",)

    def __init__(self, progress):
        self.progress = progress  # the ProgressReporter: it knows the epoch's mean training loss

    def on_epoch_end(self, ctx, results):
        ctx.clock.sync(ctx.device)
        seconds = ctx.clock.elapsed()
        ctx.clock.pause()
        ctx.model.eval()
        # under torchrun each process tests its own share; the means are then weighted by share
        inputs, labels = ctx.dist.shard(ctx.data.test_inputs), ctx.dist.shard(ctx.data.test_labels)
        tested = ctx.objective.evaluate(ctx.model, inputs, labels, stop=ctx.stopped)
        scored_inputs = ctx.dist.shard(ctx.data.train_inputs[:TRAIN_SCORED])
        scored_labels = ctx.dist.shard(ctx.data.train_labels[:TRAIN_SCORED])
        trained = ctx.objective.score_training(ctx.model, scored_inputs, scored_labels,
                                               stop=ctx.stopped)
        ctx.set_training_mode()
        ctx.clock.resume()
        if ctx.dist.any(tested is None or trained is None):  # Stop pressed while testing (on any process)
            return ()
        test_share = len(labels) / max(len(ctx.data.test_labels), 1)
        train_share = len(scored_labels) / max(min(TRAIN_SCORED, len(ctx.data.train_labels)), 1)
        world = ctx.dist.world_size
        metrics = {k: ctx.dist_mean(v * test_share) * world for k, v in tested.items()}
        metrics.update({k: ctx.dist_mean(v * train_share) * world for k, v in trained.items()})
        train_loss = ctx.dist_mean(self.progress.epoch_train_loss())
        return (Epoch(ctx.epoch, ctx.step, train_loss, metrics, seconds),)
