"""``resviz arch``: a model's per-layer table (shapes, parameters, multiply-adds, receptive field).

    resviz arch resnet50                     # the table, every layer
    resviz arch --model resnet50 --depth 2   # stages and blocks folded to subtotals
    resviz arch                              # totals of every architecture, with torchvision's figures
    resviz arch --list                       # the names it takes

Nothing is downloaded or computed: models are built without weights on meta tensors.
The last stdout line is one line of JSON; ``--json PATH`` also writes it to PATH.
"""

from __future__ import annotations

import json
import sys

from .checks import PathProblem, writable_file
from .json_output import emit


def add_arguments(parser) -> None:
    # the catalog is read in run(): building it here would slow every other command's start
    parser.add_argument("name", nargs="?", metavar="NAME", help="architecture (see --list); same as --model")
    parser.add_argument("--model", metavar="NAME", help="architecture (see --list); none: totals of all")
    parser.add_argument("--input-size", metavar="N", help="input side in pixels (default: the model's own)")
    parser.add_argument("--depth", type=int, metavar="K",
                        help="fold blocks below nesting depth K into one line each (1: stages only)")
    parser.add_argument("--json", nargs="?", const="-", metavar="PATH",
                        help="also write the JSON to PATH (it is always the last stdout line)")
    parser.add_argument("--list", action="store_true", help="name the architectures and exit")


def _fail(flag: str, message: str) -> int:
    print(f"error: {flag}: {message}", file=sys.stderr)
    print(json.dumps({"error": f"{flag}: {message}"}))
    return 2


def run(args) -> int:
    from ..core.arch import catalog, report

    if args.name and args.model and args.name != args.model:
        return _fail("--model", f"two different names given: {args.name!r} and {args.model!r}")
    key = args.model or args.name
    if args.json and args.json != "-":
        try:  # before summarizing: the file is the point of --json
            writable_file("--json", args.json)
        except PathProblem as error:
            return _fail("--json", str(error).removeprefix("--json").lstrip(": "))
    if args.depth is not None and args.depth < 1:
        return _fail("--depth", f"must be at least 1 (got {args.depth})")
    size = None
    if args.input_size is not None:
        try:
            size = catalog.parse_input_size(args.input_size)
        except catalog.ArchitectureError as error:
            return _fail("--input-size", str(error))
    if args.list:
        entries = catalog.architectures()
        for e in entries:
            print(f"{e.key:14s} {e.title:26s} {e.family:16s} {e.about}")
        return emit({"architectures": [
            {"model": e.key, "title": e.title, "family": e.family, "input_size": e.default_size} for e in entries
        ]}, args.json)
    if key is None:
        return _all_totals(size, args.json)
    try:
        entry = catalog.get(key)
    except catalog.ArchitectureError as error:
        return _fail("--model", str(error))
    size = entry.default_size if size is None else size
    try:
        summary = catalog.summarize_architecture(key, size)
    except catalog.ArchitectureError as error:
        return _fail("--input-size", str(error))
    for line in report.table_lines(summary, args.depth):
        print(line)
    print(_totals_line(entry, size, summary, report))
    for note in report.notes(entry, size, summary):
        print(f"note: {note}")
    return emit(report.to_json(entry, size, summary, args.depth), args.json)


def _totals_line(entry, size, summary, report) -> str:
    text = (f"{entry.title} at {size}×{size}: {report.format_count(summary.total_params)} parameters, "
            f"{report.format_macs(summary.total_macs)} multiply-adds")
    published = entry.published()
    if published and size == entry.default_size:
        same = report.published_matches(entry, size, summary)
        text += (f"; torchvision publishes {report.format_count(published[0])} and {published[1]:.2f} G"
                 f" ({'the same' if same else 'DIFFERENT'})")
    return text


def _all_totals(size: int | None, json_path: str | None) -> int:
    from ..core.arch import catalog, report

    records, lines = [], []
    header = f"{'model':14s} {'input':>7s} {'parameters':>13s} {'GMACs':>8s}  {'torchvision':>24s}"
    for entry in catalog.architectures():
        side = entry.default_size if size is None else size
        print(f"summarizing {entry.key} at {side}×{side}…", file=sys.stderr)
        try:
            summary = catalog.summarize_architecture(entry.key, side)
        except catalog.ArchitectureError as error:
            records.append({"model": entry.key, "input_size": side, "error": str(error)})
            lines.append(f"{entry.key:14s} {side:>7d}  {error}")
            continue
        published = entry.published() if side == entry.default_size else None
        records.append({
            "model": entry.key, "title": entry.title, "input_size": side,
            "parameters": summary.total_params, "macs": summary.total_macs,
            "gmacs": round(summary.total_macs / 1e9, 3),
            "published": {"parameters": published[0], "gmacs": published[1]} if published else None,
            "matches_published": report.published_matches(entry, side, summary),
        })
        theirs = f"{published[0]:>13,d} {published[1]:>8.3f}" if published else ""
        lines.append(f"{entry.key:14s} {side:>7d} {summary.total_params:>13,d} "
                     f"{summary.total_macs / 1e9:>8.3f}  {theirs:>24s}")
    print(header)
    for line in lines:
        print(line)
    return emit({"models": records}, json_path)
