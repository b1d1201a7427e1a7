"""The training loop, as a generator of events (see ``events.py``).

``Trainer.fit()`` yields ``Loading``, ``Started``, then whatever the callbacks report
(``Step`` every few batches, ``Snapshot`` every N steps, ``Epoch`` after each test,
``Recorded`` from recorders) and finally ``Done`` or ``Failed``. ``pause()``,
``resume()`` and ``stop()`` set flags the loop checks before every batch, so they
answer within one optimizer step. Whoever iterates ``fit()`` (a QThread, the CLI)
owns the thread.

The loop itself only trains: shuffle, step, count. A frozen feature stage is run once
first (``callbacks/frozen_features.py``: its result is the dataset the steps use).
Reporting, testing, snapshots and recording are callbacks (``callbacks/``), run in the
order their declared needs give (``callbacks/base.py``); what they make of the run comes
back as results: the epoch's metrics, or a ``Failed`` that ends it. The trainer keeps
what outlives a moment itself: the curves (``history``, folded from the events), the
last good weights (``last_good.py``) and, at the end, the checkpoint (``Checkpointer``).
The data is one tensor on the device and batches are indexed out of it; the loss is
summed on the device, so the host only syncs when a Step is reported. Frozen modules
and parameter groups come from the config (``optim.py``), the processes it runs in from
a distributed context (``distributed.py``: one process unless launched by torchrun).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Generator, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from . import models
from .augment import Augmentation
from .callbacks import (
    RECORDERS,
    Callback,
    CallbackList,
    Checkpointer,
    Evaluator,
    ProgressReporter,
    RunContext,
    RunRecord,
    Snapshotter,
    frozen_features,
)
from .clock import Clock
from .data import Dataset, load_dataset, to_model_input
from .devices import device_name, resolve_device
from .distributed import SingleProcess
from .events import Done, Epoch, Event, Failed, Loading, Started, Step
from .last_good import LastGood
from .logs import log_failure
from .objectives import objective_for
from .optim import freeze_modules, make_optimizer, make_scheduler, parameter_counts, resolve_precision
from .train_step import TrainStep, use_cuda_graphs
from .warm_start import warm_start


@dataclass
class TrainConfig:
    model: str = "resnet"
    model_config: dict = field(default_factory=dict)  # overrides of the model's own config
    dataset: str = "mnist"  # a registered dataset key (data.dataset_names())
    dataset_options: dict = field(default_factory=dict)  # for datasets that need them (an image folder's path)
    device: str = "auto"  # "auto" takes CUDA when present
    epochs: int = 2
    batch_size: int = 128  # examples per optimizer step, over all processes (each of N takes batch_size / N)
    lr: float = 3e-3  # peak learning rate under OneCycle
    optimizer: str = "adam"  # adam | adamw | sgd (momentum 0.9, nesterov)
    betas: tuple[float, float] = (0.9, 0.999)  # Adam/AdamW moment decay rates
    schedule: str = "onecycle"  # onecycle | constant
    momentum_cycle: bool = True  # OneCycle also cycles SGD's momentum / Adam's beta1 (0.95 -> 0.85 -> 0.95)
    weight_decay: float = 0.0
    augment: bool = False  # random shifts, rotations and zooms (digits' small variations), batched on the device
    augmentation: dict | None = None  # augment.Augmentation's fields instead (mirror, crop, ...: clothes, photos)
    freeze: tuple[str, ...] = ()  # module prefixes not trained (a transfer model's backbone)
    lr_scales: dict = field(default_factory=dict)  # module prefix -> learning-rate multiplier (own group)
    cache_frozen_features: bool = True  # a frozen feature stage runs once per image (callbacks/frozen_features.py)
    init_from: str | None = None  # start from this checkpoint's weights (transfer); None: the model's own init
    init_skip: tuple[str, ...] = ()  # module prefixes init_from leaves as built (a new head)
    precision: str = "fp32"  # fp32 | bf16 (autocast; BatchNorm stays fp32) | auto (bf16 on a GPU that has it)
    channels_last: bool = True  # faster convolutions on CPU and on tensor cores
    cuda_graphs: bool = False  # on a GPU, replay each step as one CUDA graph (Adam/AdamW, no augment, no beta cycling)
    seed: int = 0
    log_every: int = 0  # steps between Step events; 0: about 300 over the run
    snapshot_every: int = 50  # steps between weight Snapshots for the panels (0: never)
    record: tuple[str, ...] = ()  # recorders to run (callbacks.RECORDERS): "grad_norms", "activations"
    record_every: int = 10  # steps between their records
    train_subset: int | None = None  # use only the first N training examples
    test_subset: int | None = None
    data_dir: str | None = None

    def __post_init__(self):  # checkpoints and JSON store tuples as lists
        self.betas = tuple(self.betas)
        self.freeze = tuple(self.freeze)
        self.record = tuple(self.record)
        self.init_skip = tuple(self.init_skip)
        if self.augmentation is not None:
            Augmentation(**self.augmentation)  # unknown fields or absurd values are refused here

    @property
    def augments(self) -> bool:
        return bool(self.augment or self.augmentation)

    @classmethod
    def for_model(cls, model: str, **overrides) -> TrainConfig:
        """A config with the model's own training defaults (for this dataset), then ``overrides``."""
        recipe = models.spec(model).recipe(overrides.get("dataset", cls.dataset))
        return cls(**{"model": model, **recipe, **overrides})


@dataclass
class Outcome:
    """How the epochs ended: what the trainer saves and reports once they are over."""

    stopped: bool = False
    completed: int = 0  # epochs fully trained
    metrics: dict = field(default_factory=dict)  # the latest full test's
    failure: Failed | None = None


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        dataset: Dataset | None = None,
        checkpoint_path: str | Path | None = None,
        callbacks: tuple[Callback, ...] = (),
        dist=None,
        name: str = "",
    ):
        self.config = config
        self.name = name  # the run's name, saved in its checkpoint (File ▸ Open shows it)
        self.spec = models.spec(config.model)
        self.objective = objective_for(self.spec.objective)
        self._dataset = dataset
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self.extra_callbacks = tuple(callbacks)
        self.dist = dist or SingleProcess()
        self.checkpointer = Checkpointer(self.checkpoint_path, self.dist.is_main)
        self.callbacks = CallbackList(self._callbacks())  # CallbackOrderError: no order satisfies their needs
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.model: torch.nn.Module | None = None
        self.classes: tuple[str, ...] = ()
        self.history: dict[str, list] = {"step": [], "loss": [], "epoch": [], "epoch_step": []}

    # --- control, from any thread -------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused run must wake up to stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    # --- the run --------------------------------------------------------------------
    def fit(self) -> Iterator[Event]:
        try:
            yield Loading(f"Loading {self.config.dataset}…")
            self._check_recorders()
            for event in self._loop(self._prepare(), self.callbacks):
                _add_to_history(self.history, event)
                yield event
        except torch.OutOfMemoryError as error:
            yield self._failed(f"Out of memory with batch size {self.config.batch_size}. "
                               "Try a smaller batch size or the CPU.", error)
        except Exception as error:  # noqa: BLE001 — a run must end with an event, not a traceback
            yield self._failed(f"Training stopped: {error}", error)
        finally:
            self.callbacks.close()
            self._dataset = None  # a finished run keeps no copy of the data

    @staticmethod
    def _failed(message: str, error: BaseException) -> Failed:
        text = traceback.format_exc()
        log = log_failure(message, text)
        return Failed(message, f"{type(error).__name__}: {error}", traceback=text, log=str(log) if log else None)

    def _callbacks(self) -> list[Callback]:
        cfg = self.config
        progress = ProgressReporter()
        chosen: list[Callback] = [progress, Evaluator(progress)]
        if cfg.snapshot_every:
            chosen.append(Snapshotter(cfg.snapshot_every))
        chosen.extend(RECORDERS[name](cfg.record_every) for name in cfg.record if name in RECORDERS)
        return chosen + list(self.extra_callbacks)

    def _check_recorders(self) -> None:
        for name in self.config.record:
            if name not in RECORDERS:
                raise ValueError(f"Unknown recorder {name!r}; choose from {', '.join(RECORDERS)}.")

    def _prepare(self) -> RunContext:
        cfg = self.config
        device = resolve_device(cfg.device)
        data = self._dataset or load_dataset(cfg.dataset, cfg.data_dir, **cfg.dataset_options)
        data = data.subset(cfg.train_subset, cfg.test_subset).to(device)
        self.classes = data.classes
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        fitted = self.spec.fit_config(data.input_shape, data.num_classes)  # ModelDoesNotFit: a clear message
        model = models.build(cfg.model, seed=cfg.seed, **{**cfg.model_config, **fitted})  # the seed's weights
        torch.manual_seed(cfg.seed + self.dist.rank)  # dropout and the like: repeatable in a process of its own
        if cfg.init_from:
            warm_start(model, cfg.init_from, cfg.init_skip)
        model = model.to(device)
        if cfg.channels_last and len(data.input_shape) == 3:
            model = model.to(memory_format=torch.channels_last)
        freeze_modules(model, cfg.freeze)
        self.model = model
        n_train = len(data.train_inputs) // self.dist.world_size
        batch = min(max(1, cfg.batch_size // self.dist.world_size), n_train)  # this process's share
        steps_per_epoch = max(1, n_train // batch)  # drop the last partial batch
        return RunContext(cfg, self.objective, device, self.dist, model, make_optimizer(cfg, model), data, batch,
                          steps_per_epoch, steps_per_epoch * cfg.epochs, stopped=lambda: self.stopped)

    def _loop(self, ctx: RunContext, callbacks: CallbackList) -> Iterator[Event]:
        cfg, device = self.config, ctx.device
        graphs = use_cuda_graphs(cfg, device, callbacks.wants_gradients) and ctx.dist.world_size == 1
        optimizer = make_optimizer(cfg, ctx.model, capturable=True) if graphs else ctx.optimizer
        scheduler = make_scheduler(cfg, optimizer, ctx.total_steps)
        memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        # a CUDA graph must not keep autocast's cached weight casts from its capture
        autocast = (torch.autocast(device.type, dtype=torch.bfloat16, cache_enabled=not graphs)
                    if resolve_precision(cfg.precision, device) == "bf16" else nullcontext())
        generator = torch.Generator(device=device).manual_seed(cfg.seed)
        stepper = ctx.dist.wrap(ctx.model)
        trainable, frozen = parameter_counts(ctx.model)
        yield Started(
            cfg.model, models.model_config(ctx.model), self.spec.objective, ctx.data.key, ctx.data.title,
            ctx.data.classes, ctx.data.note, device.type, device_name(device), trainable + frozen,
            len(ctx.data.train_inputs), len(ctx.data.test_inputs), ctx.steps_per_epoch, ctx.total_steps,
            cfg.epochs, input_shape=tuple(ctx.data.input_shape), trainable_parameters=trainable,
            frozen_parameters=frozen, world_size=ctx.dist.world_size, batch_size=ctx.batch,
        )
        data = ctx.data
        if cfg.cache_frozen_features and frozen_features.applies(ctx.model, cfg):
            data = yield from frozen_features.cached_features(ctx.model, data, cfg, device, ctx.stopped)
        start_loss = self._untrained_loss(ctx.model, data, ctx.batch, memory_format, autocast)
        ctx = replace(ctx, optimizer=optimizer, data=data, start_loss=start_loss)  # what the callbacks see
        good = LastGood(ctx.model, cfg.freeze)
        failure = yield from callbacks.fit_start(ctx)
        train_step = TrainStep(ctx.objective, stepper, optimizer, ctx.data, memory_format, autocast,
                               generator if cfg.augments else None, ctx.batch if graphs else 0,
                               lambda: callbacks.after_backward(ctx),
                               Augmentation(**cfg.augmentation) if cfg.augmentation else None)
        outcome = Outcome(failure=failure)
        if failure is None:
            outcome = yield from self._epochs(ctx, callbacks, train_step, scheduler, generator, good)
        seconds = self._stop_clock(ctx)
        end_failure = yield from callbacks.fit_end(ctx)
        ctx.model.eval()
        run = RunRecord(self.name, cfg, self.spec, ctx.model, ctx.data, ctx.step, outcome.metrics, self.history,
                        seconds)
        if outcome.failure or end_failure:
            yield self.checkpointer.save_last_good(run, good, outcome.failure or end_failure)
            return
        saved = self.checkpointer.save(run, ctx.model.state_dict(), outcome.completed)
        yield Done(outcome.stopped, outcome.completed, ctx.step, dict(outcome.metrics), seconds, saved.path,
                   saved.note, unsaved=saved.unsaved)

    def _epochs(self, ctx: RunContext, callbacks: CallbackList, train_step: TrainStep, scheduler,
                generator: torch.Generator, good: LastGood) -> Generator[Event, None, Outcome]:
        """Trains epoch after epoch until the last, Stop, or a callback's ``Failed``; after each full
        test the weights are ``good``."""
        outcome, position = Outcome(), ctx.position
        ctx.clock.resume()
        ctx.set_training_mode()
        for epoch in range(1, self.config.epochs + 1):
            position.epoch = epoch
            order = ctx.dist.shard(torch.randperm(len(ctx.data.train_inputs), device=ctx.device, generator=generator))
            for index in range(ctx.steps_per_epoch):
                self._wait_while_paused(ctx.clock)
                # agreed by every process (ctx.dist.any), so none is left waiting in a collective
                outcome.stopped = ctx.dist.any(self.stopped)
                if outcome.stopped:
                    break
                callbacks.step_start(ctx)
                loss = train_step(order[index * ctx.batch:(index + 1) * ctx.batch])
                if scheduler is not None:
                    scheduler.step()
                position.step += 1
                position.step_in_epoch = index + 1
                outcome.failure = yield from callbacks.step_end(ctx, loss)
                if outcome.failure:
                    return outcome
            outcome.stopped = outcome.stopped or ctx.dist.any(self.stopped)
            if outcome.stopped:
                return outcome
            outcome.completed = epoch
            outcome.failure, tested = yield from callbacks.epoch_end(ctx)
            if tested is not None:
                outcome.metrics = tested.metrics
                good.keep(epoch)
            outcome.stopped = ctx.dist.any(self.stopped)
            if outcome.stopped or outcome.failure:  # Stop pressed while testing: the epoch is trained, its test is not
                return outcome
        return outcome

    @staticmethod
    def _stop_clock(ctx: RunContext) -> float:
        """Read the training time once, before saving: the checkpoint and Done then say the same."""
        ctx.clock.sync(ctx.device)
        seconds = ctx.clock.elapsed()
        ctx.clock.pause()
        return seconds

    def _wait_while_paused(self, clock: Clock) -> None:
        if not self._running.is_set():
            clock.pause()
            self._running.wait()
            clock.resume()

    def _untrained_loss(self, model, data: Dataset, batch: int, memory_format, autocast) -> float:
        """The loss before any step, on the first batch: the yardstick for divergence."""
        x = to_model_input(data.train_inputs[:batch])
        if x.ndim == 4:
            x = x.contiguous(memory_format=memory_format)
        model.eval()  # no BatchNorm statistics are updated by this look
        with torch.no_grad(), autocast:
            loss, _ = self.objective.loss(model, x, data.train_labels[:batch])
        return abs(float(loss)) or 1.0


def _add_to_history(history: dict[str, list], event: Event) -> None:
    """The run's curves, as a checkpoint stores them: each Step's losses, each Epoch's metrics."""
    if isinstance(event, Step):
        history["step"].append(event.step)
        history["loss"].append(event.loss)
        for name, value in event.parts.items():
            history.setdefault(name, []).append(value)
    elif isinstance(event, Epoch):
        history["epoch"].append(event.epoch)
        history["epoch_step"].append(event.step)
        history.setdefault("train_loss", []).append(event.train_loss)
        for key, value in event.metrics.items():
            history.setdefault(key, []).append(value)
