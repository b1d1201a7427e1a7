"""What a landscape is computed with: the grid, its span, the images, the seed — checked in one place."""

from __future__ import annotations

from dataclasses import dataclass

MIN_GRID, MAX_GRID = 3, 101  # points per axis; 101 x 101 of a small net is minutes already
MAX_SPAN = 10.0  # in units of the weights' own filter norms: beyond ~2 every net's loss is flat chance
MAX_SUBSET = 60_000
BATCHNORM = ("eval mode: BatchNorm uses the running statistics it learned, which are not moved "
             "(the paper's code calls net.eval()); its scale and shift are not moved either")


class LandscapeError(ValueError):
    """Settings or a model the landscape refuses; the message names what and why."""


@dataclass(frozen=True)
class LandscapeSettings:
    grid: int = 21  # points per axis: grid x grid losses
    span: float = 1.0  # alpha and beta run from -span to +span
    subset: int = 1000  # training images the loss is measured on
    seed: int = 0  # picks the images and the two random directions
    batch_size: int = 250  # images per forward pass (250 was the fastest on a 2-core CPU)

    def __post_init__(self):
        if not isinstance(self.grid, int) or not MIN_GRID <= self.grid <= MAX_GRID:
            raise LandscapeError(f"grid must be a whole number from {MIN_GRID} to {MAX_GRID}, not {self.grid!r}")
        if not 0 < self.span <= MAX_SPAN:
            raise LandscapeError(f"span must be above 0 and at most {MAX_SPAN:g}, not {self.span!r}")
        if not isinstance(self.subset, int) or not 1 <= self.subset <= MAX_SUBSET:
            raise LandscapeError(f"subset must be a whole number from 1 to {MAX_SUBSET:,}, not {self.subset!r}")
        if self.batch_size < 1:
            raise LandscapeError(f"batch_size must be at least 1, not {self.batch_size!r}")

    @property
    def text(self) -> str:
        return f"{self.grid}×{self.grid} points, span ±{self.span:g}, {self.subset:,} training images, seed {self.seed}"
