"""The Architectures tab: pick a model and an input size, read the table a person would read."""

import threading

import pytest

from resviz.core.arch import catalog
from resviz.qt.panels.architectures import ArchitecturesPanel
from resviz.qt.widgets.layer_tree import MACS_COLUMN, PARAMS_COLUMN
from resviz.qt.widgets.share_bar import SHARE_ROLE


@pytest.fixture
def panel(qtbot):
    widget = ArchitecturesPanel(None)
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    _settle(qtbot, widget)
    return widget


def _settle(qtbot, panel):
    qtbot.waitUntil(lambda: not panel.runner.busy and panel.summary is not None, timeout=30_000)


def _type(qtbot, panel, text):
    panel.size_edit.setText(text)
    panel.size_edit.returnPressed.emit()
    qtbot.waitUntil(lambda: not panel.runner.busy, timeout=30_000)


def test_opens_on_resnet50_with_torchvisions_figures(panel):
    assert panel.model_box.currentData() == "resnet50" and panel.size_edit.text() == "224"
    totals = panel.totals.text()
    assert "25,557,032" in totals and "4.09 G" in totals and "the same" in totals
    block = panel.tree.items["layer1.0"]  # stage -> block -> layer
    assert block.text(1) == "Bottleneck"
    assert [block.child(i).text(0) for i in range(block.childCount())][:3] == ["conv1", "bn1", "conv2"]
    assert panel.tree.items["layer1.0.conv1"].text(2) == "1×1, 64→64"
    assert panel.tree.items["layer4.2.conv3"].text(6) == "427"  # ResNet-50's receptive field
    # the bars: layer4 holds most of the parameters, not most of the compute
    layer4 = panel.tree.items["layer4"]
    assert layer4.data(PARAMS_COLUMN, SHARE_ROLE) > 0.5 > layer4.data(MACS_COLUMN, SHARE_ROLE)


def test_switching_model_resets_the_input_to_its_own_size(panel, qtbot):
    panel.select("inception_v3")
    _settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.shown_key == "inception_v3", timeout=30_000)
    assert panel.size_edit.text() == "299"
    assert "27,161,264" in panel.totals.text() and "the same" in panel.totals.text()
    assert "AuxLogits" in panel.notes.text() and panel.notes.isVisibleTo(panel)
    panel.select("speedrun")
    qtbot.waitUntil(lambda: panel.shown_key == "speedrun", timeout=30_000)
    assert not panel.size_edit.isEnabled()  # the speed-run net takes 28x28 digits only


def test_absurd_input_sizes_get_a_message_and_no_growth(panel, qtbot):
    window = panel.window()
    size_before = window.size()
    for text, words in [("0", "at least 1"), ("100000", "at most 4096"), ("abc", "whole number"), ("", "whole")]:
        _type(qtbot, panel, text)
        assert panel.message.isVisibleTo(panel) and words in panel.message.text()
        assert panel.shown_size == 224  # the table did not change
    _type(qtbot, panel, "5")  # ResNet-50 takes it (padding), and says what it means
    qtbot.waitUntil(lambda: panel.shown_size == 5, timeout=30_000)
    assert not panel.message.isVisibleTo(panel)
    assert "1×1" in panel.notes.text()
    _type(qtbot, panel, "1")
    qtbot.waitUntil(lambda: panel.shown_size == 1, timeout=30_000)
    panel.select("alexnet")
    qtbot.waitUntil(lambda: panel.shown_key == "alexnet", timeout=30_000)
    _type(qtbot, panel, "30")
    qtbot.waitUntil(lambda: "63×63" in panel.message.text(), timeout=30_000)
    assert panel.size_edit.text() == "224" and panel.shown_size == 224  # back to what the table shows
    assert window.size() == size_before


def test_summaries_are_made_off_the_gui_thread(panel, qtbot, monkeypatch):
    threads = []
    real = catalog.summarize_architecture
    monkeypatch.setattr(catalog, "summarize_architecture",
                        lambda *a: threads.append(threading.current_thread()) or real(*a))
    panel.select("resnet18", 160)
    qtbot.waitUntil(lambda: panel.shown_key == "resnet18" and panel.shown_size == 160, timeout=30_000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert panel.tree.items["fc"].text(3) == "1000"


def test_basic_block_beside_bottleneck(panel):
    blocks = panel.blocks
    basic, bottleneck = blocks.tables
    assert basic.topLevelItemCount() == 3 and bottleneck.topLevelItemCount() == 4  # convs + the whole block
    assert bottleneck.topLevelItem(0).text(0).startswith("conv1: 1×1, 256→64")
    assert bottleneck.topLevelItem(3).text(1) == "70,400"
    assert "17×" in blocks.sentence.text()


def test_headers_teach(panel):
    header = panel.tree.headerItem()
    tips = {header.text(i): header.toolTip(i) for i in range(panel.tree.columnCount())}
    assert "input pixels" in tips["Receptive field"]
    assert "Multiply-adds" in tips["Multiply-adds"] and "GFLOPS" in tips["Multiply-adds"]


def test_the_main_window_has_the_tab(window):
    assert window.panel("Architectures") is not None


def test_showing_the_tab_reads_the_catalog_off_the_gui_thread(qtbot, monkeypatch):
    """The last tab of a session may be this one: the window must not wait ~2 s for torchvision."""
    threads = []
    real = catalog.architectures

    def recording():
        threads.append(threading.current_thread() is threading.main_thread())
        return real()

    monkeypatch.setattr(catalog, "architectures", recording)
    widget = ArchitecturesPanel(None)
    qtbot.addWidget(widget)
    widget.show()
    assert "Reading the architectures" in widget.about.text()
    qtbot.waitUntil(lambda: widget.model_box.count() > 0, timeout=30_000)
    assert threads[0] is False  # the first, slow reading (later calls hit the cache)
    _settle(qtbot, widget)
