"""Seed 002's transfer model: a ResNet-50 backbone from a weights file, a new head, frozen features cached."""

from __future__ import annotations

import pickle
import urllib.error

import pytest
import torch
import torch.nn.functional as F
from image_folders import save_untrained_resnet50, write_digit_folder

from resviz.core import models
from resviz.core.checkpoints import load_checkpoint
from resviz.core.data import load_dataset
from resviz.core.events import Done, Loading, Started
from resviz.core.models import transfer
from resviz.core.models.transfer import WeightsUnavailable, backbone_state_dict
from resviz.core.trainer import TrainConfig, Trainer

BACKBONE_PARAMETERS = 23_508_032  # ResNet-50 without its fc layer


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return save_untrained_resnet50(tmp_path_factory.mktemp("weights") / "resnet50.pt")


@pytest.fixture(scope="module")
def folder_data(tmp_path_factory):
    root = write_digit_folder(tmp_path_factory.mktemp("photos") / "digits", per_class=12)
    return load_dataset("folder", path=str(root), image_size=32)  # 30 train / 6 test


def test_cross_entropy_of_log_probabilities_is_their_nll():
    log_probabilities = F.log_softmax(torch.randn(16, 5) * 4, dim=1)
    labels = torch.randint(0, 5, (16,))
    assert torch.allclose(F.cross_entropy(log_probabilities, labels), F.nll_loss(log_probabilities, labels),
                          atol=1e-6)
    assert torch.allclose(torch.softmax(log_probabilities, 1), log_probabilities.exp(), atol=1e-6)


def test_the_backbone_loads_a_state_dict_file_and_the_head_is_the_seeds(weights):
    model = models.build("resnet50-transfer", weights=str(weights), num_classes=3, image_size=64).eval()
    saved = torch.load(weights, weights_only=True)
    assert torch.equal(model.backbone.conv1.weight, saved["conv1.weight"])
    assert [type(m).__name__ for m in model.head] == ["Linear", "ReLU", "Dropout", "Linear", "LogSoftmax"]
    assert sum(p.numel() for p in model.backbone.parameters()) == BACKBONE_PARAMETERS
    x = torch.rand(2, 3, 64, 64)
    out = model(x)
    assert out.shape == (2, 3) and torch.allclose(out.exp().sum(1), torch.ones(2))
    assert torch.allclose(model(model.features(x)), out)  # features in place of images: the same answer
    grey = torch.rand(2, 1, 64, 64)
    assert torch.allclose(model(grey), model(grey.expand(-1, 3, -1, -1)))
    assert "weights" not in models.model_config(model)  # a saved config never fetches weights again


def test_weights_that_cannot_be_had_say_what_to_do(tmp_path, monkeypatch, weights):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.delenv("RESVIZ_OFFLINE", raising=False)  # the download is tried, and fails as offline does

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(transfer.urllib.request, "urlopen", offline)
    with pytest.raises(WeightsUnavailable, match="--weights FILE") as error:
        backbone_state_dict("imagenet")
    assert "resnet50-11ad3fa6.pth" in str(error.value) and "Name or service not known" in str(error.value)
    with pytest.raises(WeightsUnavailable, match="does not exist"):
        backbone_state_dict(str(tmp_path / "nothing.pt"))
    small = tmp_path / "resnet18.pt"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7), "layer1.0.conv1.weight": torch.zeros(1)}, small)
    with pytest.raises(WeightsUnavailable, match="not a ResNet-50 state dict"):
        backbone_state_dict(str(small))
    pickled = tmp_path / "code.pt"
    torch.save({"conv1.weight": torch.zeros(1), "hook": print}, pickled)  # a file that would run code
    with pytest.raises(WeightsUnavailable, match="not a plain PyTorch state-dict file"):
        backbone_state_dict(str(pickled))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # torch's, on the plain pickle
@pytest.mark.parametrize("content", [
    lambda path: torch.save({"conv1.weight": torch.zeros(1), "hook": print}, path),  # would run code
    lambda path: path.write_bytes(pickle.dumps({"conv1.weight": [0.0]}, protocol=4)),  # a plain pickle
    lambda path: path.write_bytes(b"hello, not weights"),
])
def test_a_refused_weights_file_never_advises_loading_it_anyway(tmp_path, content):
    path = tmp_path / "weights.pt"
    content(path)
    with pytest.raises(WeightsUnavailable, match="weights.pt is not a plain PyTorch state-dict file") as error:
        backbone_state_dict(str(path))
    message = str(error.value)
    assert "weights_only" not in message and "safe_globals" not in message and "still be loaded" not in message
    assert "torchvision's own ResNet-50 weights file" in message and "torch.save(model.state_dict(), FILE)" in message


def test_a_file_with_python_objects_is_refused_as_code(tmp_path):
    path = tmp_path / "code.pt"
    torch.save({"conv1.weight": torch.zeros(1), "hook": print}, path)
    with pytest.raises(WeightsUnavailable, match=r"holds Python objects \(print\) besides tensors, and loading "
                                                 "those could run code"):
        backbone_state_dict(str(path))


def _config(weights, data, **overrides):
    return TrainConfig.for_model("resnet50-transfer", dataset="folder", dataset_options=data.options,
                                 device="cpu", model_config={"weights": str(weights)}, **overrides)


def test_a_frozen_backbone_runs_once_per_image_and_trains_the_same(weights, folder_data, tmp_path, monkeypatch):
    seen = {}
    build = transfer.TransferResNet.__init__

    def counting_init(self, *args, **kwargs):
        build(self, *args, **kwargs)
        seen[id(self)] = counted = []
        self.backbone.register_forward_hook(lambda m, i, o: counted.append(len(i[0])))

    monkeypatch.setattr(transfer.TransferResNet, "__init__", counting_init)
    results = {}
    for cache in (True, False):
        seen.clear()
        trainer = Trainer(_config(weights, folder_data, epochs=2, batch_size=8, cache_frozen_features=cache),
                          folder_data, checkpoint_path=tmp_path / f"cache-{cache}.pt")
        events = list(trainer.fit())
        assert isinstance(events[-1], Done), events[-1]
        results[cache] = (events, sum(seen[id(trainer.model)]))
    (cached_events, cached_images), (plain_events, plain_images) = results[True], results[False]
    images = len(folder_data.train_labels) + len(folder_data.test_labels)
    assert cached_images == images  # each training and test image once
    train = len(folder_data.train_labels)
    # the untrained loss's batch, then per epoch 3 steps, the test, and the training accuracy (every training image)
    assert plain_images == 8 + 2 * (3 * 8 + 6 + train)
    loading = [e for e in cached_events if isinstance(e, Loading) and e.fraction]
    assert loading and "features once per image" in loading[-1].message and loading[-1].fraction == 1.0
    assert cached_events[-1].metrics["test_accuracy"] == plain_events[-1].metrics["test_accuracy"]
    assert cached_events[-1].metrics["test_loss"] == pytest.approx(plain_events[-1].metrics["test_loss"], rel=1e-4)
    started = next(e for e in cached_events if isinstance(e, Started))
    assert started.frozen_parameters == BACKBONE_PARAMETERS
    assert started.trainable_parameters == 2048 * 512 + 512 + 512 * 3 + 3


def test_the_checkpoint_rebuilds_without_fetching_weights(weights, folder_data, tmp_path, monkeypatch):
    done = list(Trainer(_config(weights, folder_data, batch_size=16), folder_data,
                        checkpoint_path=tmp_path / "run.pt").fit())[-1]

    def no_weights(*args, **kwargs):
        raise AssertionError("the checkpoint must not load backbone weights from anywhere")

    monkeypatch.setattr(transfer, "backbone_state_dict", no_weights)
    checkpoint = load_checkpoint(done.checkpoint)
    assert checkpoint.meta["input_shape"] == [3, 32, 32]  # the images', not the cached features'
    assert checkpoint.meta["dataset_options"] == folder_data.options
    assert checkpoint.meta["classes"] == ["one", "two", "zero"]
    model = checkpoint.build_model()
    x = folder_data.test_inputs[:2].float() / 255
    assert model(x).shape == (2, 3)


def test_fine_tuning_trains_the_last_stage_and_keeps_the_rest(weights, folder_data):
    frozen = ("backbone.conv1", "backbone.bn1", "backbone.layer1", "backbone.layer2", "backbone.layer3")
    trainer = Trainer(_config(weights, folder_data, batch_size=16, freeze=frozen,
                              lr_scales={"backbone.layer4": 0.1}), folder_data)
    torch.manual_seed(0)
    before = torch.load(weights, weights_only=True)
    events = list(trainer.fit())
    assert isinstance(events[-1], Done)
    assert not any(isinstance(e, Loading) and e.fraction for e in events)  # layer4 trains: nothing to cache
    after = trainer.model.backbone.state_dict()
    assert torch.equal(after["layer3.0.conv1.weight"], before["layer3.0.conv1.weight"])
    assert torch.equal(after["layer3.0.bn1.running_mean"], before["layer3.0.bn1.running_mean"])
    assert not torch.equal(after["layer4.0.conv1.weight"], before["layer4.0.conv1.weight"])
