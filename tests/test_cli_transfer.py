"""`resviz transfer`: seed 002 on a folder (offline, from a weights file) and the digits demo; both end in JSON."""

import json
import os
import subprocess
import sys

import pytest
from image_folders import save_untrained_resnet50, write_digit_folder

from resviz.core.checkpoints import load_checkpoint

HEAD = 2048 * 512 + 512 + 512 * 3 + 3  # Linear(2048, 512) and Linear(512, 3)


def _resviz(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "resviz", *args], capture_output=True, text=True, **kwargs)


def _last_json(out):
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_folder_trains_a_new_head_on_a_frozen_resnet50(tmp_path):
    folder = write_digit_folder(tmp_path / "photos", per_class=8, broken=True)
    weights = save_untrained_resnet50(tmp_path / "resnet50.pt")
    checkpoint = tmp_path / "photos.pt"
    out = _resviz("transfer", "--images", str(folder), "--weights", str(weights), "--image-size", "64",
                  "--epochs", "1", "--device", "cpu", "--out", str(checkpoint), timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = _last_json(out)
    assert result["frozen_params"] == 23_508_032 and result["trainable_params"] == HEAD
    assert result["classes"] == ["one", "two", "zero"] and result["world_size"] == 1
    assert 0.0 <= result["test_accuracy"] <= 1.0 and result["seconds"] > 0 and result["feature_cache"]
    assert "broken.jpg" in result["data_note"] and "Decoding images" in out.stderr
    assert load_checkpoint(result["checkpoint"]).meta["dataset_options"]["image_size"] == 64

    evaluated = _resviz("eval", "--checkpoint", str(checkpoint), timeout=300)  # reloads the folder from the cache
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    assert _last_json(evaluated)["test_accuracy"] == pytest.approx(result["test_accuracy"])


def test_what_is_missing_is_named(tmp_path):
    neither = _resviz("transfer")
    assert neither.returncode == 2 and "--images DIR" in _last_json(neither)["error"]
    folder = write_digit_folder(tmp_path / "photos", per_class=2)
    no_file = _resviz("transfer", "--images", str(folder), "--weights", str(tmp_path / "none.pt"))
    assert no_file.returncode == 2 and _last_json(no_file)["error"].startswith("--weights")
    assert "Traceback" not in no_file.stderr + neither.stderr


@pytest.mark.skipif(not os.environ.get("RESVIZ_DATA"), reason="needs the full MNIST (RESVIZ_DATA)")
def test_pretraining_on_other_digits_beats_scratch_with_ten_labels(tmp_path):
    rows_file = tmp_path / "rows.json"
    # the target, on the real recipe (three epochs on 0-4 first): the slowest test here, ~1 min;
    # one torch thread, since several intra-op threads crawl on a busy 2-core machine (8x slower seen)
    out = _resviz("transfer", "--demo", "digits", "--k", "10", "--device", "cpu", "--json", str(rows_file),
                  timeout=900, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    rows = json.loads(rows_file.read_text())
    assert [(r["k"], r["mode"]) for r in rows] == [(10, "frozen"), (10, "finetune"), (10, "scratch")]
    assert all(set(r) >= {"k", "mode", "test_accuracy", "seconds"} for r in rows)
    accuracy = {r["mode"]: r["test_accuracy"] for r in rows}
    assert max(accuracy["frozen"], accuracy["finetune"]) - accuracy["scratch"] >= 0.05
    assert _last_json(out)["k10_gain_over_scratch"] >= 0.05
