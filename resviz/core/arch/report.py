"""Numbers and tables for people: "25,557,032", "4.09 G", "64×56×56", and the JSON scripts read.

Shared by ``resviz arch`` and the Architectures tab so both say the same thing.
"""

from __future__ import annotations

from .catalog import Architecture
from .summary import LayerRow, Summary, shape_json


def format_count(n: int) -> str:
    return f"{n:,}"


def format_macs(n: int) -> str:
    """Multiply-adds in engineering units: 118.0 M, 4.09 G (torchvision quotes G to 2-3 decimals)."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:.2f} {unit}" if unit == "G" else f"{n / scale:.1f} {unit}"
    return str(n)


def format_shape(shape) -> str:
    if shape is None:
        return ""
    if shape and isinstance(shape[0], tuple):
        return ", ".join(format_shape(s) for s in shape)
    return "×".join(str(v) for v in shape)


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2g}"


def format_axes(values) -> str:
    """(7, 7) -> "7"; (7, 1) -> "7×1"."""
    if not values:
        return ""
    if len(set(values)) == 1:
        return _number(values[0])
    return "×".join(_number(v) for v in values)


def format_field(row: LayerRow) -> str:
    if row.sees_whole_input:
        return "all"
    text = format_axes(row.receptive_field)
    return f"≤{text}" if text and not row.field_exact else text


def notes(entry: Architecture, size: int, summary: Summary) -> list[str]:
    """What a person should know about this table beyond the numbers."""
    out = []
    squeezed = [r for r in summary.rows if r.is_leaf and r.type.startswith("Conv") and r.kernel
                and max(r.kernel) > 1 and _spatial(r.output_shape) and max(_spatial(r.output_shape)) == 1]
    if squeezed and size < entry.default_size:
        first = squeezed[0]
        out.append(f"At {size}×{size} the maps are down to 1×1 by {first.name}: from there a "
                   f"{'×'.join(map(str, first.kernel))} kernel sees one pixel and zero "
                   f"padding. {entry.title} was designed for {entry.default_size}×{entry.default_size}.")
    skipped = [r for r in summary.rows if not r.ran and r.depth == 1]
    for r in skipped:
        out.append(f"{r.name} ({format_count(r.params)} parameters) is not run by a forward pass at inference: "
                   "it is a training-only auxiliary classifier, counted as torchvision counts it.")
    if any(not r.field_exact for r in summary.rows):
        out.append("After an upsampling layer the receptive field is an upper bound (≤): neighbouring "
                   "outputs share inputs, so the usual formula overcounts.")
    return out


def _spatial(shape) -> tuple:
    if not shape or isinstance(shape[0], tuple) or len(shape) < 2:
        return ()
    return tuple(shape[1:])


def published_matches(entry: Architecture, size: int, summary: Summary) -> bool | None:
    """Whether our totals equal torchvision's published ones (None: no published figure for this size)."""
    published = entry.published()
    if published is None or size != entry.default_size:
        return None
    params, gmacs = published
    return summary.total_params == params and round(summary.total_macs / 1e9, 2) == round(gmacs, 2)


def to_json(entry: Architecture, size: int, summary: Summary, depth: int | None = None) -> dict:
    """The record ``resviz arch`` prints: totals, and the layers that partition the model at ``depth``."""
    published = entry.published()
    return {
        "model": entry.key, "name": entry.key, "title": entry.title,
        "input_size": size, "input_shape": list(summary.input_shape),
        "parameters": summary.total_params, "total_params": summary.total_params,
        "trainable_params": summary.trainable_params,
        "macs": summary.total_macs, "gmacs": round(summary.total_macs / 1e9, 3),
        "output_shape": shape_json(summary.output_shape),
        "published": ({"parameters": published[0], "gmacs": published[1], "input_size": entry.default_size}
                      if published else None),
        "depth": depth,
        "layers": [row.to_json() for row in summary.frontier(depth)],
        "notes": notes(entry, size, summary),
    }


def table_lines(summary: Summary, depth: int | None = None) -> list[str]:
    """A text table: every row down to ``depth`` (blocks with their subtotals), indented by nesting."""
    header = ("layer", "type", "detail", "output", "params", "MACs", "RF", "jump")
    body = []
    for row in summary.rows:
        if depth is not None and row.depth > depth:
            continue
        body.append((
            "  " * (row.depth - 1) + row.name.rpartition(".")[2], row.type, row.detail,
            format_shape(row.output_shape) if row.ran else "(not run)",
            format_count(row.params), format_macs(row.macs), format_field(row), format_axes(row.jump),
        ))
    widths = [max(len(str(r[i])) for r in (header, *body)) for i in range(len(header))]
    align = ["<", "<", "<", "<", ">", ">", ">", ">"]
    return [
        "  ".join(f"{str(cell):{a}{w}}" for cell, a, w in zip(r, align, widths)).rstrip()
        for r in (header, *body)
    ]
