"""``resviz bench``: measure resviz's speed and smoothness targets on this machine.

Prints a table (median, p99 where a distribution was measured, unit, target, met)
with the device and versions; ``--json PATH`` also writes it for scripts and CI.
``--quick`` is the CI smoke run (fewer seeds and images, a couple of minutes on a
laptop CPU). The GUI rows need PySide6 and say "not available" without it.
"""

from __future__ import annotations

import sys

TRAINS = True  # trains on the CPU when there is no GPU: the CLI flushes denormals first (core/denormals.py)


def add_arguments(parser) -> None:
    from ..bench.runner import BENCHES
    from .checks import whole_number

    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: fewer seeds and images")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[name for name, _ in BENCHES],
                        help=f"run only these: {', '.join(name for name, _ in BENCHES)}")
    parser.add_argument("--seeds", type=whole_number(1, 100),
                        help="seeds for the seeded benchmarks (default 5, 1 with --quick)")
    parser.add_argument("--data-dir", help="folder with MNIST/raw")


def run(args) -> int:
    from ..bench.context import BenchContext
    from ..bench.runner import format_table, report, run_benches, write_json
    from ..core.data import DatasetUnavailable
    from ..core.devices import DeviceUnavailable
    from .checks import PathProblem, existing_folder, writable_file

    try:  # before minutes of measuring, not after
        if args.json:
            writable_file("--json", args.json)
        if args.data_dir:
            existing_folder("--data-dir", args.data_dir)
    except PathProblem as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        ctx = BenchContext.create(args.device, quick=args.quick, data_dir=args.data_dir, seeds=args.seeds)
        ctx.mnist()
    except (DeviceUnavailable, DatasetUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if ctx.mnist().note:
        print(f"note: {ctx.mnist().note}", file=sys.stderr)
    print(f"resviz bench on {ctx.device_name}{' (quick)' if ctx.quick else ''}…", file=sys.stderr)
    result = report(ctx, run_benches(ctx, args.only))
    print(format_table(result))
    if args.json:
        try:
            write_json(result, args.json)
        except OSError as error:
            print(f"error: cannot write {args.json}: {error}", file=sys.stderr)
            return 1
    return 0
