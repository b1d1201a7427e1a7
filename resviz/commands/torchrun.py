"""``resviz torchrun --nproc-per-node N COMMAND ...``: torchrun on this machine, stopped without tracebacks.

    resviz torchrun --nproc-per-node 2 train --model cnn --epochs 3

is ``torchrun --standalone --nproc-per-node 2 -m resviz train --model cnn --epochs 3``
(torch.distributed's own launcher, run in this process), except at Ctrl-C or SIGTERM:
torchrun then passes the signal on to every process, which stop at the same step (rank
0 saves the checkpoint and prints the JSON line), and raises ``SignalException``, whose
traceback says nothing a person needs. Here that is one line. Several machines: use
``torchrun`` itself with its rendezvous options.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time

from .checks import whole_number

PRINTS_JSON = False  # the command it runs prints the JSON


def add_arguments(parser) -> None:
    parser.add_argument("--nproc-per-node", type=whole_number(1, 1024), required=True, metavar="N",
                        help="processes to start (one per GPU, or a few per machine on CPUs)")
    parser.add_argument("--stop-with-parent", action="store_true",
                        help="stop the job (every process saves as at Ctrl-C) when the process that started "
                             "this one ends: the window uses it, so no job outlives it")
    parser.add_argument("resviz_args", nargs=argparse.REMAINDER, metavar="COMMAND ...",
                        help="a resviz command and its flags (train, transfer)")


def run(args) -> int:
    if not args.resviz_args or args.resviz_args[0] not in ("train", "transfer"):
        given = args.resviz_args[0] if args.resviz_args else "nothing"
        print(f"error: resviz torchrun runs train or transfer (got {given}): "
              "resviz torchrun --nproc-per-node 2 train --model cnn", file=sys.stderr)
        return 2
    if args.stop_with_parent:
        stop_when_parent_ends()
    return launch(["--standalone", "--nproc-per-node", str(args.nproc_per_node), "-m", "resviz",
                   *args.resviz_args])


def stop_when_parent_ends(poll_s: float = 0.5) -> None:
    """SIGTERM this launcher once its parent has gone (it is then adopted: its parent pid changes)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os.kill(os.getpid(), signal.SIGTERM)  # torchrun passes it on: every process stops and rank 0 saves

    threading.Thread(target=watch, name="resviz-parent-watch", daemon=True).start()


def launch(torchrun_argv: list[str]) -> int:
    """torch.distributed.run with ``torchrun_argv``; a stop signal or a failed process is one line."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser
    from torch.distributed.run import run as torchrun

    try:
        torchrun(get_args_parser().parse_args(torchrun_argv))
    except SignalException as stopped:  # torchrun has passed it on and waited for the processes
        name = signal.Signals(stopped.sigval).name
        print(f"resviz torchrun: stopped by {name}: every process stopped at the same step; "
              "rank 0's checkpoint and result are above", file=sys.stderr)
        return 128 + int(stopped.sigval)
    except ChildFailedError as failed:  # torchrun has printed its report; the process's own error is above it
        rank, failure = failed.get_first_failure()
        print(f"error: resviz torchrun: rank {rank} failed first (exit code {failure.exitcode}); "
              "its message is above", file=sys.stderr)
        return 1
    return 0
