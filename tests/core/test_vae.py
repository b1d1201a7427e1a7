"""Seed 000's VAEs: the table's shapes, the loss against a hand-written one, real training steps."""

from __future__ import annotations

import math
import queue
import threading

import pytest
import torch
import torch.nn.functional as F

from resviz.core import models
from resviz.core.data import load_dataset
from resviz.core.events import Done, Epoch, Failed, Snapshot, Step
from resviz.core.models.vae import CompactVAE, SeedVAE
from resviz.core.objectives import VAEObjective, objective_for
from resviz.core.replica import ModelReplica
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def small_mnist():
    return load_dataset("mnist").subset(400, 200)


def _decoder_shapes(model, z):
    shapes = {}
    for name in ("layer1", "layer2", "layer3", "fc"):
        getattr(model.decoder, name).register_forward_hook(
            lambda module, args, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:])))
    model.decode(z)
    return shapes


@pytest.mark.parametrize("name, h", [("vae1", 256), ("vae2", 16)])
def test_seed_models_have_the_tables_shapes(name, h):
    model = models.build(name).eval()
    assert isinstance(model, SeedVAE) and models.spec(name).objective == "vae"
    x = torch.rand(3, 1, 28, 28)
    rows, _ = model.encoder(x)
    assert rows.shape == (3, 28, 32)  # a1, a2: 28 x 32
    mean, logvar = model.encode(x)
    assert mean.shape == logvar.shape == (3, 28 * h)  # a3: 28 x h, for the mean and the log-variance
    z = model.reparameterize(mean, logvar)
    assert z.reshape(3, *model.latent_shape).shape == (3, h, 28, 1)  # a4: h x 28 x 1
    assert _decoder_shapes(model, z) == {
        "layer1": (128, 28, 2), "layer2": (64, 28, 3), "layer3": (1, 28, 3), "fc": (1, 28, 28)}
    probabilities = model.decode(z)
    assert probabilities.shape == (3, 1, 28, 28)
    assert 0 <= probabilities.min() and probabilities.max() <= 1


def test_decoder_layers_follow_the_seed_order():
    block = models.build("vae2").decoder.layer2
    kinds = [type(m).__name__ for m in block]
    assert kinds == ["ConvTranspose2d", "ReLU", "BatchNorm2d", "MaxPool2d", "Dropout"]
    conv = block[0]
    assert conv.kernel_size == (5, 5) and conv.stride == (3, 1) and conv.padding == (0, 0)
    assert block[3].kernel_size == (3, 2) and block[4].p == 0.01


@pytest.mark.parametrize("latent_dim", [8, 2])
def test_compact_vae_latent_is_a_small_vector(latent_dim):
    model = models.build("vae", latent_dim=latent_dim).eval()
    assert isinstance(model, CompactVAE) and model.latent_dim == latent_dim
    mean, logvar = model.encode(torch.rand(5, 1, 28, 28))
    assert mean.shape == logvar.shape == (5, latent_dim)
    assert _decoder_shapes(model, mean)["layer1"] == (128, 28, 2)
    assert model.decode(model.sample_prior(4)).shape == (4, 1, 28, 28)


def test_config_round_trips_through_the_registry():
    model = models.build("vae", latent_dim=2)
    config = models.model_config(model)
    rebuilt = models.build("vae", **config)
    assert models.model_config(rebuilt) == config and rebuilt.latent_dim == 2
    assert models.model_config(models.build("vae1"))["latent_channels"] == 256


def test_works_in_channels_last():
    model = models.build("vae2").to(memory_format=torch.channels_last).eval()
    x = torch.rand(2, 1, 28, 28)
    generator = torch.Generator().manual_seed(1)
    expected = model(x, generator=generator)[0]
    generator.manual_seed(1)
    got = model(x.contiguous(memory_format=torch.channels_last), generator=generator)[0]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_loss_is_bce_plus_kl_per_image():
    torch.manual_seed(0)
    objective = objective_for("vae")
    assert isinstance(objective, VAEObjective) and objective.part_names == ("recon", "kl")
    model = models.build("vae", latent_dim=3).eval()
    x = torch.rand(4, 1, 28, 28)
    torch.manual_seed(5)
    loss, parts = objective.loss(model, x, torch.zeros(4, dtype=torch.long))
    torch.manual_seed(5)
    mean, logvar = model.encode(x)
    z = mean + torch.exp(logvar / 2) * torch.randn_like(mean)
    probabilities = model.decode(z)
    recon = F.binary_cross_entropy(probabilities, x, reduction="sum") / 4
    kl = sum(  # KL(N(m, s^2) || N(0, 1)) = (s^2 + m^2 - 1 - ln s^2) / 2, per dimension
        (math.exp(lv) + m * m - 1 - lv) / 2 for m, lv in zip(mean.flatten().tolist(), logvar.flatten().tolist())
    ) / 4
    assert parts["recon"].item() == pytest.approx(recon.item(), rel=1e-4)
    assert parts["kl"].item() == pytest.approx(kl, rel=1e-4)
    assert loss.item() == pytest.approx(recon.item() + kl, rel=1e-4)


def test_a_few_real_steps_lower_the_loss(small_mnist):
    config = TrainConfig.for_model("vae2", epochs=2, batch_size=50, train_subset=200, test_subset=100,
                                   log_every=1, snapshot_every=0, seed=0)
    events = list(Trainer(config, small_mnist).fit())
    assert not [e for e in events if isinstance(e, Failed)]
    losses = [e.loss for e in events if isinstance(e, Step)]
    assert len(losses) == 8
    assert sum(losses[-2:]) / 2 < losses[0] - 20  # nats per image; 784 ln 2 = 543 at the start
    steps = [e for e in events if isinstance(e, Step)]
    assert set(steps[0].parts) == {"recon", "kl"}
    epoch = [e for e in events if isinstance(e, Epoch)][-1]
    metrics = epoch.metrics
    assert set(metrics) == {"test_loss", "test_recon", "test_kl"}
    assert metrics["test_loss"] == pytest.approx(metrics["test_recon"] + metrics["test_kl"])
    assert metrics["test_kl"] >= 0 and metrics["test_recon"] > 0
    assert isinstance(events[-1], Done) and events[-1].metrics == metrics


def test_decode_a_snapshot_while_training_runs(small_mnist):
    config = TrainConfig.for_model("vae", epochs=50, batch_size=50, train_subset=400, test_subset=100,
                                   snapshot_every=2, log_every=1)
    trainer = Trainer(config, small_mnist)
    snapshots: queue.Queue = queue.Queue()

    def run():
        for event in trainer.fit():
            if isinstance(event, Snapshot):
                snapshots.put(event)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        decoded = []
        while len(decoded) < 2:
            snapshot = snapshots.get(timeout=120)
            if snapshot.step == 0:
                continue
            replica = ModelReplica.from_snapshot(snapshot)
            assert replica.generates and not replica.classifies
            with torch.no_grad():
                image = replica.model.decode(torch.zeros(1, replica.model.latent_dim))
            decoded.append(image)
            assert thread.is_alive()  # the trainer was still going while we decoded
    finally:
        trainer.stop()
        thread.join(timeout=120)
    assert not thread.is_alive()
    assert all(d.shape == (1, 1, 28, 28) and torch.isfinite(d).all() for d in decoded)
