"""The sample-belief bench on a tiny configuration: real digits, and cvae samples at T = 1 and 0.7 from N(0, T²I)
and from the fitted mixture."""

from __future__ import annotations

import math

import torch

from resviz.bench.context import BenchContext
from resviz.bench.runner import run_benches
from resviz.core.checkpoints import checkpoint_dir


def test_rows_compare_the_samples_with_real_digits(monkeypatch, tmp_path):
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(tmp_path))  # no kept cvae or judge: both are trained here
    ctx = BenchContext(torch.device("cpu"), quick=True, max_train=1000, max_test=400, verbose=False)
    rows = run_benches(ctx, only=["sample-belief"])
    assert not [row for row in rows if row.note.startswith("failed")], rows
    names = [row.name for row in rows]
    assert names[0] == "sample belief: real test digits (400)" and len(rows) == 14
    assert names[1] == "sample belief: fitting the mixture prior" and rows[1].value > 0
    assert "30-component Gaussian mixture fitted to the latent means of 1,000 MNIST" in rows[1].note
    reference = rows[0].value
    assert 0.1 < reference <= 1 and rows[0].target is None and "judge: Seed 001 CNN" in rows[0].note
    for temperature in ("1", "0.7"):
        for prior, says in (("", "z from N(0, T²I)"), (", mixture prior", "z from the 30-component mixture")):
            belief = next(row for row in rows
                          if row.name == f"sample belief: cvae samples at T = {temperature}{prior} (400)")
            assert belief.target == f">= {0.97 * reference:.3f}" and belief.met in (True, False)
            assert "cvae trained here, 1 epoch on 1,000 images" in belief.note and belief.note.startswith(says)
    assert all(row.value is not None and math.isfinite(row.value) for row in rows)
    # the judge of a cut of MNIST is not kept as the judge of later scores
    assert not (checkpoint_dir() / "digit-judge-cnn.pt").exists()
