"""Follow one forward pass op by op: multiply-adds, and the receptive field of every tensor.

A ``TorchFunctionMode`` sees every torch call a model makes, including the
functional ones inside ``forward`` (DenseNet's ``F.adaptive_avg_pool2d``,
Inception's ``F.max_pool2d``, U-Net's crop and ``torch.cat``), which module hooks
alone would miss. It works on meta tensors, so nothing is computed.

Receptive field, per spatial axis, with the standard recurrence (Araujo et al.,
"Computing receptive fields of convolutional neural networks", Distill 2019):
an op with kernel ``k``, dilation ``d`` and stride ``s`` turns (size ``r``,
jump ``j``) into ``r + (k - 1) * d * j`` and ``j * s``. The jump is how far apart,
in input pixels, two neighbouring outputs are. Ops that merge tensors (add, cat,
multiply) take the largest field of their inputs; a tensor without spatial axes
(after flatten or a linear layer) sees the whole input (``size=None``).

Multiply-adds count what torchvision's published figures count: convolutions and
matrix products, without biases; BatchNorm, pooling and activations count 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten

_FIELD = "_resviz_receptive_field"  # the attribute that carries a tensor's field through the pass


@dataclass(frozen=True)
class Field:
    """The receptive field of one tensor: ``size`` and ``jump`` per spatial axis, or the whole input."""

    size: tuple[float, ...] | None  # input pixels that can reach one output value; None: all of them
    jump: tuple[float, ...] | None  # input pixels between neighbouring outputs
    # False after an upsampling layer: neighbouring outputs then share inputs, the recurrence
    # no longer holds exactly and ``size`` is an upper bound
    exact: bool = True

    @classmethod
    def of_input(cls, spatial_dims: int) -> Field:
        return cls((1,) * spatial_dims, (1,) * spatial_dims)

    @property
    def is_whole_input(self) -> bool:
        return self.size is None


WHOLE_INPUT = Field(None, None)

# argument names, in order, of the ops that change the field or cost multiply-adds
_CONV_ARGS = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
_CONV_T_ARGS = ("input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation")
_POOL_ARGS = ("input", "kernel_size", "stride", "padding", "dilation")
_LP_POOL_ARGS = ("input", "norm_type", "kernel_size", "stride")


def _bind(names: tuple[str, ...], args: tuple, kwargs: dict) -> dict:
    bound = dict(zip(names, args))
    bound.update({k: v for k, v in kwargs.items() if k in names})
    return bound


def _per_axis(value, dims: int, default: int) -> tuple[int, ...]:
    if value is None or isinstance(value, str) or (isinstance(value, (list, tuple)) and len(value) == 0):
        return (default,) * dims  # stride None / [] means "the kernel size"; padding strings do not matter
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value) if len(value) == dims else (int(value[0]),) * dims
    return (int(value),) * dims


def _grow(field: Field, kernel, dilation, stride) -> Field:
    if field.is_whole_input:
        return field
    size = tuple(r + (k - 1) * d * j for r, k, d, j in zip(field.size, kernel, dilation, field.jump))
    return Field(size, tuple(j * s for j, s in zip(field.jump, stride)), field.exact)


def _merge(fields: list[Field]) -> Field | None:
    """The field of a tensor computed from several: the largest of theirs."""
    if not fields:
        return None
    if any(f.is_whole_input for f in fields):
        return WHOLE_INPUT
    dims = {len(f.size) for f in fields}
    if len(dims) > 1:
        return WHOLE_INPUT
    return Field(tuple(map(max, zip(*(f.size for f in fields)))), tuple(map(max, zip(*(f.jump for f in fields)))),
                 all(f.exact for f in fields))


def field_of(tensor: torch.Tensor) -> Field | None:
    return getattr(tensor, _FIELD, None)


def mark_input(tensor: torch.Tensor) -> None:
    """The model's input: each value sees one pixel; a [N, C, *spatial] tensor has ndim - 2 spatial axes."""
    setattr(tensor, _FIELD, Field.of_input(max(tensor.dim() - 2, 0)))


class OpTracer(TorchFunctionMode):
    """Counts multiply-adds into ``on_macs(count)`` and stamps every output tensor with its field."""

    def __init__(self, on_macs: Callable[[int], None]):
        super().__init__()
        self.on_macs = on_macs

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = getattr(func, "__name__", "")
        if name in ("__get__", "dim", "size", "numel", "stride", "is_contiguous", "data_ptr"):
            return out  # shape queries: nothing to follow (and most calls of all)
        flat_out = [t for t in tree_flatten(out)[0] if isinstance(t, torch.Tensor)]
        if not flat_out:
            return out
        flat_in = [t for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)]
        macs = _macs(name, args, kwargs, flat_out)
        if macs:
            self.on_macs(macs)
        field = self._field(name, args, kwargs, flat_in, flat_out[0])
        if field is not None:
            for tensor in flat_out:
                # [N, features]: no spatial axes left, every feature may see everything. In-place ops
                # (``out += identity``) are restamped too: their result merges both fields.
                setattr(tensor, _FIELD, WHOLE_INPUT if tensor.dim() < 3 else field)
        return out

    @staticmethod
    def _field(name: str, args, kwargs, flat_in, first_out) -> Field | None:
        merged = _merge([f for f in map(field_of, flat_in) if f is not None])
        if merged is None or merged.is_whole_input:
            return merged
        dims = len(merged.size)
        if name.startswith("conv_transpose"):
            bound = _bind(_CONV_T_ARGS, args, kwargs)
            kernel = tuple(bound["weight"].shape[2:])
            stride = _per_axis(bound.get("stride"), dims, 1)
            dilation = _per_axis(bound.get("dilation"), dims, 1)
            # each output comes from ceil(k*d / s) inputs; outputs sit s times closer together
            size = tuple(r + (math.ceil(k * d / s) - 1) * j
                         for r, k, d, s, j in zip(merged.size, kernel, dilation, stride, merged.jump))
            return Field(size, tuple(j / s for j, s in zip(merged.jump, stride)), exact=False)
        if name.startswith("conv") and name[-2:] in ("1d", "2d", "3d"):
            bound = _bind(_CONV_ARGS, args, kwargs)
            kernel = tuple(bound["weight"].shape[2:])
            return _grow(merged, kernel, _per_axis(bound.get("dilation"), dims, 1),
                         _per_axis(bound.get("stride"), dims, 1))
        if name.startswith(("max_pool", "avg_pool")):
            bound = _bind(_POOL_ARGS if name.startswith("max") else _POOL_ARGS[:4], args, kwargs)
            kernel = _per_axis(bound["kernel_size"], dims, 1)
            stride = bound.get("stride")
            stride = kernel if stride is None or stride == [] or stride == () else _per_axis(stride, dims, 1)
            return _grow(merged, kernel, _per_axis(bound.get("dilation"), dims, 1), stride)
        if name.startswith("lp_pool"):
            bound = _bind(_LP_POOL_ARGS, args, kwargs)
            kernel = _per_axis(bound["kernel_size"], dims, 1)
            stride = bound.get("stride")
            return _grow(merged, kernel, (1,) * dims, kernel if stride is None else _per_axis(stride, dims, 1))
        if name.startswith("adaptive_"):
            # PyTorch's adaptive pooling windows: about ceil(in/out) wide, floor(in/out) apart
            in_size = tuple(flat_in[0].shape[2:])
            out_size = tuple(first_out.shape[2:])
            kernel = tuple(math.ceil(i / o) for i, o in zip(in_size, out_size))
            stride = tuple(max(i // o, 1) for i, o in zip(in_size, out_size))
            return _grow(merged, kernel, (1,) * dims, stride)
        if name in ("interpolate", "upsample", "upsample_nearest", "upsample_bilinear"):
            in_size = tuple(flat_in[0].shape[2:])
            out_size = tuple(first_out.shape[2:])
            return Field(merged.size, tuple(j * i / o for j, i, o in zip(merged.jump, in_size, out_size)), exact=False)
        return merged


def _macs(name: str, args, kwargs, flat_out) -> int:
    """Multiply-adds of one op (biases and elementwise work excluded, as torchvision counts)."""
    out = flat_out[0]
    if name.startswith("conv_transpose"):
        bound = _bind(_CONV_T_ARGS, args, kwargs)
        weight = bound["weight"]  # [C_in, C_out / groups, *k]: every input value reaches C_out/groups * k outputs
        return bound["input"].numel() * math.prod(weight.shape[1:])
    if name.startswith("conv") and name[-2:] in ("1d", "2d", "3d"):
        weight = _bind(_CONV_ARGS, args, kwargs)["weight"]  # [C_out, C_in / groups, *k]
        return out.numel() * math.prod(weight.shape[1:])
    if name == "linear":
        weight = args[1] if len(args) > 1 else kwargs["weight"]
        return out.numel() * weight.shape[-1]
    if name in ("matmul", "mm", "bmm", "__matmul__"):
        return out.numel() * args[0].shape[-1]
    if name in ("addmm", "baddbmm", "addbmm"):
        return out.numel() * args[1].shape[-1]
    return 0
