"""Feature maps in the real window: no layer, however long its name, widens the window (it did: 1280 → 1419)."""

from __future__ import annotations

import numpy as np
import torch
from clipping import clipped
from PySide6.QtWidgets import QApplication

from resviz.core import models
from resviz.core.replica import ModelReplica


def test_selecting_every_resnet_layer_keeps_the_window_width(window, qtbot):
    window.resize(1280, 820)
    panel = window.panel("Feature maps")
    window.tabs.setCurrentWidget(panel)
    torch.manual_seed(0)
    panel.state.show_model(ModelReplica("resnet", {}, models.build("resnet").eval()))
    digit = np.zeros((28, 28), np.float32)
    digit[5:23, 13:16] = 1.0
    panel.state.set_input(digit, "drawing")
    qtbot.waitUntil(lambda: panel.layer_list.count() > 10, timeout=20_000)
    QApplication.processEvents()
    assert window.width() == 1280
    names = []
    for row in range(panel.layer_list.count()):
        panel.layer_list.setCurrentRow(row)
        panel.show_channel(0)
        QApplication.processEvents()
        names.append(panel.current_record().name)
        assert window.width() == 1280, f"{panel.current_record().name} widened the window to {window.width()}"
        assert not [p for p in clipped(panel) if "QLabel" in p], panel.current_record().name
    assert "features.1.residual.add" in names
