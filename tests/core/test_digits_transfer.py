"""Class subsets, starting from another run's weights, and the digits demo's three ways to learn 5-9."""

from __future__ import annotations

import pytest
import torch

from resviz.core import models
from resviz.core.checkpoints import save_checkpoint
from resviz.core.data import DatasetUnavailable, load_dataset
from resviz.core.datasets.subset import class_subset
from resviz.core.digits_transfer import MODES, pretrain_config, transfer_config
from resviz.core.events import Done
from resviz.core.trainer import Trainer
from resviz.core.warm_start import warm_start


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist")


def test_a_class_subset_relabels_and_keeps_k_of_each_for_training(mnist):
    data = class_subset(mnist, [7, 5], per_class=3, repeat=2)
    assert data.classes == ("7", "5") and data.key == "subset"
    assert sorted(data.train_labels.tolist()) == [0] * 6 + [1] * 6  # 3 each, listed twice
    originals = mnist.train_labels[torch.isin(mnist.train_labels, torch.tensor([5, 7]))]
    assert len(data.train_labels) == 12 and len(data.test_labels) == int(
        torch.isin(mnist.test_labels, torch.tensor([5, 7])).sum())  # every test 5 and 7
    assert len(originals) > 12
    sevens = data.test_inputs[data.test_labels == 0]
    assert torch.equal(sevens[0], mnist.test_inputs[mnist.test_labels == 7][0])
    assert data.options == {"of": "mnist", "classes": [7, 5], "per_class": 3, "seed": 0, "repeat": 2}
    again = load_dataset("subset", **data.options)  # what a checkpoint's options reload
    assert torch.equal(again.train_inputs, data.train_inputs)
    with pytest.raises(DatasetUnavailable, match="distinct classes"):
        class_subset(mnist, [1, 1])


def test_warm_start_copies_all_but_the_skipped_layers_and_refuses_misfits(tmp_path):
    torch.manual_seed(1)
    source = models.build("cnn", num_classes=5)
    path = save_checkpoint(tmp_path / "source.pt", model="cnn", model_config=models.model_config(source),
                           state_dict=source.state_dict())
    torch.manual_seed(2)
    target = models.build("cnn", num_classes=5)
    fresh_fc = target.fc.weight.detach().clone()
    copied = warm_start(target, path, skip=("fc",))
    assert "layer1.0.weight" in copied and "layer1.1.running_mean" in copied and "fc.weight" not in copied
    assert torch.equal(target.layer2[0].weight, source.layer2[0].weight)
    assert torch.equal(target.fc.weight, fresh_fc)  # the new head keeps its own start
    with pytest.raises(ValueError, match="fc.weight is 5×1568 there, 3×1568 here"):
        warm_start(models.build("cnn", num_classes=3), path)


def test_the_three_modes_differ_only_in_where_they_start_and_what_trains(tmp_path):
    configs = {mode: transfer_config(10, mode, tmp_path / "pre.pt", device="cpu") for mode in MODES}
    assert configs["frozen"].freeze == ("layer1", "layer2") and configs["frozen"].init_skip == ("fc",)
    assert configs["finetune"].freeze == () and configs["finetune"].lr_scales == {"layer1": 0.1, "layer2": 0.1}
    assert configs["scratch"].init_from is None and configs["finetune"].init_from == str(tmp_path / "pre.pt")
    for config in configs.values():  # the same data, steps and learning rate for all three
        assert config.dataset_options == configs["scratch"].dataset_options and config.batch_size == 50
        assert config.dataset_options["repeat"] == 60 and config.epochs == 1 and config.lr == configs["scratch"].lr
    assert transfer_config(None, "scratch", "x").dataset_options["per_class"] is None
    assert pretrain_config().dataset_options["classes"] == [0, 1, 2, 3, 4]


def test_a_frozen_transfer_run_keeps_the_pretrained_convolutions(mnist, tmp_path):
    pre = list(Trainer(pretrain_config(device="cpu", train_subset=600, test_subset=200, snapshot_every=0),
                       class_subset(mnist, range(5)), checkpoint_path=tmp_path / "pre.pt").fit())[-1]
    assert isinstance(pre, Done) and pre.metrics["test_accuracy"] > 0.5
    config = transfer_config(5, "frozen", pre.checkpoint, device="cpu", test_subset=200, snapshot_every=0)
    data = class_subset(mnist, range(5, 10), 5, 0, config.dataset_options["repeat"])
    trainer = Trainer(config, data)
    done = list(trainer.fit())[-1]
    assert isinstance(done, Done) and done.metrics["test_accuracy"] > 0.3  # 5 digits: chance is 0.2
    pretrained = torch.load(pre.checkpoint, weights_only=True)["state_dict"]
    assert torch.equal(trainer.model.layer1[0].weight, pretrained["layer1.0.weight"])
    assert torch.equal(trainer.model.layer2[1].running_var, pretrained["layer2.1.running_var"])
