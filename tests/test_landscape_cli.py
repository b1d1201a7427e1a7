"""``resviz landscape``: the JSON line's shape, the PNG, and plain refusals without a traceback."""

import json

import pytest
from PIL import Image
from trained_digits import save_trained_cnn

from resviz.cli import main
from resviz.core import models
from resviz.core.checkpoints import save_checkpoint


def _last_json(capsys):
    out = capsys.readouterr()
    return json.loads(out.out.strip().splitlines()[-1]), out.err


def test_a_checkpoints_landscape_as_json_and_png(tmp_path, capsys):
    checkpoint = save_trained_cnn(tmp_path / "cnn.pt")
    png, saved = tmp_path / "landscape.png", tmp_path / "landscape.json"
    code = main(["landscape", "--checkpoint", checkpoint, "--grid", "5", "--span", "0.5", "--subset", "80",
                 "--seed", "3", "--threads", "1", "--png", str(png), "--json", str(saved)])
    line, err = _last_json(capsys)
    assert code == 0, err
    assert line["alphas"] == pytest.approx([-0.5, -0.25, 0, 0.25, 0.5])
    assert line["betas"] == line["alphas"]
    assert len(line["loss"]) == 5 and all(len(row) == 5 for row in line["loss"])
    assert line["loss"][2][2] == pytest.approx(line["center_loss"], rel=1e-5)
    assert line["subset"] == 80 and line["seed"] == 3
    assert "running statistics" in line["batchnorm"]
    assert line["roughness"] > 0 and line["seconds"] > 0
    assert json.loads(saved.read_text()) == line
    with Image.open(png) as picture:
        assert picture.width > 300 and picture.height > 300
    assert "point 1/25" in err and "done in" in err  # progress went to stderr (throttled: not every point)


def test_refusals_say_why_without_a_traceback(tmp_path, capsys):
    code = main(["landscape", "--checkpoint", str(tmp_path / "missing.pt")])
    line, err = _last_json(capsys)
    assert code == 2 and "No such file" in line["error"] and "Traceback" not in err

    vae = tmp_path / "vae.pt"
    save_checkpoint(vae, model="vae", model_config={}, state_dict=models.build("vae", seed=0).state_dict(),
                    objective="vae", dataset="mnist")
    code = main(["landscape", "--checkpoint", str(vae)])
    line, err = _last_json(capsys)
    assert code == 2 and "does not classify" in line["error"] and "Traceback" not in err

    not_a_checkpoint = tmp_path / "notes.pt"
    not_a_checkpoint.write_text("hello")
    code = main(["landscape", "--checkpoint", str(not_a_checkpoint)])
    line, _ = _last_json(capsys)
    assert code == 2 and "notes.pt" in line["error"]


@pytest.mark.parametrize("flag, value, says", [("--grid", "1", "from 3 to 101"), ("--grid", "ten", "whole number"),
                                               ("--span", "0", "> 0"), ("--subset", "-5", "from 1")])
def test_absurd_numbers_are_refused_before_any_work(flag, value, says, capsys):
    code = main(["landscape", "--checkpoint", "whatever.pt", flag, value])
    err = capsys.readouterr().err
    assert code == 2 and flag in err and says in err


def test_quick_needs_the_preset(tmp_path, capsys):
    code = main(["landscape", "--checkpoint", save_trained_cnn(tmp_path / "cnn.pt"), "--quick"])
    line, _ = _last_json(capsys)
    assert code == 2 and "--preset" in line["error"]


def test_the_skip_preset_trains_both_nets_and_gives_each_ones_landscape(tmp_path, monkeypatch, capsys):
    from dataclasses import replace

    import torch

    from resviz.core.depth_lab import PRESETS, Recipe
    from resviz.core.landscape import LandscapeSettings

    tiny = Recipe(steps=4, train_subset=128, test_subset=64, batch_size=32)
    skip = PRESETS["skip"]
    assert {(r.variant, r.depth, r.batchnorm) for r in skip.runs} == {("plain", 40, True), ("residual", 40, True)}
    monkeypatch.setitem(PRESETS, "skip", replace(skip, quick=tiny, quick_landscape=LandscapeSettings(grid=3, subset=40)))
    threads = torch.get_num_threads()
    png = tmp_path / "both.png"
    try:
        code = main(["landscape", "--preset", "skip", "--quick", "--device", "cpu", "--png", str(png)])
    finally:
        torch.set_num_threads(threads)
    rows, err = _last_json(capsys)
    assert code == 0, err
    assert [(r["variant"], r["depth"]) for r in rows] == [("plain", 40), ("residual", 40)]
    for row in rows:
        assert len(row["loss"]) == 3 and row["loss"][1][1] == pytest.approx(row["center_loss"], rel=1e-5)
        assert row["subset"] == 40 and row["roughness"] is not None and row["seconds"] > 0
        assert "running statistics" in row["batchnorm"]
    with Image.open(png) as picture:
        assert picture.width > 2 * 300  # two landscapes side by side
