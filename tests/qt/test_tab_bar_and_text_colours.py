"""Every tab's name is on screen at the window's own 1280 px (issue 19: no tab behind scroll arrows), and a
run's colour used for text reads on white (Okabe–Ito's yellow as letters did not)."""

from __future__ import annotations

from resviz.qt.main_window import MainWindow
from resviz.qt.settings import Settings
from resviz.qt.widgets.run_colours import RUN_COLOURS, _rgb, contrast, run_text_colour


def test_all_tabs_fit_side_by_side_at_1280_px(qtbot, tmp_path):
    window = MainWindow(settings=Settings(tmp_path / "settings.json"))
    qtbot.addWidget(window)
    window.resize(1280, 820)
    window.show()
    qtbot.waitExposed(window)
    bar = window.tabs.tabBar()
    rects = [bar.tabRect(i) for i in range(bar.count())]
    assert bar.count() >= 15
    assert rects[-1].right() <= bar.width() and rects[0].left() >= 0  # the last tab, Architectures, whole
    assert all(bar.tabText(i) == window.panels[i].title.replace("&", "&&") for i in range(bar.count()))


def test_run_colours_as_text_reach_wcag_contrast_on_white_and_keep_their_hue():
    for index, colour in enumerate(RUN_COLOURS, start=1):
        text = run_text_colour(f"run{index}")
        assert contrast(_rgb(text), (255, 255, 255)) >= 4.5, (colour, text)
        original, darker = _rgb(colour), _rgb(text)
        if max(original) > 0:  # the same hue: each channel scaled by one factor
            ratios = [d / o for d, o in zip(darker, original) if o > 40]
            assert max(ratios) - min(ratios) < 0.03, (colour, text)
    assert run_text_colour("run1").lower() == RUN_COLOURS[0].lower()  # the blue reads already: unchanged
