"""``resviz depth``: the JSON rows and their shape, the tables, the flag-naming errors.

The presets themselves train for minutes; here they are swapped for tiny ones with the
same nets, so the command's plumbing is what is tested (the claims are tested in
tests/core/test_depth_lab.py).
"""

import json
from dataclasses import replace

import pytest

from resviz.cli import main
from resviz.core.depth_lab import PRESETS, Recipe

TINY = Recipe(steps=4, train_subset=128, test_subset=64, batch_size=32)
FIELDS = {"variant": str, "depth": int, "batchnorm": bool, "activation": str, "train_loss": float,
          "test_accuracy": float, "grad_ratio": float, "seconds": float, "parameters": int}


@pytest.fixture
def tiny_presets(monkeypatch):
    for key, preset in PRESETS.items():
        monkeypatch.setitem(PRESETS, key, replace(preset, recipe=TINY, quick=replace(TINY, steps=2)))


def _last_json(capsys):
    out = capsys.readouterr().out
    return out, json.loads(out.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def _restore_threads():
    """The command sets torch's thread count for its process; give the next test its own back."""
    import torch
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_quick_rows_have_the_documented_shape(tiny_presets, capsys, tmp_path):
    path = tmp_path / "depth.json"
    assert main(["depth", "--quick", "--device", "cpu", "--json", str(path)]) == 0
    out, rows = _last_json(capsys)
    assert json.loads(path.read_text()) == rows
    assert [(r["variant"], r["depth"]) for r in rows] == [("plain", 6), ("plain", 30), ("residual", 30)]
    for row in rows:
        assert row["preset"] == "degradation" and row["status"] == "done"
        for key, kind in FIELDS.items():
            assert isinstance(row[key], kind), (key, row[key])
    assert "degradation:" in out and "grad ratio" in out and "plain 30, no BN, ReLU" in out


def test_one_preset_and_its_target_column(tiny_presets, capsys):
    assert main(["depth", "--preset", "relu-vs-tanh", "--device", "cpu"]) == 0
    out, rows = _last_json(capsys)
    assert [r["activation"] for r in rows] == ["relu", "tanh"]
    assert all(r["target_loss"] == 0.5 and "steps_to_target" in r for r in rows)
    assert "steps to 0.5" in out


@pytest.mark.parametrize("args, flag", [
    (["--preset", "deeper"], "--preset"),
    (["--quick", "--preset", "batchnorm"], "--quick"),
    (["--device", "tpu"], "--device"),
    (["--json", "/no/such/folder/x.json"], "--json"),
    (["--threads", "0"], "--threads"),
])
def test_errors_name_the_flag(args, flag, capsys):
    assert main(["depth", *args]) == 2
    captured = capsys.readouterr()
    assert flag in captured.err and json.loads(captured.out.splitlines()[-1])["error"].startswith(flag)


def test_list_names_the_presets(capsys):
    assert main(["depth", "--list"]) == 0
    _out, presets = _last_json(capsys)
    assert [p["preset"] for p in presets] == list(PRESETS) and all(p["sentence"] for p in presets)
