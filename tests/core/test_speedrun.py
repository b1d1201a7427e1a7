"""The speed-run model and its recipe, and the record it is measured against."""

import pytest
import torch

from resviz.bench.record import RecordNet, prepare_record_data, train_record
from resviz.core import models
from resviz.core.data import load_dataset
from resviz.core.events import Done, Step
from resviz.core.models.speedrun import SpeedrunNet
from resviz.core.trainer import TrainConfig, Trainer


def test_speedrun_is_a_registered_classifier_with_a_short_recipe():
    spec = models.spec("speedrun")
    assert spec.objective == "classifier" and "speedrun" in models.names("classifier")
    config = TrainConfig.for_model("speedrun")
    assert config.epochs == 2 and config.batch_size == 512 and config.schedule == "onecycle"
    # the record's optimizer: Adam with betas (0.7, 0.9), no beta cycling; then a CUDA graph may hold the step
    assert config.betas == (0.7, 0.9) and not config.momentum_cycle and config.cuda_graphs


def test_speedrun_shapes():
    model = SpeedrunNet().eval()
    x = torch.rand(3, 1, 28, 28)
    assert model(x).shape == (3, 10)
    # 2 px crop, valid 5x5 conv then pool, valid 3x3 conv then pool: 28 -> 24 -> 20 -> 10 -> 8 -> 4
    assert model.feature_shape == (model.config.channels[1], 4, 4)
    pooled = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: pooled.append(tuple(out.shape[1:])))
             for m in model.modules() if isinstance(m, torch.nn.MaxPool2d)]
    model(x)
    for hook in hooks:
        hook.remove()
    c1, c2 = model.config.channels
    assert pooled == [(c1, 10, 10), (c2, 4, 4)]


def test_speedrun_config_variants_build():
    wide = SpeedrunNet(channels=(8, 16), kernel_sizes=(3, 3), hidden=32, batch_norm=True, crop=0)
    assert wide(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    assert wide.feature_shape == (16, 5, 5)  # 28 -> 26 -> 13 -> 11 -> 5
    assert models.model_config(wide)["channels"] == [8, 16]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in wide.modules()) == 2
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in SpeedrunNet().modules())


def test_speedrun_is_cheaper_than_the_record():
    """Fewer multiply-adds per image than the record's network (what a CPU pays for)."""
    def multiply_adds(model):
        total = []

        def count(module, _inputs, output):
            if isinstance(module, torch.nn.Conv2d):
                total.append(output[0].numel() * module.in_channels * module.kernel_size[0] * module.kernel_size[1])
            elif isinstance(module, torch.nn.Linear):
                total.append(module.in_features * module.out_features)

        hooks = [m.register_forward_hook(count) for m in model.modules()]
        model.eval()(torch.rand(1, 1, 28, 28))
        for hook in hooks:
            hook.remove()
        return sum(total)

    assert multiply_adds(SpeedrunNet()) < 0.5 * multiply_adds(RecordNet())  # 0.59M vs 1.24M


def test_record_net_has_the_record_shapes():
    model = RecordNet()
    assert (model.conv1.out_channels, model.conv1.kernel_size) == (24, (5, 5))
    assert (model.conv2.out_channels, model.conv2.kernel_size) == (32, (3, 3))
    assert (model.fc1.in_features, model.fc1.out_features, model.fc2.out_features) == (800, 256, 10)
    out = model(torch.rand(4, 1, 28, 28))
    assert torch.allclose(out.exp().sum(1), torch.ones(4), atol=1e-5)  # log-probabilities


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist").subset(3_000, 500)


def test_record_training_learns(mnist):
    result = train_record(prepare_record_data(mnist.subset(1_000), torch.device("cpu"), seed=0), seed=0)
    assert result.steps == 4  # ceil(1000 / 256): the record keeps the short last batch
    assert result.seconds > 0 and 0.3 < result.accuracy <= 1.0  # four steps: well above chance


def test_record_data_is_normalised_and_shuffled(mnist):
    data = prepare_record_data(mnist.subset(1_000), torch.device("cpu"), seed=1)
    assert abs(float(data.train_x.mean())) < 0.2 and abs(float(data.train_x.std()) - 1) < 0.2
    assert not torch.equal(data.train_y, mnist.train_labels[:1_000])
    assert torch.equal(data.train_y.sort().values, mnist.train_labels[:1_000].sort().values)


def test_speedrun_recipe_learns_in_a_few_steps(mnist):
    config = TrainConfig.for_model("speedrun", device="cpu", train_subset=2_048, batch_size=256,
                                   epochs=1, log_every=2, snapshot_every=0)
    events = list(Trainer(config, mnist).fit())
    losses = [e.loss for e in events if isinstance(e, Step)]
    assert losses[-1] < 0.6 * losses[0]
    done = events[-1]
    assert isinstance(done, Done) and done.metrics["test_accuracy"] > 0.7


def test_the_crop_keeps_the_centre():
    torch.manual_seed(0)
    model = SpeedrunNet().eval()
    x = torch.rand(2, 1, 28, 28)
    border = x.clone()
    border[..., 2:-2, 2:-2] = 0
    assert torch.equal(model(x), model(x - border))  # the 2 px border is never seen


def test_channels_last_gives_the_same_outputs():
    """The trainer runs models in channels_last; the numbers must not change."""
    torch.manual_seed(0)
    model = SpeedrunNet().eval()
    x = torch.rand(5, 1, 28, 28)
    expected = model(x)
    fast = model.to(memory_format=torch.channels_last)
    assert torch.allclose(fast(x.contiguous(memory_format=torch.channels_last)), expected, atol=1e-5)
