"""``resviz`` opens the window; ``resviz train|eval|sample|bench ...`` work without one.

Each command lives in its own module under ``resviz.commands`` with
``add_arguments(parser)`` and ``run(args) -> exit code``; only the chosen one is
imported, so ``resviz train`` never loads Qt.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "gui": ("resviz.commands.gui", "open the resviz window (the default)"),
    "train": ("resviz.commands.train", "train a model without a window; last line is JSON"),
    "eval": ("resviz.commands.evaluate", "evaluate a checkpoint on the test set; last line is JSON"),
    "sample": ("resviz.commands.sample", "new digits from a VAE checkpoint as .npy or .png; last line is JSON"),
    "bench": ("resviz.commands.bench", "measure speed and smoothness targets; prints a table, --json PATH"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resviz",
        description="Watch CNNs, ResNets and VAEs learn. With no command, opens the window.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command_parser.set_defaults(_module=module_name)
        importlib.import_module(module_name).add_arguments(command_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["gui", *argv]
    args = build_parser().parse_args(argv)
    if args.command is None:
        args = build_parser().parse_args(["gui"])
    return importlib.import_module(args._module).run(args)
