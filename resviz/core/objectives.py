"""What a model is trained to do: its loss per batch and its test metrics.

The trainer is the same loop for every model; the objective (named by the model
spec's ``objective``) says how to score a batch, how to evaluate on the test set, and
what the rest of resviz may do with such a model (``classifies``: class scores for
the Draw, Evaluation and saliency views; ``generates``: a decoder for the latent views).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .data import to_model_input


class Objective:
    kind = ""  # the key model specs name it by
    part_names: tuple[str, ...] = ()  # extra loss terms shown as their own curves
    classifies = False  # forward(x) gives class logits
    generates = False  # has encode / decode: latent sliders, samples, clusters
    headline = "test_loss"  # the metric a run is summed up by
    higher_is_better = False

    def loss(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        raise NotImplementedError

    @torch.no_grad()
    def evaluate(self, model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000,
                 stop: Callable[[], bool] = lambda: False) -> dict[str, float] | None:
        """Test metrics; None when ``stop()`` turned true between batches (Stop must answer fast)."""
        raise NotImplementedError

    @torch.no_grad()
    def score_training(self, model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000,
                       stop: Callable[[], bool] = lambda: False) -> dict[str, float] | None:
        """Metrics of the trained-on examples given (eval mode), beyond the running train loss; {} if none."""
        return {}


class ClassificationObjective(Objective):
    """Cross-entropy, as the seeds use; test loss and accuracy each epoch, and training accuracy.

    A model may end in LogSoftmax and give log-probabilities (seed 002's head, trained
    with NLLLoss): log_softmax leaves log-probabilities as they are (their logsumexp is
    log 1 = 0), so cross-entropy of them *is* their NLL, and softmax of them gives the
    probabilities back. One objective serves both kinds of model (tests/core/test_transfer.py).
    """

    kind = "classifier"
    classifies = True
    headline = "test_accuracy"
    higher_is_better = True

    def loss(self, model, x, y):
        return F.cross_entropy(model(x), y), {}

    @torch.no_grad()
    def evaluate(self, model, images, labels, batch_size=1000, stop=lambda: False):
        scored = self._loss_and_accuracy(model, images, labels, batch_size, stop)
        return None if scored is None else {"test_loss": scored[0], "test_accuracy": scored[1]}

    @torch.no_grad()
    def score_training(self, model, images, labels, batch_size=1000, stop=lambda: False):
        """``train_accuracy``: how much of the training data the model fits (figure 10.8's train error)."""
        scored = self._loss_and_accuracy(model, images, labels, batch_size, stop)
        return None if scored is None else {"train_accuracy": scored[1]}

    @staticmethod
    def _loss_and_accuracy(model, images, labels, batch_size, stop) -> tuple[float, float] | None:
        total_loss = torch.zeros((), device=images.device)
        correct = torch.zeros((), device=images.device, dtype=torch.long)
        for start in range(0, len(images), batch_size):
            if stop():
                return None
            x = to_model_input(images[start:start + batch_size])
            y = labels[start:start + batch_size]
            logits = model(x).float()
            total_loss += F.cross_entropy(logits, y, reduction="sum")
            correct += (logits.argmax(1) == y).sum()
        n = max(len(images), 1)
        return total_loss.item() / n, correct.item() / n


def reconstruction_nats(logits, x) -> torch.Tensor:
    """Per image, in nats: binary cross-entropy summed over pixels."""
    return F.binary_cross_entropy_with_logits(logits.float(), x.float(), reduction="none").flatten(1).sum(1)


class VAEObjective(Objective):
    """Seed 000's VAE loss: reconstruction (BCE) + KL to the prior, averaged per image.

    The model's ``forward(x)`` returns a ``VAEOutput`` (logits, mean, logvar, kl): the KL is the
    model's to say, as its prior is (N(0, I), or one it learns). BCE is taken on the logits
    (stable, and safe under bf16 autocast). The class labels are not used.
    """

    kind = "vae"
    part_names = ("recon", "kl")
    generates = True

    def loss(self, model, x, y):
        out = model(x)
        recon, kl = reconstruction_nats(out.logits, x).mean(), out.kl.float().mean()
        return recon + kl, {"recon": recon, "kl": kl}

    @torch.no_grad()
    def evaluate(self, model, images, labels, batch_size=1000, stop=lambda: False):
        # a fixed noise seed, so the same weights always get the same test numbers
        generator = torch.Generator(device=images.device).manual_seed(0)
        totals = torch.zeros(2, device=images.device)
        for start in range(0, len(images), batch_size):
            if stop():
                return None
            x = to_model_input(images[start:start + batch_size])
            out = model(x, generator=generator)
            totals += torch.stack([reconstruction_nats(out.logits, x).sum(), out.kl.float().sum()])
        recon, kl = (totals / max(len(images), 1)).tolist()
        return {"test_loss": recon + kl, "test_recon": recon, "test_kl": kl}


_OBJECTIVES: dict[str, type[Objective]] = {"classifier": ClassificationObjective}


def register_objective(cls: type[Objective]) -> type[Objective]:
    _OBJECTIVES[cls.kind] = cls
    return cls


def objective_for(kind: str) -> Objective:
    return _OBJECTIVES[kind]()


def objective_class(kind: str) -> type[Objective]:
    """The class (its flags and part names) without making one."""
    return _OBJECTIVES[kind]


register_objective(VAEObjective)
