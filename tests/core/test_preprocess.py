"""canvas_to_mnist: drawings of any size and place become MNIST-style 28x28 digits."""

import numpy as np
import pytest
import torch

from resviz.core.analysis.preprocess import canvas_to_mnist, centre_of_mass, ink_bounds, mnist_to_canvas
from resviz.core.data import load_dataset
from resviz.core.trainer import TrainConfig, Trainer

N_DIGITS = 500


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist", download=False)


@pytest.fixture(scope="module")
def trained_cnn(mnist):
    """Seed 001's CNN after one epoch on 10,000 MNIST training digits (CPU, ~30 s)."""
    torch.manual_seed(0)
    config = TrainConfig.for_model("cnn", epochs=1, device="cpu", train_subset=10_000, test_subset=1000,
                                   snapshot_every=0, log_every=100)
    trainer = Trainer(config, dataset=mnist)
    events = list(trainer.fit())
    assert type(events[-1]).__name__ == "Done", events[-1]
    return trainer.model.eval()


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    with torch.no_grad():
        logits = model(torch.from_numpy(np.stack(images).astype(np.float32))[:, None])
    return float((logits.argmax(1).numpy() == labels).mean())


@pytest.mark.parametrize("canvas_shape", [(280, 280), (200, 320)])
def test_pasted_test_digits_are_classified_as_well_as_the_originals(mnist, trained_cnn, canvas_shape):
    digits = mnist.test_images[:N_DIGITS].numpy()
    labels = mnist.test_labels[:N_DIGITS].numpy()
    rng = np.random.default_rng(1)
    prepared = []
    for digit in digits:
        size = int(rng.integers(90, min(canvas_shape) + 1))  # from a third of the canvas to all of it
        centre = (rng.uniform(size / 2, canvas_shape[0] - size / 2), rng.uniform(size / 2, canvas_shape[1] - size / 2))
        canvas = mnist_to_canvas(digit, canvas_shape, digit_size=size, centre=centre)
        prepared.append(canvas_to_mnist(canvas))
    original = accuracy(trained_cnn, digits / 255.0, labels)
    pasted = accuracy(trained_cnn, prepared, labels)
    print(f"{canvas_shape}: original {original:.3f}, pasted and prepared {pasted:.3f}")
    # Measured (this fixture, 500 test digits): original 0.966, pasted 0.954 on both canvases;
    # with 15,000 training images: original 0.976, pasted 0.970 (280x280) and 0.976 (200x320).
    assert original > 0.9
    assert pasted >= original - 0.02
    # and the prepared images really look like the originals (mean abs difference of a few %)
    assert np.mean([np.abs(p - d / 255.0).mean() for p, d in zip(prepared, digits)]) < 0.06


def test_a_small_off_centre_drawing_is_scaled_to_20_pixels_and_centred():
    canvas = np.zeros((300, 400), dtype=np.uint8)
    canvas[20:80, 300:330] = 255  # a 60x30 bar in the top right corner
    image = canvas_to_mnist(canvas)
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    top, bottom, left, right = ink_bounds(image, 0.1)
    assert bottom - top == 20  # the longer side
    assert right - left == 10  # aspect ratio 2:1 kept
    row, col = centre_of_mass(image)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_anti_aliased_edges_are_grey():
    canvas = np.zeros((280, 280), dtype=np.float32)
    yy, xx = np.mgrid[:280, :280]
    canvas[(yy - 140) ** 2 + (xx - 140) ** 2 < 97 ** 2] = 1.0  # a hard-edged disc
    image = canvas_to_mnist(canvas)
    grey = ((image > 0.05) & (image < 0.95)).sum()
    assert grey >= 8  # partial pixels along the edge, as in MNIST


def test_the_canvas_own_pixels_give_the_same_digit_as_the_same_drawing_in_floats():
    rng = np.random.default_rng(3)
    canvas = np.zeros((280, 280), dtype=np.uint8)
    canvas[60:200, 120:150] = rng.integers(0, 256, (140, 30), dtype=np.uint8)  # ink, with grey edges
    canvas[100:110, 90:200] = 26  # just above the ink level (0.1 of 255)
    canvas[250:260, 10:20] = 25  # just below it: not ink, so not in the crop
    as_bytes, as_floats = canvas_to_mnist(canvas), canvas_to_mnist(canvas.astype(np.float32) / 255)
    np.testing.assert_array_equal(as_bytes, as_floats)


def test_empty_or_nearly_empty_canvas_is_nothing_drawn():
    assert canvas_to_mnist(np.zeros((280, 280))) is None
    assert canvas_to_mnist(np.full((280, 280), 0.05)) is None  # faint noise below the ink level
    speck = np.zeros((280, 280), dtype=np.uint8)
    speck[10, 10] = 255
    assert canvas_to_mnist(speck) is None
    with pytest.raises(ValueError):
        canvas_to_mnist(np.zeros((2, 3, 4, 5)))


def test_mnist_to_canvas_scales_the_digit_up(mnist):
    digit = mnist.test_images[0].numpy()
    canvas = mnist_to_canvas(digit, 280)
    assert canvas.shape == (280, 280) and canvas.max() <= 1.0
    top, bottom, left, right = ink_bounds(canvas, 0.1)
    top28, bottom28, left28, right28 = ink_bounds(digit / 255.0, 0.1)
    assert abs((bottom - top) - 10 * (bottom28 - top28)) <= 10
    assert abs((right - left) - 10 * (right28 - left28)) <= 10


# ---------------------------------------------------------------- pictures from files

def _picture_of(digit: np.ndarray, dark_on_light: bool, rng) -> np.ndarray:
    """A real test digit as a person might photograph or scan it: larger, off-centre, on a 240x320 page."""
    size = int(rng.integers(120, 220))
    centre = (rng.uniform(size / 2, 240 - size / 2), rng.uniform(size / 2, 320 - size / 2))
    page = mnist_to_canvas(digit, (240, 320), digit_size=size, centre=centre)
    return 1.0 - page if dark_on_light else page


def _save(path, grey: np.ndarray, mode: str) -> None:
    from PIL import Image

    u8 = (grey * 255).round().astype(np.uint8)
    if mode == "L":
        Image.fromarray(u8, "L").save(path)
    elif mode == "RGB-blue-ink":  # blue ballpoint on slightly grey paper
        rgb = np.stack([u8 * 0.9 + 10, u8 * 0.9 + 10, np.full_like(u8, 235)], axis=-1).clip(0, 255)
        Image.fromarray(rgb.astype(np.uint8), "RGB").save(path)
    elif mode == "RGBA-ink-on-transparent":  # black strokes, the page transparent (colour under it black)
        ink = 1.0 - grey  # 1 where the stroke is
        rgba = np.zeros((*u8.shape, 4), np.uint8)
        rgba[..., 3] = (ink * 255).round().astype(np.uint8)
        Image.fromarray(rgba, "RGBA").save(path)
    else:
        raise ValueError(mode)


@pytest.mark.parametrize("dark_on_light, mode, suffix", [
    (False, "L", ".png"),  # MNIST's own way round: light ink on black
    (True, "L", ".png"),  # a scan: dark ink on white
    (True, "RGB-blue-ink", ".jpg"),  # a photo of ink on paper, JPEG
    (True, "RGBA-ink-on-transparent", ".png"),
])
def test_pictures_of_test_digits_become_the_same_digits(mnist, trained_cnn, tmp_path, dark_on_light, mode, suffix):
    from resviz.core.analysis.preprocess import picture_to_canvas

    rng = np.random.default_rng(2)
    digits, labels = mnist.test_images[:100].numpy(), mnist.test_labels[:100].numpy()
    from_files, from_drawings = [], []
    for index, digit in enumerate(digits):
        page = _picture_of(digit, dark_on_light, rng)
        path = tmp_path / f"digit{index}{suffix}"
        _save(path, page, mode)
        picture = picture_to_canvas(path, 280)
        assert picture.inverted == dark_on_light and picture.source_size == (320, 240)
        assert picture.canvas.shape == (280, 280) and picture.digit.shape == (28, 28)
        from_files.append(picture.digit)
        from_drawings.append(canvas_to_mnist(1.0 - page if dark_on_light else page))
    gap = np.abs(np.stack(from_files) - np.stack(from_drawings)).mean()
    assert gap < (0.03 if suffix == ".png" else 0.06), gap  # JPEG adds its blocks
    direct = accuracy(trained_cnn, from_drawings, labels)
    opened = accuracy(trained_cnn, from_files, labels)
    print(f"{mode} dark_on_light={dark_on_light}: drawn {direct:.3f}, opened from file {opened:.3f}")
    assert opened >= direct - 0.03  # 100 digits: at most 3 more mistakes


def test_a_drawing_saved_and_opened_again_is_the_same_digit(mnist, tmp_path):
    from PIL import Image

    from resviz.core.analysis.preprocess import picture_to_canvas

    canvas = mnist_to_canvas(mnist.test_images[3].numpy(), 280)
    Image.fromarray((canvas * 255).round().astype(np.uint8), "L").save(tmp_path / "drawing.png")
    picture = picture_to_canvas(tmp_path / "drawing.png", 280)
    assert not picture.inverted
    np.testing.assert_allclose(picture.digit, canvas_to_mnist(canvas), atol=0.1)
    assert np.abs(picture.digit - canvas_to_mnist(canvas)).mean() < 0.01


def test_files_that_are_no_digit_say_why(tmp_path):
    from PIL import Image

    from resviz.core.analysis.preprocess import PictureError, picture_to_canvas

    (tmp_path / "notes.png").write_bytes(b"these are not pixels")
    with pytest.raises(PictureError, match="notes.png is not an image resviz can read"):
        picture_to_canvas(tmp_path / "notes.png", 280)
    with pytest.raises(PictureError, match="missing.png: no such file"):
        picture_to_canvas(tmp_path / "missing.png", 280)
    Image.new("RGB", (50, 40), (250, 250, 250)).save(tmp_path / "blank.png")
    with pytest.raises(PictureError, match="blank.png holds no digit"):
        picture_to_canvas(tmp_path / "blank.png", 280)
    png = (tmp_path / "digit.png")
    Image.new("L", (50, 40), 0).save(png)
    png.write_bytes(png.read_bytes()[:60])  # truncated
    with pytest.raises(PictureError, match="digit.png"):
        picture_to_canvas(png, 280)
