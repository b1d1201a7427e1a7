"""``resviz depth``: the Depth lab's presets, trained without a window.

    resviz depth                        # every preset, one table each
    resviz depth --preset batchnorm     # one preset
    resviz depth --quick                # the degradation preset, shortened (under 3 minutes on 2 cores)
    resviz depth --list                 # the presets and what each shows

Torch gets one CPU thread unless --threads says otherwise (the nets are small).

Each preset's runs train one after another (core/depth_lab). Progress goes to stderr,
a table per preset to stdout, and the last stdout line is the JSON list of rows (one
per run: variant, depth, batchnorm, activation, train_loss, test_accuracy, grad_ratio,
seconds, parameters, ...); ``--json PATH`` also writes it to PATH. Ctrl-C (or SIGTERM) stops the run
in progress and skips the rest; the rows so far are still printed. ``--run-dir DIR`` writes one
run folder per net as it trains, DIR/<index>-<preset>-<net>/ (``core/run_folder.py``: curves and
gradient norms; these runs keep no checkpoint), for ``resviz DIR/<one of them>`` to follow.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ..core.durations import format_seconds
from .checks import PathProblem, existing_folder, writable_file
from .json_output import emit
from .progress import ProgressBar, stopping_on_signals

TRAINS = True  # trains on the CPU when there is no GPU: the CLI flushes denormals first (core/denormals.py)


def add_arguments(parser) -> None:
    parser.add_argument("--preset", metavar="NAME",
                        help="degradation, batchnorm or relu-vs-tanh (default: all of them)")
    parser.add_argument("--quick", action="store_true",
                        help="the degradation preset with fewer steps: under 3 minutes on 2 CPU cores")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="CPU threads for torch (default 1: these nets are small, a second thread gains little, "
                             "and on a busy machine threads that wait for each other cost minutes)")
    parser.add_argument("--json", metavar="PATH", help="also write the JSON list to PATH")
    parser.add_argument("--data-dir", help="folder with MNIST/raw")
    parser.add_argument("--list", action="store_true", help="name the presets and exit")
    parser.add_argument("--run-dir", metavar="DIR",
                        help="write a run folder per net, DIR/<index>-<preset>-<net>/, for `resviz` to follow live")


def _fail(flag: str, message: str) -> int:
    print(f"error: {flag}: {message}", file=sys.stderr)
    print(json.dumps({"error": f"{flag}: {message}"}))
    return 2


def _flag_and_reason(message: str) -> tuple[str, str]:
    """("--json", "the reason") from a PathProblem's "--json PATH: the reason"."""
    flag, _, rest = message.partition(" ")
    return flag.rstrip(":"), rest


def _chosen(args, depth_lab) -> tuple[list, tuple[str, str] | None]:
    """The presets to train, or ([], (the flag, why it is refused))."""
    if args.quick:
        if args.preset not in (None, depth_lab.QUICK_PRESET):
            return [], ("--quick", f"it runs the {depth_lab.QUICK_PRESET} preset; leave out --preset {args.preset}")
        return [depth_lab.PRESETS[depth_lab.QUICK_PRESET]], None
    if args.preset is None:
        return list(depth_lab.PRESETS.values()), None
    try:
        return [depth_lab.preset(args.preset)], None
    except depth_lab.DepthLabError as error:
        return [], ("--preset", str(error))


def run(args) -> int:
    from ..core import depth_lab
    from ..core.data import DatasetUnavailable, load_dataset
    from ..core.devices import DeviceUnavailable, resolve_device

    if args.list:
        for p in depth_lab.PRESETS.values():
            print(f"{p.key:14s} {p.title}\n{'':14s} {p.recipe.text}")
        print(json.dumps([{"preset": p.key, "title": p.title, "sentence": p.sentence,
                           "runs": [r.label for r in p.runs]} for p in depth_lab.PRESETS.values()]))
        return 0
    presets, refusal = _chosen(args, depth_lab)
    if refusal:
        return _fail(*refusal)
    try:
        resolve_device(args.device)
    except DeviceUnavailable as error:
        return _fail("--device", str(error))
    if args.threads < 1:
        return _fail("--threads", f"must be at least 1 (got {args.threads})")
    if args.json and not Path(args.json).expanduser().resolve().parent.is_dir():
        return _fail("--json", f"the folder of {args.json} does not exist")
    folders = run_folder_names(presets, args.quick)
    try:  # before training: an hour's rows must have somewhere to go
        if args.json:
            writable_file("--json", args.json)
        if args.data_dir:
            existing_folder("--data-dir", args.data_dir)
        if args.run_dir:
            check_run_dirs(args.run_dir, folders)
    except PathProblem as error:
        return _fail(*_flag_and_reason(str(error)))
    import torch

    torch.set_num_threads(args.threads)
    bar = ProgressBar(sys.stderr)  # the stderr of now (a test may have swapped it since import)
    try:
        dataset = load_dataset("mnist", args.data_dir, progress=lambda text, f: bar.update(f, text))
    except DatasetUnavailable as error:
        return _fail("--data-dir", str(error))
    if dataset.note:
        bar.message(f"note: {dataset.note}")

    stopping = []
    rows = []
    first = 0  # the index of the preset's first run among all of them (its run folder's number)
    with stopping_on_signals(bar, lambda: stopping.append(True)):  # Ctrl-C or SIGTERM: the rows so far
        for p in presets:
            runs, recipe = p.plan(args.quick)
            bar.message(f"{p.key}: {len(runs)} runs, {recipe.text}")
            report = _reporter(bar, len(runs))
            if args.run_dir:
                report = _writing_folders(report, bar, Path(args.run_dir), folders[first:first + len(runs)])
            preset_rows = depth_lab.train_preset(
                p, quick=args.quick, device=args.device, dataset=dataset, data_dir=args.data_dir,
                progress=report, should_stop=lambda: bool(stopping))
            first += len(runs)
            rows.extend(preset_rows)
            for line in table_lines(p, preset_rows):
                print(line)
            print()
            if stopping:
                break
    return emit(rows, args.json)


def run_folder_names(presets, quick: bool) -> list[str]:
    """One folder name per run, in training order: '01-degradation-plain-20-no-bn-relu'."""
    names = []
    for p in presets:
        runs, _ = p.plan(quick)
        names.extend(f"{len(names) + 1:02d}-{_slug(p.key)}-{_slug(run.label)}" for run in runs)
    return names


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def check_run_dirs(run_dir: str, names: list[str]) -> None:
    """DIR and each run's sub-folder can be written as new run folders: PathProblem ("--run-dir ...") otherwise."""
    from .checks import writable_folder
    from .train import check_run_dir

    writable_folder("--run-dir", run_dir)
    for name in names:
        check_run_dir("--run-dir", str(Path(run_dir).expanduser() / name))


def _writing_folders(report, bar: ProgressBar, run_dir: Path, names: list[str]):
    """``report``, after writing each event into its run's folder (opened at its first event, closed at its last)."""
    from ..core.events import Done, Failed
    from .train import close_run_folder, open_run_folder

    open_folders: dict[int, tuple] = {}

    def write(index: int, run, event) -> None:
        if index not in open_folders:
            try:
                open_folders[index] = open_run_folder("--run-dir", str(run_dir / names[index]), bar)
            except (OSError, ValueError) as error:
                bar.message(f"warning: --run-dir: {run_dir / names[index]} cannot be written: {error}")
                open_folders[index] = (None, None)
        writer, write_event = open_folders[index]
        if write_event is not None:
            write_event(event)
            if isinstance(event, (Done, Failed)):
                close_run_folder(writer, bar)
        report(index, run, event)
    return write


def _reporter(bar: ProgressBar, count: int):
    from ..core.events import Done, Failed, Step

    def report(index: int, run, event) -> None:
        if isinstance(event, Step):
            bar.update(event.step / event.total_steps,
                       f"run {index + 1}/{count} {run.name}: step {event.step}/{event.total_steps} "
                       f"loss {event.loss:.3f} ETA {format_seconds(event.eta_s)}")
        elif isinstance(event, Done):
            bar.message(f"run {index + 1}/{count} {run.name}: {'stopped' if event.stopped else 'done'} "
                        f"in {event.seconds:.1f} s")
        elif isinstance(event, Failed):
            bar.message(f"run {index + 1}/{count} {run.name}: failed: {event.message}")
    return report


def _number(value, spec: str, missing: str = "—") -> str:
    return missing if value is None else format(value, spec)


def table_lines(p, rows: list[dict]) -> list[str]:
    """The preset's results as a table a person reads."""
    target = p.target_loss
    header = (f"{'run':34s} {'train loss':>10s} {'test acc':>9s} {'grad ratio':>10s} {'time':>8s} {'params':>8s}"
              + (f" {'steps to ' + format(target, 'g'):>12s}" if target is not None else ""))
    lines = [f"{p.key}: {p.title}", header]
    for row in rows:
        accuracy = None if row["test_accuracy"] is None else row["test_accuracy"] * 100
        line = (f"{row['name'][:34]:34s} {_number(row['train_loss'], '.3f'):>10s} "
                f"{_number(accuracy, '.1f') + ('%' if accuracy is not None else ''):>9s} "
                f"{_number(row['grad_ratio'], '.1e'):>10s} {row['seconds']:>7.1f}s "
                f"{_number(row['parameters'], ',d'):>8s}")
        if target is not None:
            line += f" {_number(row.get('steps_to_target'), 'd', 'never'):>12s}"
        if row["status"] not in ("done",):
            line += f"  ({row['status']})"
        lines.append(line)
    return lines
