"""The Generated tab with three VAEs open fits a 900×600 window: long run titles are elided, not a
reason to scroll sideways (each QGroupBox title used to set its box's minimum width)."""

from __future__ import annotations

import torch

from resviz.core import models
from resviz.core.replica import ModelReplica

VAES = ("cvae", "cvae2d", "vae1")


def replica(name: str) -> ModelReplica:
    torch.manual_seed(0)
    model = models.build(name).eval()
    return ModelReplica(name, models.model_config(model), model, step=12_858, epoch=6)


def test_three_vae_titles_do_not_widen_the_tab_at_900_by_600(window, qtbot):
    window.resize(900, 600)
    generated = window.panel("Generated")
    window.tabs.setCurrentWidget(generated)
    runs = [window.state.show_model(replica(name)) for name in VAES]
    for run in runs:  # a person's long run names: titles far wider than a third of 900 px in any font
        window.state.rename(run.id, f"{run.name} trained with the default recipe on all 60,000 digits")
    generated.regenerate()  # redraws every grid, and its title
    boxes = [generated._boxes[name] for name in VAES]
    qtbot.waitUntil(lambda: all(box.isVisible() and "12,858" in box.full_title() for box in boxes), timeout=10_000)
    scroll = generated.parentWidget().parentWidget()  # the tab's scroll area (viewport, then the area)
    qtbot.waitUntil(lambda: generated.width() <= scroll.viewport().width(), timeout=10_000)

    assert generated.minimumSizeHint().width() <= scroll.viewport().width()
    assert not scroll.horizontalScrollBar().isVisible()
    assert window.width() <= 900
    for run, box in zip(runs, boxes):
        full = box.full_title()
        assert full.startswith(run.name) and full.endswith("step 12,858, epoch 6")
        assert box.title().endswith("…") and len(box.title()) < len(full)  # elided where it is drawn
        assert box.fontMetrics().horizontalAdvance(box.title()) < box.width()
        assert box.toolTip().startswith(full)  # the whole title on hover


def test_a_wide_tab_shows_the_whole_title(window, qtbot):
    window.resize(1280, 820)
    generated = window.panel("Generated")
    window.tabs.setCurrentWidget(generated)
    window.state.show_model(replica("cvae"))
    box = generated._boxes["cvae"]
    qtbot.waitUntil(lambda: "12,858" in box.title(), timeout=10_000)
    assert box.title() == box.full_title()
