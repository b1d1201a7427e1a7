"""The training loop, as a generator of events (see ``events.py``).

``Trainer.fit()`` yields ``Loading``, ``Started``, then ``Step`` every few batches,
a ``Snapshot`` of the weights every N steps, an ``Epoch`` with test metrics after
each epoch, and finally ``Done`` or ``Failed``. ``pause()``, ``resume()`` and
``stop()`` set flags that the loop checks before every batch, so they answer within
one optimizer step. Whoever iterates ``fit()`` (a QThread, the CLI) owns the thread.

Speed: the data is one uint8 tensor on the device, batches are indexed out of it,
and the loss is summed on the device; the host only syncs when a Step is reported.
On a GPU, ``cuda_graphs=True`` records one whole training step (batch gather,
forward, backward, fused Adam) as a CUDA graph after a few warm-up steps and then
replays it: a small model's step is a few dozen kernel launches, and replaying them
as one is what makes the speed run fast there (see ``_TrainStep``). That path follows
PyTorch's whole-network capture recipe but has not yet run on a GPU in this project
(none was lent while it was written): the speedrun rows of ``resviz bench`` on a GPU
are its check, and a failed capture falls back to eager steps with a warning.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from . import models
from .augment import random_affine
from .checkpoints import save_checkpoint
from .data import ImageDataset, as_float_images, load_dataset
from .devices import device_name, resolve_device
from .events import Done, Epoch, Event, Failed, Loading, Snapshot, Started, Step
from .objectives import objective_for


@dataclass
class TrainConfig:
    model: str = "resnet"
    model_config: dict = field(default_factory=dict)  # overrides of the model's own config
    dataset: str = "mnist"  # "mnist" or "fashion"
    device: str = "auto"  # "auto" takes CUDA when present
    epochs: int = 2
    batch_size: int = 128
    lr: float = 3e-3  # peak learning rate under OneCycle
    optimizer: str = "adam"  # adam | adamw | sgd (momentum 0.9, nesterov)
    betas: tuple[float, float] = (0.9, 0.999)  # Adam/AdamW moment decay rates
    schedule: str = "onecycle"  # onecycle | constant
    momentum_cycle: bool = True  # OneCycle also cycles SGD's momentum / Adam's beta1 (0.95 -> 0.85 -> 0.95)
    weight_decay: float = 0.0
    augment: bool = False  # random shifts, rotations and zooms, batched on the device
    precision: str = "fp32"  # fp32 | bf16 (autocast; BatchNorm stays fp32) | auto (bf16 on a GPU that has it)
    channels_last: bool = True  # faster convolutions on CPU and on tensor cores
    cuda_graphs: bool = False  # on a GPU, replay each step as one CUDA graph (Adam/AdamW, no augment, no beta cycling)
    seed: int = 0
    log_every: int = 10  # steps between Step events
    snapshot_every: int = 50  # steps between weight Snapshots for the panels (0: never)
    train_subset: int | None = None  # use only the first N training images
    test_subset: int | None = None
    data_dir: str | None = None

    @classmethod
    def for_model(cls, model: str, **overrides) -> "TrainConfig":
        """A config with the model's own training defaults, then ``overrides``."""
        return cls(**{"model": model, **models.spec(model).defaults, **overrides})


def state_to_numpy(model: torch.nn.Module) -> dict[str, np.ndarray]:
    """A detached CPU copy of the weights and buffers (safe to hand to another thread)."""
    state = {name: tensor.detach() for name, tensor in model.state_dict().items()}
    if state and next(iter(state.values())).device.type != "cpu":
        return copy_to_host_grouped(state)
    return {name: t.clone(memory_format=torch.contiguous_format).numpy() for name, t in state.items()}


def copy_to_host_grouped(state: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Copy tensors to host numpy arrays with one transfer per dtype.

    Each ``.cpu()`` on a GPU tensor waits for the GPU; a model has dozens of tensors.
    Flattening all tensors of one dtype into one buffer makes a snapshot cost one or
    two waits instead. The arrays are views of that buffer, in logical (NCHW) order.
    """
    by_dtype: dict[torch.dtype, list[str]] = {}
    for name, tensor in state.items():
        by_dtype.setdefault(tensor.dtype, []).append(name)
    arrays = {}
    for names in by_dtype.values():
        flat = torch.cat([state[n].reshape(-1) for n in names]).cpu().numpy()
        offset = 0
        for n in names:
            size = state[n].numel()
            arrays[n] = flat[offset:offset + size].reshape(tuple(state[n].shape))
            offset += size
    return {name: arrays[name] for name in state}  # in the state dict's order


# A loss this many times its untrained value means the run has diverged: BatchNorm
# keeps a loss blown up by a far too high learning rate finite (1e14, not NaN).
DIVERGED_FACTOR = 1000.0


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        dataset: ImageDataset | None = None,
        checkpoint_path: str | Path | None = None,
    ):
        self.config = config
        self.spec = models.spec(config.model)
        self.objective = objective_for(self.spec.kind)
        self._dataset = dataset
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
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
            yield from self._fit()
        except torch.OutOfMemoryError as error:
            yield Failed(
                f"Out of memory with batch size {self.config.batch_size}. "
                "Try a smaller batch size or the CPU.", str(error))
        except Exception as error:  # noqa: BLE001 — a run must end with an event, not a traceback
            yield Failed(f"Training stopped: {error}", f"{type(error).__name__}: {error}")

    def _fit(self) -> Iterator[Event]:
        cfg = self.config
        device = resolve_device(cfg.device)
        yield Loading(f"Loading {cfg.dataset}…")
        data = self._dataset or load_dataset(cfg.dataset, cfg.data_dir)
        data = data.subset(cfg.train_subset, cfg.test_subset).to(device)
        self.classes = data.classes

        torch.manual_seed(cfg.seed)
        generator = torch.Generator(device=device).manual_seed(cfg.seed)
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        model = models.build(cfg.model, **cfg.model_config).to(device)
        memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        model = model.to(memory_format=memory_format)
        self.model = model
        graphs = use_cuda_graphs(cfg, device)
        optimizer = make_optimizer(cfg, model, capturable=graphs)
        n_train = len(data.train_images)
        batch = min(cfg.batch_size, n_train)
        steps_per_epoch = max(1, n_train // batch)  # drop the last partial batch
        total_steps = steps_per_epoch * cfg.epochs
        scheduler = make_scheduler(cfg, optimizer, total_steps)
        # a CUDA graph must not keep autocast's cached weight casts from its capture
        autocast = (torch.autocast(device.type, dtype=torch.bfloat16, cache_enabled=not graphs)
                    if resolve_precision(cfg.precision, device) == "bf16" else nullcontext())
        train_step = _TrainStep(self.objective, model, optimizer, data, memory_format, autocast,
                                generator if cfg.augment else None, batch if graphs else 0)

        yield Started(
            cfg.model, models.model_config(model), self.spec.kind, data.key, data.title,
            data.classes, data.note, device.type, device_name(device),
            sum(p.numel() for p in model.parameters()), n_train, len(data.test_images),
            steps_per_epoch, total_steps, cfg.epochs,
        )
        if cfg.snapshot_every:
            yield self._snapshot(0, 0)
        start_loss = self._untrained_loss(model, data, batch, memory_format, autocast)

        clock = _Clock()
        step, completed, metrics = 0, 0, {}
        window = _Window(device, self.objective.part_names)
        last_good_state: dict[str, torch.Tensor] | None = None
        model.train()
        for epoch in range(1, cfg.epochs + 1):
            order = torch.randperm(n_train, device=device, generator=generator)
            window.new_epoch()
            for index in range(steps_per_epoch):
                if not self._running.is_set():
                    clock.pause()
                    self._running.wait()
                    clock.resume()
                if self.stopped:
                    break
                loss, parts = train_step(order[index * batch:(index + 1) * batch])
                if scheduler is not None:
                    scheduler.step()
                step += 1
                window.add(loss, parts)  # on the device: no host sync here
                if step % cfg.log_every == 0 or index == steps_per_epoch - 1:
                    event = window.report(step, total_steps, epoch, optimizer, batch, clock)
                    if not math.isfinite(event.loss) or event.loss > DIVERGED_FACTOR * start_loss:
                        yield self._diverged(step, event.loss, start_loss, last_good_state, metrics, epoch)
                        return
                    self.history["step"].append(step)
                    self.history["loss"].append(event.loss)
                    yield event
                if cfg.snapshot_every and step % cfg.snapshot_every == 0:
                    yield self._snapshot(step, epoch)
            if self.stopped:
                break
            completed = epoch
            clock.sync(device)
            seconds = clock.elapsed()
            clock.pause()  # the clock measures training: testing is left out, as the speed records do
            model.eval()
            tested = self.objective.evaluate(model, data.test_images, data.test_labels,
                                             stop=lambda: self.stopped)
            model.train()
            if tested is None:  # Stop pressed while testing: keep the last full test's numbers
                break
            metrics = tested
            last_good_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            self.history["epoch"].append(epoch)
            self.history["epoch_step"].append(step)
            for key, value in metrics.items():
                self.history.setdefault(key, []).append(value)
            yield Epoch(epoch, step, window.epoch_mean(), dict(metrics), seconds)
            if cfg.snapshot_every:
                yield self._snapshot(step, epoch)
            clock.resume()

        checkpoint = self._save(model.state_dict(), completed, step, metrics)
        model.eval()
        yield Done(self.stopped, completed, step, dict(metrics), clock.elapsed(), checkpoint)

    # --- helpers --------------------------------------------------------------------
    def _snapshot(self, step: int, epoch: int) -> Snapshot:
        return Snapshot(step, epoch, self.config.model, models.model_config(self.model),
                        state_to_numpy(self.model))

    def _untrained_loss(self, model, data, batch, memory_format, autocast) -> float:
        """The loss before any step, on the first batch: the yardstick for divergence."""
        x = as_float_images(data.train_images[:batch]).contiguous(memory_format=memory_format)
        model.eval()  # no BatchNorm statistics are updated by this look
        with torch.no_grad(), autocast:
            loss, _ = self.objective.loss(model, x, data.train_labels[:batch])
        model.train()
        return abs(float(loss)) or 1.0

    def _diverged(self, step, loss, start_loss, last_good_state, metrics, epoch) -> Failed:
        checkpoint = None
        if last_good_state is not None:
            checkpoint = self._save(last_good_state, epoch - 1, step, metrics)
        kept = f" The weights after epoch {epoch - 1} were saved to {checkpoint}." if checkpoint else ""
        what = ("became NaN/infinite" if not math.isfinite(loss)
                else f"exploded to {loss:.3g} (it started at {start_loss:.3g})")
        return Failed(
            f"The loss {what} at step {step}: the learning rate "
            f"({self.config.lr:g}) is probably too high. Lower it and train again.{kept}",
            "non-finite loss" if not math.isfinite(loss) else "diverging loss", checkpoint)

    def _save(self, state, epochs_completed, step, metrics) -> str | None:
        if self.checkpoint_path is None:
            return None
        save_checkpoint(
            self.checkpoint_path, model=self.config.model,
            model_config=models.model_config(self.model), state_dict=state,
            kind=self.spec.kind, dataset=self.config.dataset, classes=list(self.classes), epoch=epochs_completed,
            step=step, metrics=metrics, train_config=asdict(self.config), history=self.history,
        )
        return str(self.checkpoint_path)


def resolve_precision(choice: str, device: torch.device) -> str:
    """'auto' is bf16 on a GPU that supports it (tensor cores) and fp32 elsewhere."""
    if choice == "auto":
        cuda_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
        return "bf16" if cuda_bf16 else "fp32"
    if choice not in ("fp32", "bf16"):
        raise ValueError(f"Unknown precision {choice!r}; use fp32, bf16 or auto.")
    return choice


def use_cuda_graphs(cfg: TrainConfig, device: torch.device) -> bool:
    """Whether a run can replay its steps as a CUDA graph (see ``_TrainStep``).

    The graph bakes in everything but tensors: the learning rate becomes a tensor
    the scheduler fills, so Adam's betas must not be cycled, and augmentation's
    random draws stay eager.
    """
    return (cfg.cuda_graphs and device.type == "cuda" and cfg.optimizer in ("adam", "adamw")
            and not cfg.augment and (cfg.schedule == "constant" or not cfg.momentum_cycle))


def make_optimizer(cfg: TrainConfig, model: torch.nn.Module, capturable: bool = False) -> torch.optim.Optimizer:
    params = list(model.parameters())
    # one fused kernel for the whole update on a GPU, where launches dominate small models
    fused = {"fused": True} if params and params[0].device.type == "cuda" else {}
    lr = cfg.lr
    if capturable:  # a CUDA graph reads the learning rate from a tensor the scheduler fills
        fused["capturable"] = True
        lr = torch.tensor(cfg.lr, device=params[0].device)
    betas = tuple(cfg.betas)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=cfg.weight_decay, **fused)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=cfg.weight_decay, **fused)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, nesterov=True, weight_decay=cfg.weight_decay)
    raise ValueError(f"Unknown optimizer {cfg.optimizer!r}; use adam, adamw or sgd.")


def make_scheduler(cfg: TrainConfig, optimizer, total_steps: int):
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg.lr, total_steps=total_steps,
                                                   cycle_momentum=cfg.momentum_cycle)
    if cfg.schedule == "constant":
        return None
    raise ValueError(f"Unknown schedule {cfg.schedule!r}; use onecycle or constant.")


class _TrainStep:
    """One optimizer step on the batch at ``index``; on a GPU, optionally a replayed CUDA graph.

    Eager: gather, forward, backward, step. With ``graph_batch`` > 0 (a GPU run
    with ``cuda_graphs``): the first ``WARMUP`` steps run eagerly on a side stream
    (real steps; cuDNN picks its kernels then), the next one is captured into a
    CUDA graph (following "whole network capture" in PyTorch's CUDA semantics
    notes), and every step after copies its batch indices into the graph's input
    and replays it. If capture fails, a warning says so and training goes on eagerly.
    Returns the detached loss and its parts, still on the device.
    """

    WARMUP = 3

    def __init__(self, objective, model, optimizer, data, memory_format, autocast, augment_generator, graph_batch):
        self.objective, self.model, self.optimizer, self.data = objective, model, optimizer, data
        self.memory_format, self.autocast, self.augment_generator = memory_format, autocast, augment_generator
        self.graph_batch = graph_batch
        self.graph: torch.cuda.CUDAGraph | None = None
        self.warm_steps = 0
        if graph_batch:
            self.static_index = torch.zeros(graph_batch, dtype=torch.long, device=data.train_images.device)
            self.side_stream = torch.cuda.Stream(data.train_images.device)

    def _forward_backward_step(self, index):
        x = as_float_images(self.data.train_images[index])
        y = self.data.train_labels[index]
        if self.augment_generator is not None:
            x = random_affine(x, generator=self.augment_generator)
        x = x.contiguous(memory_format=self.memory_format)
        with self.autocast:
            loss, parts = self.objective.loss(self.model, x, y)
        loss.backward()
        self.optimizer.step()
        return loss.detach(), {name: part.detach() for name, part in parts.items()}

    def __call__(self, index: torch.Tensor):
        if not self.graph_batch:
            self.optimizer.zero_grad(set_to_none=True)
            return self._forward_backward_step(index)
        self.static_index.copy_(index)
        if self.graph is not None:
            self.graph.replay()
            return self.static_out
        if self.warm_steps < self.WARMUP:
            current = torch.cuda.current_stream()
            self.side_stream.wait_stream(current)  # also: the side stream's memory is free to reuse
            with torch.cuda.stream(self.side_stream):
                self.optimizer.zero_grad(set_to_none=True)
                out = self._forward_backward_step(self.static_index)
            current.wait_stream(self.side_stream)
            self.warm_steps += 1
            return out
        try:
            graph = torch.cuda.CUDAGraph()
            self.optimizer.zero_grad(set_to_none=True)  # backward in the graph then writes fresh grads
            with torch.cuda.graph(graph, capture_error_mode="thread_local"):  # the GUI thread may use CUDA
                self.static_out = self._forward_backward_step(self.static_index)
        except Exception as error:  # noqa: BLE001 — slower, but the run goes on
            warnings.warn(f"CUDA graph capture failed, training on without it: {error}", RuntimeWarning)
            self.graph_batch = 0
            return self(index)
        self.graph = graph
        graph.replay()
        return self.static_out


class _Clock:
    """Training time with pauses left out."""

    def __init__(self):
        self.start = time.perf_counter()
        self.paused_total = 0.0
        self._paused_at: float | None = None

    def pause(self):
        self._paused_at = time.perf_counter()

    def resume(self):
        if self._paused_at is not None:
            self.paused_total += time.perf_counter() - self._paused_at
            self._paused_at = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.start - self.paused_total

    @staticmethod
    def sync(device: torch.device):
        if device.type == "cuda":
            torch.cuda.synchronize(device)


class _Window:
    """Loss summed on the device between two Step events (one host sync per report).

    Each report also adds its window to the epoch's sum, so a training step costs
    one small add on the device and no transfer.
    """

    def __init__(self, device, part_names):
        self.device = device
        self.part_names = part_names
        self._reset()
        self.new_epoch()
        self.last_time = 0.0
        self.last_step = 0

    def new_epoch(self):
        self.epoch_loss = torch.zeros((), device=self.device)
        self.epoch_count = 0

    def epoch_mean(self) -> float:
        return (self.epoch_loss / max(self.epoch_count, 1)).item()

    def _reset(self):
        self.loss = torch.zeros((), device=self.device)
        self.parts = {n: torch.zeros((), device=self.device) for n in self.part_names}
        self.count = 0

    def add(self, loss, parts):
        self.loss += loss
        for name in self.part_names:
            self.parts[name] += parts[name].detach()
        self.count += 1

    def report(self, step, total_steps, epoch, optimizer, batch, clock) -> Step:
        self.epoch_loss += self.loss
        self.epoch_count += self.count
        values = torch.stack([self.loss, *self.parts.values()]).float().cpu() / max(self.count, 1)
        now = clock.elapsed()
        rate = (step - self.last_step) * batch / max(now - self.last_time, 1e-9)
        eta = now / step * (total_steps - step)
        self.last_time, self.last_step = now, step
        event = Step(
            step, total_steps, epoch, float(values[0]),
            {n: float(v) for n, v in zip(self.part_names, values[1:])},
            float(optimizer.param_groups[0]["lr"]), rate, now, eta,
        )
        self._reset()
        return event
