"""The training loop, as a generator of events (see ``events.py``).

``Trainer.fit()`` yields ``Loading``, ``Started``, then ``Step`` every few batches,
a ``Snapshot`` of the weights every N steps, an ``Epoch`` with test metrics after
each epoch, and finally ``Done`` or ``Failed``. ``pause()``, ``resume()`` and
``stop()`` set flags that the loop checks before every batch, so they answer within
one optimizer step. Whoever iterates ``fit()`` (a QThread, the CLI) owns the thread.

Speed: the data is one uint8 tensor on the device, batches are indexed out of it,
and the loss is summed on the device; the host only syncs when a Step is reported.
"""

from __future__ import annotations

import math
import threading
import time
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
    schedule: str = "onecycle"  # onecycle | constant
    weight_decay: float = 0.0
    augment: bool = False  # random shifts, rotations and zooms, batched on the device
    precision: str = "fp32"  # fp32 | bf16 (autocast; BatchNorm stays fp32)
    channels_last: bool = True  # faster convolutions on CPU and on tensor cores
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
    return {
        name: tensor.detach().to("cpu", copy=True).contiguous().numpy()
        for name, tensor in model.state_dict().items()
    }


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
        optimizer = make_optimizer(cfg, model)
        n_train = len(data.train_images)
        batch = min(cfg.batch_size, n_train)
        steps_per_epoch = max(1, n_train // batch)  # drop the last partial batch
        total_steps = steps_per_epoch * cfg.epochs
        scheduler = make_scheduler(cfg, optimizer, total_steps)
        autocast = (torch.autocast(device.type, dtype=torch.bfloat16)
                    if cfg.precision == "bf16" else nullcontext())

        yield Started(
            cfg.model, models.model_config(model), self.spec.kind, data.key, data.title,
            data.classes, data.note, device.type, device_name(device),
            sum(p.numel() for p in model.parameters()), n_train, len(data.test_images),
            steps_per_epoch, total_steps, cfg.epochs,
        )
        if cfg.snapshot_every:
            yield self._snapshot(0, 0)

        clock = _Clock()
        step, epoch, metrics = 0, 0, {}
        window = _Window(device, self.objective.part_names)
        last_good_state: dict[str, torch.Tensor] | None = None
        model.train()
        for epoch in range(1, cfg.epochs + 1):
            order = torch.randperm(n_train, device=device, generator=generator)
            epoch_loss = torch.zeros((), device=device)
            for index in range(steps_per_epoch):
                if not self._running.is_set():
                    clock.pause()
                    self._running.wait()
                    clock.resume()
                if self.stopped:
                    break
                picked = order[index * batch:(index + 1) * batch]
                x = as_float_images(data.train_images[picked])
                y = data.train_labels[picked]
                if cfg.augment:
                    x = random_affine(x, generator=generator)
                x = x.contiguous(memory_format=memory_format)
                with autocast:
                    loss, parts = self.objective.loss(model, x, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                step += 1
                window.add(loss.detach(), parts)
                epoch_loss += loss.detach()
                if step % cfg.log_every == 0 or index == steps_per_epoch - 1:
                    event = window.report(step, total_steps, epoch, optimizer, batch, clock)
                    if not math.isfinite(event.loss):
                        yield self._diverged(step, last_good_state, metrics, epoch)
                        return
                    self.history["step"].append(step)
                    self.history["loss"].append(event.loss)
                    yield event
                if cfg.snapshot_every and step % cfg.snapshot_every == 0:
                    yield self._snapshot(step, epoch)
            if self.stopped:
                break
            clock.sync(device)
            seconds = clock.elapsed()
            model.eval()
            metrics = self.objective.evaluate(model, data.test_images, data.test_labels)
            model.train()
            last_good_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            self.history["epoch"].append(epoch)
            self.history["epoch_step"].append(step)
            for key, value in metrics.items():
                self.history.setdefault(key, []).append(value)
            yield Epoch(epoch, step, (epoch_loss / steps_per_epoch).item(), dict(metrics), seconds)
            if cfg.snapshot_every:
                yield self._snapshot(step, epoch)

        completed = epoch if not self.stopped else epoch - 1
        checkpoint = self._save(model.state_dict(), completed, step, metrics)
        model.eval()
        yield Done(self.stopped, completed, step, dict(metrics), clock.elapsed(), checkpoint)

    # --- helpers --------------------------------------------------------------------
    def _snapshot(self, step: int, epoch: int) -> Snapshot:
        return Snapshot(step, epoch, self.config.model, models.model_config(self.model),
                        state_to_numpy(self.model))

    def _diverged(self, step, last_good_state, metrics, epoch) -> Failed:
        checkpoint = None
        if last_good_state is not None:
            checkpoint = self._save(last_good_state, epoch - 1, step, metrics)
        kept = f" The weights after epoch {epoch - 1} were saved to {checkpoint}." if checkpoint else ""
        return Failed(
            f"The loss became NaN/infinite at step {step}: the learning rate "
            f"({self.config.lr:g}) is probably too high. Lower it and train again.{kept}",
            "non-finite loss", checkpoint)

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


def make_optimizer(cfg: TrainConfig, model: torch.nn.Module) -> torch.optim.Optimizer:
    params = model.parameters()
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, nesterov=True, weight_decay=cfg.weight_decay)
    raise ValueError(f"Unknown optimizer {cfg.optimizer!r}; use adam, adamw or sgd.")


def make_scheduler(cfg: TrainConfig, optimizer, total_steps: int):
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg.lr, total_steps=total_steps)
    if cfg.schedule == "constant":
        return None
    raise ValueError(f"Unknown schedule {cfg.schedule!r}; use onecycle or constant.")


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
    """Loss summed on the device between two Step events (one host sync per report)."""

    def __init__(self, device, part_names):
        self.device = device
        self.part_names = part_names
        self._reset()
        self.last_time = 0.0
        self.last_step = 0

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
