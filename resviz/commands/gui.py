"""``resviz`` / ``resviz gui``: open the window (Qt is imported only here)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("checkpoint", nargs="?", help="a checkpoint to open at start")
    parser.add_argument("--data-dir", help="folder with MNIST/raw and FashionMNIST/raw (else $RESVIZ_DATA, else the cache)")


def run(args) -> int:
    from ..qt.app import run_app

    return run_app(checkpoint=args.checkpoint, data_dir=args.data_dir)
