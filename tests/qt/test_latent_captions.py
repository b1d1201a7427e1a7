"""Latent space tells the truth (issue 19 item 12): a drag's caption names every slider that moved, with
its value, and sits under the decoded digit, never over it, at 900×600 as at 1280×820."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from test_vae_panels import vae_replica

SIZES = [(1280, 820), (900, 600)]


def _rect_in(widget, ancestor) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


@pytest.mark.parametrize("size", SIZES)
def test_a_drag_caption_names_every_moved_slider_and_sits_under_the_digit(qtbot, window, size):
    window.resize(*size)
    window.state.show_model(vae_replica("vae", latent_dim=4))
    panel = window.panel("Latent space")
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: len(panel.sliders) == 4, timeout=10_000)
    first, second = panel.sliders[0], panel.sliders[1]
    first.slider.setValue(first.slider.maximum())
    second.slider.setValue(second.slider.minimum())
    caption = panel.origin.text()
    assert f"z1 at {first.value():+.2f}" in caption and f"z2 at {second.value():+.2f}" in caption, caption
    assert "all sliders at 0" not in caption.split("starting from")[0]
    assert "z3" not in caption and "z4" not in caption, caption
    qtbot.wait(200)  # the layout settles
    digit, origin = _rect_in(panel.digit, panel), _rect_in(panel.origin, panel)
    assert not digit.intersects(origin), f"caption {origin} drawn over the digit {digit}"
    assert origin.height() + 1 >= panel.origin.heightForWidth(origin.width()), "caption cut off"
