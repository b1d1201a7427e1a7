"""``resviz visualize``: a PNG and a JSON row per unit, each reaching its best test image; clear refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from trained_digits import one_thread, save_trained_cnn

from resviz.cli import main
from resviz.core import models
from resviz.core.checkpoints import save_checkpoint


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    with one_thread():
        return save_trained_cnn(tmp_path_factory.mktemp("ck") / "cnn.pt")


def _visualize(capsys, *args) -> tuple[int, list[dict], str]:
    code = main(["visualize", *map(str, args)])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.strip().splitlines()], captured.err


def test_rows_and_pngs_for_the_chosen_channels(checkpoint, tmp_path, capsys):
    out = tmp_path / "pictures"
    code, lines, _ = _visualize(capsys, "--checkpoint", checkpoint, "--layer", "layer2.0", "--channels", "0-2,5",
                                "--steps", 80, "--out", out, "--json", tmp_path / "rows.json")
    assert code == 0
    rows, summary = lines[:-1], lines[-1]
    assert [row["unit"] for row in rows] == [0, 1, 2, 5] and summary["rows"] == rows
    assert summary["readout"] == "layer2.2" and summary["test_images"] == 1000  # read after layer 2's ReLU
    assert json.loads((tmp_path / "rows.json").read_text()) == summary
    for row in rows:
        assert set(row) >= {"layer", "unit", "activation", "test_max", "seconds"} and row["layer"] == "layer2.0"
        assert row["activation"] >= row["test_max"] and row["reached"]
        picture = np.asarray(Image.open(row["png"]))
        assert picture.shape == (28, 28) and picture.dtype == np.uint8 and picture.std() > 5  # not a blank
    assert sorted(p.name for p in out.iterdir()) == [f"layer2.0-unit00{u}.png" for u in (0, 1, 2, 5)]


def test_classes_gives_one_row_per_class_logit(checkpoint, capsys):
    code, lines, _ = _visualize(capsys, "--checkpoint", checkpoint, "--classes", "--steps", 60, "--test-images", 300)
    summary = lines[-1]
    assert code == 0 and summary["kind"] == "logits" and summary["layer"] == "fc" and summary["test_images"] == 300
    assert [row["class"] for row in summary["rows"]] == [str(d) for d in range(10)]
    assert all(row["png"] is None for row in summary["rows"])  # no --out: nothing written


def test_an_unknown_layer_is_refused_with_the_valid_names(checkpoint, capsys):
    code, lines, err = _visualize(capsys, "--checkpoint", checkpoint, "--layer", "layer9")
    assert code == 2 and "Traceback" not in err
    assert lines[-1]["error"] == "--layer: no layer 'layer9'; choose one of: layer1.0, layer2.0, fc"


def test_channels_beyond_the_layer_are_refused(checkpoint, capsys):
    code, lines, _ = _visualize(capsys, "--checkpoint", checkpoint, "--layer", "fc", "--channels", "8-12")
    assert code == 2 and lines[-1]["error"] == "--channels: fc has units 0-9; 12 is beyond them."


@pytest.mark.parametrize("text", ["3-a", "7-2", "-1", ""])
def test_channel_ranges_that_mean_nothing_are_refused_by_argparse(checkpoint, capsys, text):
    code = main(["visualize", "--checkpoint", checkpoint, "--layer", "fc", "--channels", text])
    assert code == 2 and "argument --channels: must be numbers and ranges" in capsys.readouterr().err


def test_a_vae_checkpoint_is_refused(tmp_path, capsys):
    torch.manual_seed(0)
    model = models.build("cvae2d").eval()
    path = save_checkpoint(tmp_path / "vae.pt", model="cvae2d", model_config=models.model_config(model),
                           state_dict=model.state_dict(), objective="vae", dataset="mnist")
    code, lines, err = _visualize(capsys, "--checkpoint", path, "--layer", "anything")
    assert code == 2 and "Traceback" not in err and "does not classify" in lines[-1]["error"]
