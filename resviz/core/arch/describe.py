"""One short line per layer for the architecture table: kernel, channels, stride."""

from __future__ import annotations

from torch import nn


def _square(value, dims: int = 2) -> str:
    """(3, 3) or 3 -> "3×3"; (1, 7) -> "1×7"."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims
    return "×".join(str(v) for v in values)


def _strided(text: str, stride) -> str:
    strides = tuple(stride) if isinstance(stride, (tuple, list)) else (stride,)
    if any(s != 1 for s in strides):
        text += f", stride {strides[0] if len(set(strides)) == 1 else _square(strides)}"
    return text


def describe_module(module: nn.Module) -> str:
    if isinstance(module, nn.modules.conv._ConvNd):
        dims = len(module.kernel_size)
        text = f"{_square(module.kernel_size, dims)}, {module.in_channels}→{module.out_channels}"
        if module.groups != 1:
            text += f", {module.groups} groups"
        if any(d != 1 for d in module.dilation):
            text += f", dilation {module.dilation[0]}"
        text = _strided(text, module.stride)
        return text + (", transposed" if module.transposed else "")
    if isinstance(module, nn.Linear):
        return f"{module.in_features}→{module.out_features}"
    if isinstance(module, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        stride = module.stride if module.stride is not None else module.kernel_size
        return _strided(_square(module.kernel_size), stride)
    if isinstance(module, (nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)):
        return f"to {_square(module.output_size)}"
    if isinstance(module, nn.modules.batchnorm._NormBase):
        return f"{module.num_features} channels"
    if isinstance(module, nn.RNNBase):
        return f"{module.input_size}→{module.hidden_size}, {module.num_layers} layer(s)"
    if isinstance(module, nn.Dropout):
        return f"p={module.p:g}"
    if isinstance(module, nn.Upsample):
        return f"×{module.scale_factor:g}" if module.scale_factor else f"to {module.size}"
    return ""
