"""The convolutional VAEs: shapes, the VAE protocol the panels rely on, real training steps."""

from __future__ import annotations

import pytest
import torch

from resviz.core import models
from resviz.core.analysis import latent
from resviz.core.checkpoints import load_checkpoint, save_checkpoint
from resviz.core.data import load_dataset
from resviz.core.events import Failed, Step
from resviz.core.models.cvae import ConvVAE
from resviz.core.trainer import TrainConfig, Trainer


def test_pickers_list_the_conv_vaes_first():
    assert models.names("vae")[:3] == ["cvae", "cvae2d", "cvae-mix"]
    assert {"vae1", "vae2"} <= set(models.names("vae")[3:])  # the seed's stay
    for name in ("cvae", "cvae2d"):
        spec = models.spec(name)
        assert spec.objective == "vae"
        assert {"epochs", "batch_size", "lr", "optimizer", "schedule"} <= set(spec.defaults)


@pytest.mark.parametrize("name, latent_dim", [("cvae", 16), ("cvae2d", 2)])
def test_shapes_through_encoder_and_decoder(name, latent_dim):
    model = models.build(name).eval()
    assert isinstance(model, ConvVAE) and model.latent_dim == latent_dim
    x = torch.rand(3, 1, 28, 28)
    assert model.encoder.features(x).shape == (3, 64, 7, 7)
    mean, logvar = model.encode(x)
    assert mean.shape == logvar.shape == (3, latent_dim)
    logits, mean2, _, kl = model(x)
    assert kl.shape == (3,)
    assert logits.shape == (3, 1, 28, 28) and torch.equal(mean, mean2)
    probabilities = model.decode(model.sample_prior(4))
    assert probabilities.shape == (4, 1, 28, 28)
    assert 0 <= probabilities.min() and probabilities.max() <= 1


def test_config_round_trips_and_widths_change_the_model():
    model = models.build("cvae", channels=(8, 16), hidden=32)
    config = models.model_config(model)
    assert config == {"latent_dim": 16, "channels": [8, 16], "hidden": 32, "image_size": 28, "prior_components": 0}
    rebuilt = models.build("cvae", **config)
    assert models.model_config(rebuilt) == config
    assert rebuilt.encoder.features(torch.rand(1, 1, 28, 28)).shape == (1, 16, 7, 7)
    assert models.model_config(models.build("cvae2d"))["latent_dim"] == 2


def test_channels_last_gives_the_same_output():
    model = models.build("cvae").eval()
    x = torch.rand(2, 1, 28, 28)
    expected = model.decode_logits(model.encode(x)[0])
    fast = model.to(memory_format=torch.channels_last)
    got = fast.decode_logits(fast.encode(x.contiguous(memory_format=torch.channels_last))[0])
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_the_latent_tools_work_on_it():
    model = models.build("cvae").eval()
    axes = latent.latent_axes(model)
    assert axes.count == 16 and not axes.principal  # one slider per dimension
    assert latent.decode(model, axes.point([0.0] * 16)).shape == (28, 28)
    grid = latent.manifold_grid(models.build("cvae2d").eval(), size=5)
    assert grid.shape == (25, 28, 28)


def test_a_checkpoint_opens_as_the_same_model(tmp_path):
    model = models.build("cvae2d").eval()
    path = save_checkpoint(tmp_path / "c.pt", model="cvae2d", model_config=models.model_config(model),
                           state_dict=model.state_dict(), objective="vae", dataset="mnist")
    reopened = load_checkpoint(path).build_model()
    z = torch.randn(3, 2)
    torch.testing.assert_close(reopened.decode(z), model.decode(z))


def test_a_few_real_steps_lower_the_loss():
    data = load_dataset("mnist").subset(600, 100)
    config = TrainConfig.for_model("cvae", epochs=1, batch_size=50, train_subset=600, test_subset=100,
                                   log_every=1, snapshot_every=0, seed=0)
    events = list(Trainer(config, data).fit())
    assert not [e for e in events if isinstance(e, Failed)]
    losses = [e.loss for e in events if isinstance(e, Step)]
    assert len(losses) == 12
    # nats per image: 784 ln 2 = 543 untrained; a dozen Adam steps already learn the dark background
    assert sum(losses[-3:]) / 3 < losses[0] - 100
