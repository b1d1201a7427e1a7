"""Image folders: decoded once into a cached uint8 tensor, split 80/20 per class, bad files listed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from image_folders import write_digit_folder
from PIL import Image

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
