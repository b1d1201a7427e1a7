"""``resviz`` / ``resviz gui`` / ``resviz FILE.pt`` / ``resviz DIR``: open the window (Qt is imported only here).

``DIR`` is a run folder (``resviz train --run-dir DIR`` writes one): the window follows it live.

Before Qt starts, ``platform_check`` looks for what would make it abort (missing
system libraries, no display) and says what to do instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .checks import PathProblem, existing_folder


def add_arguments(parser) -> None:
    parser.add_argument("checkpoint", nargs="?",
                        help="a checkpoint to open at start, or a run folder to follow (resviz train --run-dir)")
    parser.add_argument("--data-dir", help="folder with MNIST/raw and FashionMNIST/raw (else $RESVIZ_DATA, else the cache)")


def run(args) -> int:
    problem = argument_problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from ..qt.platform_check import find_problem

    problem = find_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    try:
        from ..qt.app import run_app
    except ImportError as error:  # a Qt library the check did not know about
        from ..qt.platform_check import APT_LINE

        print(f"resviz cannot open its window: {error}\nOn Debian or Ubuntu: {APT_LINE}", file=sys.stderr)
        return 1
    if args.checkpoint and Path(args.checkpoint).is_dir():
        return run_app(run_folder=args.checkpoint, data_dir=args.data_dir)
    return run_app(checkpoint=args.checkpoint, data_dir=args.data_dir)


def argument_problem(args) -> str | None:
    """What is wrong with the command line, before a window opens; None if nothing."""
    if args.checkpoint and Path(args.checkpoint).is_dir():
        from ..core.run_folder import is_run_folder

        if not is_run_folder(args.checkpoint):
            return (f"{args.checkpoint} is a folder but not a resviz run folder (it has no run.json); "
                    "a run folder is written by resviz train --run-dir DIR")
    elif args.checkpoint and not Path(args.checkpoint).is_file():
        from . import COMMANDS

        return (f"no such checkpoint file: {args.checkpoint} (a word that is not a file must be a command: "
                f"{', '.join(COMMANDS)})")
    if args.data_dir:
        try:
            existing_folder("--data-dir", args.data_dir)
        except PathProblem as error:
            return str(error)
    return None
