"""``resviz`` opens the window; ``resviz train|eval|sample|export|bench|arch|depth|transfer|torchrun ...`` work without one.

Each command lives in its own module under ``resviz.commands`` (its ``COMMANDS`` lists
them) with ``add_arguments(parser)`` and ``run(args) -> exit code``; only the chosen one is
imported, so ``resviz train`` never loads Qt. ``resviz FILE.pt`` is ``resviz gui FILE.pt``, and
``resviz DIR`` (a run folder another process writes: ``resviz train --run-dir DIR``) is
``resviz gui DIR``, which follows that run live.

A failure nobody foresaw becomes one line for the person, with the traceback
written to the log folder (``resviz.core.logs``); ``--verbose`` prints it too. A full
disk and a target that may not be replaced (``core.atomic``) are foreseen: their own
message, no "failed: RuntimeError".
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from pathlib import Path

from .commands import COMMANDS

CHECKPOINT_SUFFIXES = (".pt", ".pth")


class _Parser(argparse.ArgumentParser):
    """argparse, plus a JSON error line on stdout for commands whose last line is JSON."""

    prints_json = False

    def error(self, message: str):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        if self.prints_json:
            print(json.dumps({"error": message}))
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="resviz",
        description="Watch CNNs, ResNets and VAEs learn. With no command, opens the window; "
                    "`resviz FILE.pt` opens a checkpoint in it.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command_parser.prints_json = getattr(module, "PRINTS_JSON", False)
        command_parser.set_defaults(_module=module_name)
        module.add_arguments(command_parser)
        command_parser.add_argument("-v", "--verbose", action="store_true",
                                    help="print tracebacks and debug messages (they always go to the log)")
    return parser


def route(argv: list[str]) -> list[str]:
    """``resviz``, ``resviz --data-dir X``, ``resviz FILE.pt`` and ``resviz DIR`` all mean the window
    (a folder that is not a run folder is refused there, saying so)."""
    if not argv:
        return ["gui"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help"):
        return argv
    path = Path(first)
    if first.startswith("-") or path.suffix in CHECKPOINT_SUFFIXES or path.is_file() or path.is_dir():
        return ["gui", *argv]
    return argv  # argparse answers "invalid choice" and lists the commands


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(route(argv))
    except SystemExit as done:  # --help, or a bad flag (argparse printed why)
        return done.code if isinstance(done.code, int) else 1
    from .core.atomic import DiskFull, UnsafeTarget
    from .core.data import DatasetUnavailable
    from .core.logs import configure_logging, log_failure, with_log_hint
    from .core.torchvision_pair import TorchvisionMismatch

    configure_logging(args.verbose)
    module = importlib.import_module(args._module)
    if getattr(module, "TRAINS", False):  # before its first torch operation starts the worker threads
        from .core.denormals import flush_denormals

        flush_denormals()
    try:
        return module.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (DiskFull, UnsafeTarget, TorchvisionMismatch, DatasetUnavailable) as error:
        # what the person fixes (room on the disk, another file name, a matching torchvision, a damaged
        # data file): one plain line, never a traceback, whichever command met it
        return _say(module, f"resviz {args.command}: {error}", 1 if isinstance(error, DiskFull) else 2)
    except Exception as error:  # noqa: BLE001 — one clear line for the person, the traceback in the log
        message = f"resviz {args.command} failed: {type(error).__name__}: {error}"
        log = log_failure(message, traceback.format_exc())
        if args.verbose:
            traceback.print_exc()
        return _say(module, with_log_hint(message, log), 1, log=str(log) if log else None, error=message)


def _say(module, message: str, code: int, **json_fields) -> int:
    """``error: message`` on stderr, and the JSON line for commands whose last line is JSON."""
    print(f"error: {message}", file=sys.stderr)
    if getattr(module, "PRINTS_JSON", False):
        print(json.dumps({"error": message, **json_fields}))
    return code
