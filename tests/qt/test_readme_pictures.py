"""The README pictures' palette: few colours, yet a small run swatch and the background keep theirs."""

import numpy as np
from PIL import Image

from resviz.qt.readme_pictures import palette_image, save_small


def _screenshot() -> np.ndarray:
    """A grey window, a 12 px swatch of one run's colour, and a 1,200-colour heatmap gradient."""
    pixels = np.full((200, 300, 3), 239, np.uint8)
    pixels[10:22, 10:22] = (230, 159, 0)
    ramp = np.linspace(0, 1, 1200)
    heat = np.stack([255 * ramp, 80 + 100 * np.sin(6 * ramp) ** 2, 255 * (1 - ramp)], axis=1).astype(np.uint8)
    pixels[50:150, 0:300] = heat.reshape(4, 300, 3).repeat(25, axis=0)
    return pixels


def test_palette_keeps_swatch_and_background_exact_and_the_rest_close():
    pixels = _screenshot()
    small = palette_image(Image.fromarray(pixels))
    assert small.mode == "P"
    back = np.asarray(small.convert("RGB")).astype(int)
    assert len(np.unique(back.reshape(-1, 3), axis=0)) <= 256
    assert tuple(back[15, 15]) == (230, 159, 0)
    assert tuple(back[0, 0]) == (239, 239, 239)
    assert np.abs(back - pixels.astype(int)).max() <= 12  # the 1,200 heatmap colours, each close


def test_save_small_rewrites_the_file_as_a_palette_png(tmp_path):
    path = tmp_path / "shot.png"
    Image.fromarray(_screenshot()).save(path)
    assert save_small(path) == path.stat().st_size
    with Image.open(path) as image:
        assert image.mode == "P" and image.size == (300, 200)
