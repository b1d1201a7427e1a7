"""The lab's chain, input -> conv -> ReLU -> pool -> flatten, as one plain function.

No Qt here: the view calls ``run_pipeline`` with the controls' values and draws the
``PipelineResult``. Bad settings come back as messages, never exceptions, so a
control dragged to an impossible value shows why instead of crashing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ....core.analysis import convolution as conv

POOL_MODES = {  # what the lab offers -> (core function, reducer)
    "max": ("pool", "max"),
    "min": ("pool", "min"),
    "average": ("pool", "average"),
    "adaptive average": ("adaptive", "average"),
    "adaptive max": ("adaptive", "max"),
}


@dataclass(frozen=True)
class PoolSettings:
    mode: str = "max"  # a key of POOL_MODES
    size: int = 2
    stride: int = 2
    adaptive_output: int = 7


@dataclass(frozen=True)
class PipelineResult:
    image: np.ndarray
    kernel: np.ndarray
    padding: conv.Padding
    stride: int
    dilation: int
    geometry: conv.ConvGeometry | None = None
    feature_map: np.ndarray | None = None
    torch_map: np.ndarray | None = None  # torch.nn.functional.conv2d's answer
    activated: np.ndarray | None = None  # after ReLU (or the feature map when ReLU is off)
    pooled: np.ndarray | None = None
    flat: np.ndarray | None = None
    error: str = ""  # why there is no feature map
    pool_error: str = ""  # why there is no pooled map

    @property
    def padded_image(self) -> np.ndarray:
        return self.image if self.geometry is None else conv.zero_pad(self.image, self.geometry.pads)

    @property
    def torch_difference(self) -> float:
        return float(np.abs(self.feature_map - self.torch_map).max())

    def formula(self) -> str:
        """The output-size formula with these numbers, for each axis that differs."""
        (h, w), (fh, fw) = self.image.shape, self.kernel.shape
        pads = (conv.padding_amounts(self.padding, fh, self.dilation),
                conv.padding_amounts(self.padding, fw, self.dilation))
        height = conv.output_size_formula(h, fh, pads[0], self.stride, self.dilation)
        if (h, fh, pads[0]) == (w, fw, pads[1]):
            return height
        width = conv.output_size_formula(w, fw, pads[1], self.stride, self.dilation)
        return f"height: {height}\nwidth:  {width}"


def run_pipeline(image: np.ndarray, kernel: np.ndarray, padding: conv.Padding = 0, stride: int = 1,
                 dilation: int = 1, relu: bool = True, pool: PoolSettings | None = None) -> PipelineResult:
    base = dict(image=np.asarray(image, dtype=np.float64), kernel=np.asarray(kernel, dtype=np.float64),
                padding=padding, stride=stride, dilation=dilation)
    try:
        geometry = conv.ConvGeometry.of(base["image"].shape, base["kernel"].shape, padding, stride, dilation)
        feature_map = conv.conv2d(image, kernel, padding, stride, dilation)
    except ValueError as error:
        return PipelineResult(**base, error=str(error))
    torch_map = conv.conv2d_torch(image, kernel, padding, stride, dilation)
    activated = conv.relu(feature_map) if relu else feature_map
    pooled, pool_error = None, ""
    pool = pool or PoolSettings()
    try:
        kind, reducer = POOL_MODES[pool.mode]
        if kind == "pool":
            pooled = conv.pool2d(activated, pool.size, pool.stride, reducer)
        else:
            side = min(pool.adaptive_output, *activated.shape)
            pooled = conv.adaptive_pool2d(activated, side, reducer)
    except ValueError as error:
        pool_error = str(error)
    return PipelineResult(**base, geometry=geometry, feature_map=feature_map, torch_map=torch_map,
                          activated=activated, pooled=pooled,
                          flat=None if pooled is None else conv.flatten(pooled), pool_error=pool_error)
