"""A per-layer table of any PyTorch model: output shape, parameters, multiply-adds, receptive field.

``summarize(model, (3, 224, 224))`` runs one forward pass of a single image, on
meta tensors when the model lives on the meta device (nothing is computed, so
ResNet-152 takes a fraction of a second), and returns a ``Summary``: one row per
module in the model's own nesting (stage -> block -> layer), so a block's sub-layers
can be shown under it or folded into one line.

Parameters are each counted once, by the first module that holds them, so the
leaf rows add up exactly to the model's total; a block's row is the sum of its
sub-layers. Multiply-adds are charged to the innermost module running when an op
executes (see ``tracer.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .describe import describe_module
from .tracer import Field, OpTracer, field_of, mark_input

OWN = "(own)"  # the suffix of a row holding a block's own parameters or ops, outside its sub-modules


@dataclass(frozen=True)
class LayerRow:
    name: str  # the module's path in the model, e.g. "layer1.0.conv1"
    type: str  # its class, e.g. "Conv2d" or "Bottleneck"
    depth: int  # 1 for the model's direct children, 2 for theirs, ...
    is_leaf: bool  # False for blocks and stages (rows that have rows under them)
    detail: str  # kernel, stride, channels: "3×3, 64→128, stride 2"
    output_shape: tuple | None  # without the batch axis; None when the module did not run
    params: int  # in this module and everything inside it
    macs: int  # multiply-adds for one image, this module and everything inside it
    receptive_field: tuple[float, ...] | None  # input pixels per axis that reach one output; None: all
    jump: tuple[float, ...] | None  # input pixels between neighbouring outputs (the product of strides)
    ran: bool = True  # False for parts a forward pass skips (Inception v3's training-only aux classifier)
    field_exact: bool = True  # False after an upsampling layer: receptive_field is then an upper bound
    sees_whole_input: bool = False  # no spatial axes left (after flatten, a linear layer): every pixel reaches it
    kernel: tuple[int, ...] | None = None  # a conv's or pool's kernel size

    @property
    def parent(self) -> str:
        return self.name.rpartition(".")[0]

    def to_json(self) -> dict:
        return {
            "name": self.name, "type": self.type, "depth": self.depth, "leaf": self.is_leaf,
            "detail": self.detail,
            "output_shape": shape_json(self.output_shape), "params": self.params, "macs": self.macs,
            "receptive_field": list(self.receptive_field) if self.receptive_field else None,
            "jump": list(self.jump) if self.jump else None, "receptive_field_exact": self.field_exact,
            "sees_whole_input": self.sees_whole_input,
            "ran": self.ran,
        }


@dataclass(frozen=True)
class Summary:
    input_shape: tuple[int, ...]  # (channels, *spatial) of the one image
    rows: tuple[LayerRow, ...]  # every module, parents before their children, in model order
    total_params: int
    trainable_params: int
    total_macs: int
    output_shape: tuple | None
    output_field: Field | None = None

    def frontier(self, depth: int | None = None) -> list[LayerRow]:
        """The rows that partition the model at a nesting depth: blocks at ``depth`` folded, leaves above it.

        Their parameters and multiply-adds add up to the totals. ``None``: every leaf.
        """
        return [r for r in self.rows if (r.is_leaf and (depth is None or r.depth <= depth)) or r.depth == depth]

    def children(self, name: str) -> list[LayerRow]:
        """The rows directly under ``name`` ("" for the top level)."""
        depth = name.count(".") + 2 if name else 1
        prefix = name + "." if name else ""
        return [r for r in self.rows if r.depth == depth and r.name.startswith(prefix)]

    def row(self, name: str) -> LayerRow:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def last_conv_field(self) -> LayerRow | None:
        """The deepest convolution row (its receptive field is what the classifier's features see)."""
        convs = [r for r in self.rows if r.is_leaf and r.type.startswith("Conv") and r.receptive_field]
        return convs[-1] if convs else None


def shape_json(shape):
    if shape is None:
        return None
    if shape and isinstance(shape[0], tuple):
        return [list(s) for s in shape]
    return list(shape)


def _output_shape(out):
    if isinstance(out, torch.Tensor):
        return tuple(out.shape[1:])
    if isinstance(out, (tuple, list)):
        shapes = tuple(tuple(t.shape[1:]) for t in out if isinstance(t, torch.Tensor))
        return shapes[0] if len(shapes) == 1 else shapes or None
    if hasattr(out, "logits") and isinstance(out.logits, torch.Tensor):  # torchvision's GoogLeNetOutputs, ...
        return tuple(out.logits.shape[1:])
    return None


def _first_tensor(out):
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)):
        return next((t for t in out if isinstance(t, torch.Tensor)), None)
    return getattr(out, "logits", None)


def _rnn_macs(module: nn.RNNBase, args) -> int:
    """nn.LSTM/GRU/RNN run as one op: gates x hidden x (inputs + recurrent) per step, layer and direction."""
    x = args[0]
    if isinstance(x, nn.utils.rnn.PackedSequence):
        return 0  # lengths vary per sample: not a single-image count
    if x.dim() == 2:
        batch, steps = 1, x.shape[0]
    else:
        batch, steps = (x.shape[0], x.shape[1]) if module.batch_first else (x.shape[1], x.shape[0])
    gates = {"LSTM": 4, "GRU": 3}.get(module.mode, 1)
    directions = 2 if module.bidirectional else 1
    hidden = module.hidden_size
    out = module.proj_size or hidden  # what each step passes on (LSTM projections shrink it)
    total = 0
    for layer in range(module.num_layers):
        inputs = module.input_size if layer == 0 else out * directions
        total += (gates * hidden * (inputs + out) + (hidden * out if module.proj_size else 0)) * directions
    return batch * steps * total


def _kernel(module: nn.Module) -> tuple[int, ...] | None:
    k = getattr(module, "kernel_size", None)
    if k is None:
        return None
    return tuple(k) if isinstance(k, (tuple, list)) else (k, k)


class _Recorder:
    """Forward hooks on every module: which is running (for multiply-adds), what it returned."""

    def __init__(self, model: nn.Module):
        self.names = {module: name for name, module in model.named_modules()}
        self.stack: list[str] = []
        self.macs: dict[str, int] = {name: 0 for name in self.names.values()}
        self.shapes: dict[str, tuple | None] = {}
        self.fields: dict[str, Field | None] = {}
        self.handles = []
        for module in self.names:
            self.handles.append(module.register_forward_pre_hook(self._enter))
            self.handles.append(module.register_forward_hook(self._leave))

    def _enter(self, module, args):
        self.stack.append(self.names[module])
        if isinstance(module, nn.RNNBase):
            self.macs[self.names[module]] += _rnn_macs(module, args)

    def _leave(self, module, args, out):
        name = self.stack.pop()
        self.shapes[name] = _output_shape(out)
        tensor = _first_tensor(out)
        self.fields[name] = field_of(tensor) if isinstance(tensor, torch.Tensor) else None

    def charge(self, macs: int) -> None:
        self.macs[self.stack[-1] if self.stack else ""] += macs

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _owned_params(model: nn.Module) -> dict[str, int]:
    """Parameters held directly by each module, each tensor counted once (tied weights too)."""
    seen: set[int] = set()
    owned = {}
    for name, module in model.named_modules():
        count = 0
        for p in module.parameters(recurse=False):
            if id(p) not in seen:
                seen.add(id(p))
                count += p.numel()
        owned[name] = count
    return owned


def summarize(model: nn.Module, input_shape: tuple[int, ...], batch: int = 1) -> Summary:
    """Run one forward pass of a ``[batch, *input_shape]`` input and tabulate every module.

    The input is made on the model's device (meta for an instant, computation-free pass).
    Raises whatever the model raises for an input it cannot take (too small, wrong channels).
    """
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    x = torch.zeros((batch, *input_shape), device=device)
    mark_input(x)
    recorder = _Recorder(model)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), OpTracer(recorder.charge):
            out = model(x)
    finally:
        recorder.remove()
        model.train(was_training)
    if batch != 1:
        recorder.macs = {k: v // batch for k, v in recorder.macs.items()}
    rows = _rows(model, recorder, _owned_params(model))
    total_params = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    trainable = sum(p.numel() for p in {id(p): p for p in model.parameters() if p.requires_grad}.values())
    tensor = _first_tensor(out)
    return Summary(
        input_shape=tuple(input_shape), rows=tuple(rows), total_params=total_params,
        trainable_params=trainable, total_macs=sum(recorder.macs.values()),
        output_shape=_output_shape(out),
        output_field=field_of(tensor) if isinstance(tensor, torch.Tensor) else None,
    )


def _rows(model: nn.Module, recorder: _Recorder, owned: dict[str, int]) -> list[LayerRow]:
    rows: list[LayerRow] = []

    def add_subtree(name: str, module: nn.Module) -> tuple[int, int, bool]:
        """Append ``module``'s row, then its children's; return its (params, macs, ran)."""
        children = list(module.named_children())
        depth = name.count(".") + 1 if name else 0
        index = len(rows)  # this module's row goes here once its totals are known
        params, macs, ran = owned[name], recorder.macs[name], name in recorder.shapes
        for child_name, child in children:
            p, m, r = add_subtree(f"{name}.{child_name}" if name else child_name, child)
            params, macs, ran = params + p, macs + m, ran or r  # a ModuleList never runs, its items do
        if children and (owned[name] or recorder.macs[name]):
            # a block's own weights or functional ops (a matmul in its forward) get a line of their
            # own, so the leaves still add up to the totals
            rows.append(LayerRow(
                name=f"{name}.{OWN}" if name else OWN, type="(own)", depth=depth + 1, is_leaf=True,
                detail="its own parameters and ops", output_shape=None,
                params=owned[name], macs=recorder.macs[name], receptive_field=None, jump=None,
                ran=name in recorder.shapes))
        if name:
            fld = recorder.fields.get(name)
            rows.insert(index, LayerRow(
                name=name, type=type(module).__name__, depth=depth, is_leaf=not children,
                detail=describe_module(module), output_shape=recorder.shapes.get(name),
                params=params, macs=macs,
                receptive_field=fld.size if fld else None, jump=fld.jump if fld else None,
                ran=ran, field_exact=fld.exact if fld else True,
                sees_whole_input=bool(fld and fld.is_whole_input), kernel=_kernel(module),
            ))
        return params, macs, ran

    add_subtree("", model)
    return rows
