"""``resviz arch``: the table, the JSON last line, the flag-naming errors, and no Qt."""

import json
import subprocess
import sys
from pathlib import Path

from resviz.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_one_model_prints_its_table_and_json(capsys, tmp_path):
    path = tmp_path / "resnet50.json"
    assert main(["arch", "--model", "resnet50", "--depth", "2", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Bottleneck" in out and "25,557,032" in out and "the same" in out
    record = json.loads(out.strip().splitlines()[-1])
    assert record["model"] == record["name"] == "resnet50" and record["input_size"] == 224
    assert record["parameters"] == record["total_params"] == 25_557_032
    assert round(record["macs"] / 1e9, 2) == 4.09
    assert sum(layer["params"] for layer in record["layers"]) == 25_557_032  # blocks folded at depth 2
    assert all(layer["depth"] <= 2 for layer in record["layers"])
    assert json.loads(path.read_text()) == record


def test_positional_name_and_input_size(capsys):
    assert main(["arch", "alexnet", "--input-size", "256"]) == 0
    record = _last_json(capsys)
    assert record["input_size"] == 256 and record["parameters"] == 61_100_840
    assert record["published"]["input_size"] == 224  # the published figure is for another size
    assert record["layers"][0]["output_shape"] == [64, 63, 63]


def test_all_models_totals(capsys):
    assert main(["arch"]) == 0
    records = {r["model"]: r for r in _last_json(capsys)["models"]}
    assert records["vgg16"]["parameters"] == 138_357_544 and records["vgg16"]["matches_published"]
    assert records["densenet121"]["gmacs"] == 2.834
    assert {"unet", "highway", "resnet", "deepnet"} <= set(records)


def test_errors_name_the_flag(capsys):
    assert main(["arch", "resnet50", "--input-size", "abc"]) == 2
    err = capsys.readouterr().err
    assert "--input-size" in err and "whole number" in err
    assert main(["arch", "--model", "lenet"]) == 2
    assert "--model" in capsys.readouterr().err
    assert main(["arch", "alexnet", "--input-size", "20"]) == 2
    assert "63×63" in _last_json(capsys)["error"]
    assert main(["arch", "resnet50", "--depth", "0"]) == 2


def test_list_names_them(capsys):
    assert main(["arch", "--list"]) == 0
    names = [a["model"] for a in _last_json(capsys)["architectures"]]
    assert names[:5] == ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"] and "unet" in names


def test_arch_does_not_load_qt():
    code = ("import sys, resviz.cli; resviz.cli.main(['arch', 'resnet18', '--depth', '1']); "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
