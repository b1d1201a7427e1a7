"""Filters' input-channel box shows its whole text (a leftover of issue 19): "mean over the 16 inputs",
"input channel 15", "the image (1 channel)" read in full at 1280×820 and 900×600, and the tab still fits."""

from __future__ import annotations

import pytest
import torch
from clipping import clipped

from resviz.core import models
from resviz.core.replica import ModelReplica
from resviz.qt.widgets.combo_fit import text_room


@pytest.mark.parametrize("size", [(1280, 820), (900, 600)])
def test_every_input_channel_choice_reads_whole(qtbot, window, size):
    torch.manual_seed(0)
    window.state.show_model(ModelReplica("cnn", {}, models.build("cnn").eval()))
    panel = window.panel("Filters")
    window.tabs.setCurrentWidget(panel)
    window.resize(*size)
    box = panel.channel_box
    seen = []
    for row in range(panel.layer_list.count()):  # layer1: the image itself; layer2: 16 inputs
        panel.layer_list.setCurrentRow(row)
        qtbot.wait(100)  # the new entries' width reaches the layout
        for i in range(box.count()):
            box.setCurrentIndex(i)
            text = box.currentText()
            seen.append(text)
            assert box.fontMetrics().horizontalAdvance(text) <= text_room(box), f"{text!r} cut at {size}"
    assert {"the image (1 channel)", "mean over the 16 inputs", "input channel 15"} <= set(seen)
    assert window.width() == size[0], "the whole text must not widen the window"
    assert clipped(panel) == []
    panel.cancel_background_work()
