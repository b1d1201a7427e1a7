"""Architecture tables: totals equal torchvision's published figures, fields follow the recurrence."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from resviz.core.arch import catalog, report
from resviz.core.arch.blocks import compare_blocks
from resviz.core.arch.summary import summarize

# torchvision's published figures (its weights' num_params and _ops, GMACs at 224x224), as the issue quotes them
PUBLISHED = {
    "resnet50": (25_557_032, 4.09),
    "resnet18": (11_689_512, 1.81),
    "alexnet": (61_100_840, 0.71),
    "vgg16": (138_357_544, 15.47),
    "densenet121": (7_978_856, 2.83),
}
TORCHVISION = [e.key for e in catalog.architectures() if e.family == "torchvision"]


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_totals_equal_the_figures_the_issue_quotes(key):
    summary = catalog.summarize_architecture(key)
    params, gmacs = PUBLISHED[key]
    assert summary.input_shape == (3, 224, 224)
    assert summary.total_params == params
    assert round(summary.total_macs / 1e9, 2) == gmacs


@pytest.mark.parametrize("key", TORCHVISION)
def test_totals_equal_torchvision_metadata(key):
    """ResNet-34/101/152, GoogLeNet, Inception v3 at 299 too: against the installed package's own figures."""
    entry = catalog.get(key)
    summary = catalog.summarize_architecture(key)
    params, gmacs = entry.published()
    assert summary.total_params == params
    assert round(summary.total_macs / 1e9, 2) == round(gmacs, 2)
    assert report.published_matches(entry, entry.default_size, summary)


@pytest.mark.parametrize("key", ["resnet18", "inception_v3", "densenet121"])
def test_macs_agree_with_torchs_own_flop_counter(key):
    """An independent count: torch.utils.flop_counter counts 2 FLOPs per multiply-add."""
    entry = catalog.get(key)
    with torch.device("meta"):
        model = entry.builder(entry.default_size).eval()
        x = torch.zeros(1, 3, entry.default_size, entry.default_size)
    with FlopCounterMode(display=False) as counter:
        model(x)
    assert catalog.summarize_architecture(key).total_macs * 2 == counter.get_total_flops()


@pytest.mark.parametrize("key", catalog.keys())
def test_every_architecture_partitions_into_its_rows(key):
    summary = catalog.summarize_architecture(key)
    for depth in (None, 1, 2):
        rows = summary.frontier(depth)
        assert sum(r.params for r in rows) == summary.total_params
        assert sum(r.macs for r in rows) == summary.total_macs
    for row in summary.rows:  # a block's row is the sum of the rows under it
        children = summary.children(row.name)
        if children:
            assert row.params == sum(c.params for c in children), row.name


def test_registry_models_count_the_parameters_they_really_have():
    from resviz.core import models

    for name in models.names():
        if models.spec(name).input_rank != 3:  # signal models are not in the (square-image) catalog
            assert name not in catalog.keys()
            continue
        summary = catalog.summarize_architecture(name)
        real = models.build(name)  # on the CPU, with real weights
        assert summary.total_params == sum(p.numel() for p in real.parameters()), name


def test_receptive_fields_follow_the_recurrence():
    rows = {r.name: r for r in catalog.summarize_architecture("resnet18").rows}
    assert (rows["conv1"].receptive_field, rows["conv1"].jump) == ((7, 7), (2, 2))  # 7x7 stride 2
    assert (rows["maxpool"].receptive_field, rows["maxpool"].jump) == ((11, 11), (4, 4))  # 7 + (3-1)*2
    assert rows["layer1.0.conv1"].receptive_field == (19, 19)  # 11 + (3-1)*4
    assert rows["layer4.1.conv2"].receptive_field == (435, 435)  # ResNet-18's well-known 435
    assert rows["fc"].sees_whole_input
    # AlexNet conv5: 11/4 -> pool 3/2 -> 5 -> pool -> 3 -> 3 -> 3 = 163 pixels, 16 apart
    alex = catalog.summarize_architecture("alexnet").row("features.10")
    assert (alex.receptive_field, alex.jump) == ((163, 163), (16, 16))
    assert catalog.summarize_architecture("vgg16").row("features.28").receptive_field == (196, 196)
    # Inception v3's 1x7 conv grows the field along one axis only
    row = catalog.summarize_architecture("inception_v3").row("Mixed_6b.branch7x7_2.conv")
    assert row.receptive_field[0] != row.receptive_field[1]


def _measured_field(model: nn.Module, size: int) -> int:
    """Which input pixels reach the centre output: a backward pass with every weight positive."""
    for p in model.parameters():
        nn.init.constant_(p, 0.1)
    x = torch.rand(1, 1, size, size, requires_grad=True)
    out = model(x)
    h, w = out.shape[-2:]
    out[0, 0, h // 2, w // 2].backward()
    cols = torch.nonzero(x.grad[0, 0].abs().sum(0)).flatten()
    return int(cols.max() - cols.min() + 1)


def test_receptive_field_matches_a_gradient_measurement():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, stride=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Conv2d(2, 2, 3, dilation=2), nn.AvgPool2d(2), nn.Conv2d(2, 1, 5),
    )
    size = 101
    measured = _measured_field(model, size)  # all valid convs: nothing is cut by the border
    computed = summarize(model, (1, size, size)).row("5").receptive_field
    assert computed == (measured, measured) == (59, 59)


def test_input_sizes_a_person_might_type():
    for text, message in [("0", "at least 1"), ("abc", "whole number"), ("100000", "at most 4096"), ("", "whole")]:
        with pytest.raises(catalog.ArchitectureError, match=message):
            catalog.summarize_architecture("resnet50", text)
    with pytest.raises(catalog.ArchitectureError, match="smallest input it takes is 63×63"):
        catalog.summarize_architecture("alexnet", 30)
    with pytest.raises(catalog.ArchitectureError, match="only 28×28"):
        catalog.summarize_architecture("speedrun", 32)  # normalised and cropped for 28x28 digits
    assert catalog.summarize_architecture("cnn", 32).output_shape == (10,)  # seed 001's CNN fits any size
    tiny = catalog.summarize_architecture("resnet50", 5)  # padding keeps a 5x5 input alive: 1x1 maps
    assert tiny.output_shape == (1000,)
    assert any("1×1" in note for note in report.notes(catalog.get("resnet50"), 5, tiny))


def test_unet_follows_the_paper():
    summary = catalog.summarize_architecture("unet")
    assert summary.output_shape == (2, 388, 388)  # the paper's figure 1: 572x572 tile -> 388x388 map
    assert not summary.row("head").field_exact  # after up-convolutions the field is an upper bound
    from resviz.core.arch.unet import UNet

    same = UNet(widths=(4, 8, 16), padding=1)
    assert same(torch.rand(1, 1, 32, 32)).shape == (1, 2, 32, 32)  # "same" convs keep the size


def test_lstm_multiply_adds():
    class Rows(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(input_size=28, hidden_size=32, batch_first=True)

        def forward(self, x):
            return self.lstm(x[:, 0])[0]

    # 28 steps x 4 gates x 32 hidden x (28 inputs + 32 recurrent)
    assert summarize(Rows(), (1, 28, 28)).total_macs == 28 * 4 * 32 * (28 + 32)


def test_bottleneck_beside_basic_block():
    blocks = compare_blocks()
    # 1x1 256->64, 3x3 64->64, 1x1 64->256, and three BatchNorms (2 parameters per channel)
    assert blocks.bottleneck.total_params == 256 * 64 + 9 * 64 * 64 + 64 * 256 + 2 * (64 + 64 + 256)
    assert blocks.basic.total_params == 2 * 9 * 64 * 64 + 2 * 2 * 64
    assert blocks.wide_basic.total_params == 2 * 9 * 256 * 256 + 2 * 2 * 256
    assert blocks.bottleneck.total_macs == 56 * 56 * (256 * 64 + 9 * 64 * 64 + 64 * 256)
    assert [r.name for r in blocks.bottleneck.rows if r.type == "Conv2d"] == ["conv1", "conv2", "conv3"]
    sentence = blocks.sentence()
    assert "70,400" in sentence and "1,180,672" in sentence and "17×" in sentence


def test_json_record_for_scripts():
    entry = catalog.get("resnet50")
    summary = catalog.summarize_architecture("resnet50")
    record = report.to_json(entry, 224, summary, depth=2)
    assert record["parameters"] == record["total_params"] == 25_557_032
    assert sum(layer["params"] for layer in record["layers"]) == 25_557_032
    assert {"name", "type", "output_shape", "params", "macs", "receptive_field"} <= set(record["layers"][0])
    assert record["published"]["gmacs"] == pytest.approx(4.089)
