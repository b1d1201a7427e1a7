"""Batched augmentation: shapes, p=0 is the identity, p=1 mirror is a flip, crops keep size, seeds reproduce."""

import math

import pytest
import torch

from resviz.core.augment import (
    CLOTHES,
    DIGITS,
    NAMES,
    Augmentation,
    affine_warp,
    augment,
    augmentation_previews,
    pad_and_crop,
    random_affine,
)


@pytest.fixture
def batch():
    return torch.rand(16, 1, 28, 28, generator=torch.Generator().manual_seed(0))


def _seeded(seed=1):
    return torch.Generator().manual_seed(seed)


def test_probability_zero_is_the_identity(batch):
    ranges = dict(crop_pad=3, shift=2.0, degrees=15.0, zoom=(0.8, 1.2))
    assert torch.equal(augment(batch, Augmentation(**ranges), _seeded()), batch)
    assert Augmentation(**ranges).active == ()


def test_mirror_at_probability_one_is_a_left_right_flip(batch):
    assert torch.equal(augment(batch, Augmentation(mirror_p=1.0), _seeded()), batch.flip(-1))


def test_mirror_at_half_flips_some_and_keeps_the_rest(batch):
    out = augment(batch, Augmentation(mirror_p=0.5), _seeded())
    flipped = [torch.equal(o, b.flip(-1)) for o, b in zip(out, batch)]
    kept = [torch.equal(o, b) for o, b in zip(out, batch)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


def test_crop_keeps_the_size_and_moves_the_image(batch):
    out = augment(batch, Augmentation(crop_p=1.0, crop_pad=4), _seeded())
    assert out.shape == batch.shape
    assert not torch.equal(out, batch)
    # each crop is the padded image cut at some offset: find it for the first image
    padded = torch.nn.functional.pad(batch[0], (4, 4, 4, 4))
    assert any(torch.equal(out[0], padded[:, r:r + 28, c:c + 28]) for r in range(9) for c in range(9))


def test_pad_and_crop_offsets():
    x = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).reshape(2, 3, 5, 5)
    assert torch.equal(pad_and_crop(x, 2, torch.tensor([[2, 2], [2, 2]])), x)  # centred: unchanged
    out = pad_and_crop(x, 2, torch.tensor([[0, 4], [2, 2]]))
    assert torch.equal(out[0, :, 2:, :3], x[0, :, :3, 2:])  # moved down 2 and left 2, zeros come in
    assert out[0, :, :2].abs().sum() == 0 and out[0, :, :, 3:].abs().sum() == 0
    assert torch.equal(out[1], x[1])


def test_seeded_generators_reproduce_and_differ(batch):
    config = Augmentation(mirror_p=0.5, crop_p=1.0, crop_pad=2, shift_p=0.5, shift=2.0, rotate_p=0.5,
                          degrees=10.0, zoom_p=0.5, zoom=(0.9, 1.1))
    assert set(config.active) == set(NAMES)
    first = augment(batch, config, _seeded(3))
    assert torch.equal(first, augment(batch, config, _seeded(3)))
    assert not torch.equal(first, augment(batch, config, _seeded(4)))
    assert first.shape == batch.shape and first.dtype == batch.dtype


def test_rotation_by_a_quarter_turn_matches_rot90():
    x = torch.rand(1, 1, 8, 8)
    turned = affine_warp(x, torch.tensor([math.pi / 2]), torch.ones(1), torch.zeros(1, 2))
    assert torch.allclose(turned, torch.rot90(x, 1, (2, 3)), atol=1e-5) or \
        torch.allclose(turned, torch.rot90(x, -1, (2, 3)), atol=1e-5)


def test_zoom_above_one_enlarges():
    x = torch.zeros(1, 1, 28, 28)
    x[..., 10:18, 10:18] = 1.0  # an 8x8 square in the middle
    out = augment(x, Augmentation(zoom_p=1.0, zoom=(2.0, 2.0)), _seeded())
    assert float(out.sum()) == pytest.approx(4 * float(x.sum()), rel=0.05)


def test_random_affine_still_works_for_its_callers(batch):
    out = random_affine(batch, generator=_seeded())
    assert out.shape == batch.shape and torch.equal(out, random_affine(batch, generator=_seeded()))
    assert not torch.equal(out, batch)


def test_previews_show_each_augmentation_alone():
    image = (torch.rand(28, 28, generator=_seeded()) * 255).to(torch.uint8)
    rows = augmentation_previews(image, CLOTHES, count=6)
    assert list(rows) == ["original", *NAMES, "all"]
    assert rows["original"].shape == (1, 1, 28, 28) and rows["crop"].shape == (6, 1, 28, 28)
    original = image.float()[None]
    assert all(torch.equal(r, original) for r in rows["shift"])  # CLOTHES does not shift
    assert all(torch.equal(r, original) or torch.equal(r, original.flip(-1)) for r in rows["mirror"])
    assert not torch.equal(rows["all"], augmentation_previews(image, CLOTHES, count=6, seed=1)["all"])
    assert not any(torch.equal(r, original) for r in augmentation_previews(image, DIGITS, count=6)["rotate"])
