"""The window's Save never replaces what is not a writable file; an opened checkpoint with NaN weights says so."""

from __future__ import annotations

import os
import stat

import numpy as np
from PySide6.QtWidgets import QFileDialog

from resviz.core import models
from resviz.core.checkpoints import save_checkpoint


def _checkpoint(path, poison=False):
    model = models.build("cnn")
    state = model.state_dict()
    if poison:
        state = {k: v.clone() for k, v in state.items()}
        first = next(k for k, v in state.items() if v.is_floating_point())
        state[first].fill_(float("nan"))
    save_checkpoint(path, model="cnn", model_config=models.model_config(model), state_dict=state,
                    dataset="mnist", epoch=1, step=10, metrics={}, history={})
    return path


def test_save_onto_a_device_or_a_read_only_file_is_refused_and_says_why(window, tmp_path, monkeypatch,
                                                                        warnings_shown):
    assert window.open_checkpoint(str(_checkpoint(tmp_path / "run.pt")))
    read_only = tmp_path / "keep.pt"
    read_only.write_bytes(b"precious")
    read_only.chmod(0o444)
    for target, reason in (("/dev/null", "character device"), (str(read_only), "read-only")):
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, t=target, **k: (t, ""))
        window.save_checkpoint_dialog()
        title, text = warnings_shown[-1]
        assert title == "Cannot save checkpoint" and reason in text
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert read_only.read_bytes() == b"precious"


def test_a_checkpoint_with_nan_weights_opens_and_says_so(window, tmp_path):
    assert window.open_checkpoint(str(_checkpoint(tmp_path / "nan.pt", poison=True)))
    shown = window.statusBar().currentMessage()
    assert "NaN" in shown and "nan.pt" in shown
    assert "NaN" in window.state.selected_run().message
    weights = next(iter(window.state.selected_run().snapshots[-1].state.values()))  # read-only numpy: asked, not changed
    assert np.isnan(weights).any()
