"""Image folders: decoded once into a cached uint8 tensor, split 80/20 per class, bad files listed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from image_folders import write_digit_folder
from PIL import Image, ImageOps

from resviz.core.data import DatasetUnavailable, load_dataset
from resviz.core.datasets import image_folder
from resviz.core.datasets.image_folder import decode_image, split_per_class


@pytest.fixture
def folder(tmp_path):
    return write_digit_folder(tmp_path / "digits", per_class=10, broken=True)


def test_a_folder_becomes_a_dataset_with_its_classes_split_per_class(folder):
    seen = []
    data = load_dataset("folder", path=str(folder), image_size=32, progress=lambda m, f: seen.append((m, f)))
    assert data.classes == ("one", "two", "zero")  # sub-folders, sorted
    assert data.input_shape == (3, 32, 32) and data.train_inputs.dtype == torch.uint8
    assert len(data.train_labels) == 24 and len(data.test_labels) == 6  # 8 / 2 of each class's 10
    assert sorted(data.test_labels.tolist()) == [0, 0, 1, 1, 2, 2]
    assert "broken.jpg" in data.note and "1 file(s) could not be read" in data.note
    assert data.options == {"path": str(folder.resolve()), "image_size": 32}
    assert seen[-1][1] == 1.0 and "Decoding images to 32×32" in seen[-1][0]
    colour = data.display_image(0)
    assert colour.shape == (32, 32, 3) and colour.std(axis=2).max() > 0.05  # really in colour


def test_the_second_load_reads_the_cache_and_never_decodes(folder, monkeypatch):
    first = load_dataset("folder", path=str(folder), image_size=32)

    def must_not_decode(*_):
        raise AssertionError("decoded again")

    monkeypatch.setattr(image_folder, "decode_image", must_not_decode)
    again = load_dataset("folder", path=str(folder), image_size=32)
    assert torch.equal(first.train_inputs, again.train_inputs) and torch.equal(first.test_labels, again.test_labels)
    assert again.note == first.note
    with pytest.raises(AssertionError, match="decoded again"):  # another size is another cache
        load_dataset("folder", path=str(folder), image_size=48)


def test_a_changed_folder_is_decoded_again(folder):
    before = load_dataset("folder", path=str(folder), image_size=32)
    Image.new("RGB", (40, 40), (255, 0, 0)).save(folder / "one" / "new.png")
    after = load_dataset("folder", path=str(folder), image_size=32)
    assert len(after.train_labels) + len(after.test_labels) == len(before.train_labels) + len(before.test_labels) + 1


def test_a_test_folder_replaces_the_split(folder, tmp_path):
    test = write_digit_folder(tmp_path / "test", digits=(1, 2), per_class=3, seed=1)
    data = load_dataset("folder", path=str(folder), image_size=32, test_path=str(test))
    assert len(data.train_labels) == 30 and sorted(data.test_labels.tolist()) == [0, 0, 0, 1, 1, 1]
    assert data.options["test_path"] == str(test.resolve())


def test_images_are_cropped_to_the_centre_not_squashed(tmp_path):
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, 20:40] = (0, 255, 0)  # a green square in the middle of a black strip
    Image.fromarray(wide).save(tmp_path / "wide.png")
    decoded = decode_image(tmp_path / "wide.png", 10)
    assert decoded.shape == (3, 10, 10) and decoded[1].min() > 200 and decoded[0].max() < 50


def test_the_split_is_seeded_and_keeps_a_test_image_of_every_class():
    labels = np.array([0] * 10 + [1] * 3 + [2] * 2)
    mask = split_per_class(labels)
    np.testing.assert_array_equal(mask, split_per_class(labels))
    assert [int(mask[labels == c].sum()) for c in range(3)] == [2, 1, 1]


def test_folders_that_cannot_be_used_say_why(tmp_path):
    with pytest.raises(DatasetUnavailable, match="needs a folder"):
        load_dataset("folder")
    with pytest.raises(DatasetUnavailable, match="not a folder"):
        load_dataset("folder", path=str(tmp_path / "missing"))
    write_digit_folder(tmp_path / "one-class", digits=(3,), per_class=2)
    with pytest.raises(DatasetUnavailable, match="at least two class sub-folders"):
        load_dataset("folder", path=str(tmp_path / "one-class"))


def test_links_to_nothing_link_loops_fifos_and_names_that_are_not_utf8_are_skipped_and_listed(folder):
    zero = folder / "zero"
    (zero / "dangling.png").symlink_to(zero / "gone.png")
    (zero / "loop.png").symlink_to("loop.png")
    os.mkfifo(zero / "fifo.png")  # opening it would wait for ever
    Image.new("RGB", (40, 40), (9, 9, 9)).save(os.fsdecode(bytes(zero) + b"/caf\xe9.png"))
    odd_class = Path(os.fsdecode(bytes(folder) + b"/\xff-class"))
    odd_class.mkdir()
    Image.new("RGB", (40, 40)).save(odd_class / "1.png")
    data = load_dataset("folder", path=str(folder), image_size=32)
    assert data.classes == ("one", "two", "zero") and len(data.train_labels) + len(data.test_labels) == 30
    for said in ("zero/dangling.png (a symbolic link to", "zero/loop.png (a symbolic link loop)",
                 "zero/fifo.png (not a regular file)", "zero/caf\\xe9.png (its name is not valid UTF-8",
                 "\\xff-class/ (the folder's name is not valid UTF-8", "broken.jpg"):
        assert said in data.note
    assert "6 file(s) could not be read" in data.note
    json.dumps(data.note).encode("utf-8")  # printable, as JSON and on a terminal


def test_a_huge_image_is_refused_by_size_and_a_big_one_decodes_small(folder, monkeypatch):
    monkeypatch.setattr(image_folder, "MAX_DECODED_PIXELS", 100 * 100)
    Image.new("RGB", (400, 300), (200, 10, 10)).save(folder / "one" / "huge.png")  # cannot decode at a smaller scale
    Image.new("RGB", (400, 400), (10, 200, 10)).save(folder / "one" / "big.jpg")  # decodes at 1/8: 50×50
    data = load_dataset("folder", path=str(folder), image_size=32)
    assert "one/huge.png (400×300 is 0.12 megapixels; resviz decodes at most 0.01" in data.note
    assert "big.jpg" not in data.note and len(data.train_labels) + len(data.test_labels) == 31


def test_an_image_is_shrunk_before_it_is_cropped(tmp_path, monkeypatch):
    seen = []
    fit = ImageOps.fit
    monkeypatch.setattr(ImageOps, "fit", lambda image, *args, **kwargs: seen.append(image.size) or fit(image, *args,
                                                                                                        **kwargs))
    Image.new("RGB", (400, 300)).save(tmp_path / "big.png")
    decoded = decode_image(tmp_path / "big.png", 32)
    assert decoded.shape == (3, 32, 32) and seen == [(43, 32)]  # not the 400×300 it was stored at


def test_a_class_with_one_image_is_refused_before_it_reports_no_test(tmp_path):
    write_digit_folder(tmp_path / "single", per_class=1)
    with pytest.raises(DatasetUnavailable, match="at least 2 readable images") as error:
        load_dataset("folder", path=str(tmp_path / "single"), image_size=32)
    assert "one has 1; two has 1; zero has 1" in str(error.value) and "--test-images" in str(error.value)
    uneven = write_digit_folder(tmp_path / "uneven", per_class=2, broken=True)  # zero: 2 good + 1 broken
    (uneven / "one" / "000.png").write_bytes(b"not a PNG")  # one: 1 readable of 2
    with pytest.raises(DatasetUnavailable, match="one has 1") as error:
        load_dataset("folder", path=str(uneven), image_size=32)
    assert "zero" not in str(error.value)
    test = write_digit_folder(tmp_path / "test", per_class=1, seed=1)
    data = load_dataset("folder", path=str(tmp_path / "single"), image_size=32, test_path=str(test))
    assert len(data.train_labels) == 3 and len(data.test_labels) == 3  # a test folder of its own: fine
