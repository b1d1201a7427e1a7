"""The seeds' worked convolution examples as arrays, so the lab can open them.

Each example is an input, the kernel the seed applies to it, and what the seed prints
(where it prints something). Where a seed's printed numbers do not follow from its own
input, the comment says which ones, and the tests check only what does follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .convolution import KERNELS


@dataclass(frozen=True)
class SeedExample:
    name: str
    image: np.ndarray
    kernel_name: str  # a key of KERNELS: the kernel the seed applies to it
    explanation: str
    padding: str = "valid"  # the seed's examples are valid convolutions

    @property
    def kernel(self) -> np.ndarray:
        return KERNELS[self.kernel_name].weights


def vertical_edge_image() -> np.ndarray:
    """Seed 000's vertical edge detection: a 6x6 image, bright (10) left half, dark (0) right half.

    The seed's figure is lost in its text; this is the classic example of the course it
    cites (DeepLearning.AI): with the 3x3 vertical edge kernel the valid convolution is
    4x4, every row [0, 30, 30, 0] -- the edge shows up as a bright band in the middle.
    """
    return np.repeat([[10.0, 10, 10, 0, 0, 0]], 6, axis=0)


VERTICAL_EDGE_OUTPUT = np.repeat([[0.0, 30, 30, 0]], 4, axis=0)


def x_pattern() -> np.ndarray:
    """Seed 001's 9x9 "X": +1 on both diagonals of the inner 7x7, -1 elsewhere.

    The seed's transcription has one extra +1 in row 8 (index 7, column 6), which breaks
    the X's symmetry and matches nothing else on the slide; we take it as a slip and use
    the symmetric X the slide describes.
    """
    image = -np.ones((9, 9))
    for i in range(1, 8):
        image[i, i] = image[i, 8 - i] = 1.0
    return image


def shifted_x_pattern() -> np.ndarray:
    """Seed 001's second 9x9 image, a deformed X, exactly as the seed prints it.

    The seed shows it to argue that comparing whole images fails where comparing small
    pieces (features) still matches.
    """
    rows = [
        "-1 -1 -1 -1 -1 -1 -1 -1 -1",
        "-1 -1 -1 -1 -1 -1 -1  1 -1",
        "-1  1 -1 -1 -1 -1  1 -1 -1",
        "-1 -1  1  1 -1  1 -1 -1 -1",
        "-1 -1 -1 -1  1 -1 -1 -1 -1",
        "-1 -1 -1  1 -1  1  1 -1 -1",
        "-1 -1 -1  1 -1 -1 -1 -1 -1",
        "-1 -1  1 -1 -1 -1 -1 -1 -1",
        "-1 -1 -1 -1 -1 -1 -1 -1 -1",
    ]
    return np.array([[float(v) for v in row.split()] for row in rows])


def nine_pattern() -> np.ndarray:
    """Seed 001's 7x5 handwritten "9" of +1 (ink) and -1 (paper)."""
    return np.array([
        [-1, 1, 1, 1, -1],
        [-1, 1, -1, 1, -1],
        [-1, 1, 1, 1, -1],
        [-1, -1, -1, 1, -1],
        [-1, -1, -1, 1, -1],
        [-1, -1, 1, -1, -1],
        [-1, 1, -1, -1, -1],
    ], dtype=np.float64)


# Seed 001's feature map for nine_pattern() * loopy detector / 9, as printed (5x3).
# The seed cuts the values to two decimals (-5/9 = -0.555 is printed -0.55). Rows 1-3 and
# the centre of row 4 follow from the input; three entries do not: (3,0) and (3,2) are
# -5/9 (printed -0.22) and (4,1) is -5/9 (printed -0.33). All three are negative, so the
# seed's ReLU'd map (LOOPY_RELU_PRINTED) is exactly what the input gives.
LOOPY_FEATURE_MAP_PRINTED = np.array([
    [-0.11, 1, -0.11],
    [-0.55, 0.11, -0.33],
    [-0.33, 0.33, -0.33],
    [-0.22, -0.11, -0.22],
    [-0.33, -0.33, -0.33],
])
LOOPY_MISPRINTED_ENTRIES = ((3, 0), (3, 2), (4, 1))
LOOPY_RELU_PRINTED = np.array([
    [0, 1, 0],
    [0, 0.11, 0],
    [0, 0.33, 0],
    [0, 0, 0],
    [0, 0, 0],
], dtype=np.float64)


def truncate_2dp(values: np.ndarray) -> np.ndarray:
    """Cut to two decimals the way the seed prints them (-0.555 -> -0.55)."""
    return np.trunc(np.asarray(values) * 100 + 1e-9 * np.sign(values)) / 100


# Seed 001's max pooling example: 2x2 window, stride 2.
MAX_POOL_INPUT = np.array([[5, 1, 3, 4], [8, 2, 9, 2], [1, 3, 0, 1], [2, 2, 2, 0]], dtype=np.float64)
MAX_POOL_OUTPUT = np.array([[8, 9], [3, 2]], dtype=np.float64)


SEED_EXAMPLES: dict[str, SeedExample] = {e.name: e for e in (
    SeedExample("6×6 vertical edge (seed 000)", vertical_edge_image(), "Vertical edge",
                "Bright left half (10), dark right half (0). The vertical edge detector answers "
                "30 where the edge is and 0 on flat areas."),
    SeedExample("9×9 X of ±1 (seed 001)", x_pattern(), "X piece: diagonal ╲ ÷ 9",
                "+1 is ink, −1 is paper. Each X piece (╲, ╱, crossing) scores 1 where it matches "
                "exactly: the CNN finds the X piece by piece."),
    SeedExample("9×9 deformed X (seed 001)", shifted_x_pattern(), "X piece: diagonal ╲ ÷ 9",
                "The seed's second X, drawn differently: whole-image comparison fails, but small "
                "pieces still match in places."),
    SeedExample("7×5 \"9\" + loopy detector (seed 001)", nine_pattern(), "Loopy pattern ÷ 9",
                "The loopy-pattern detector over a 9 (divided by 9, as the seed prints it): the map "
                "peaks at 1 where the loop at the top matches exactly. (The seed prints −0.22, −0.22 "
                "and −0.33 for three cells where its own input gives −0.56; ReLU zeroes them anyway.)"),
    SeedExample("4×4 max-pool example (seed 001)", MAX_POOL_INPUT, "Identity",
                "Seed 001's pooling example: the identity kernel copies it, then 2×2 max pooling "
                "with stride 2 gives [[8, 9], [3, 2]].", padding="same"),
)}
