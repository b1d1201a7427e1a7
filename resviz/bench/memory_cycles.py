"""Memory over many Train -> Stop cycles in the real window: it must level off.

Each cycle makes a run that a person keeps in the Runs list, so some growth is the
runs themselves (their curves, and snapshots within the shared byte budget); what
must not grow is what a finished run no longer needs (its trainer, optimizer, data
copy). Target: resident memory after the 50th cycle within 30 MB of the 3rd (each run trains in a process of its own, so what
a run leaves behind goes with its process).
"""

from __future__ import annotations

from .context import BenchContext
from .gui_process import cycles_result, qt_missing
from .rows import Row, target_row, unavailable

NAME = "memory: RSS after cycle 50 minus after cycle 3 (Train, 3 s, Stop)"


def run(ctx: BenchContext) -> list[Row]:
    why = qt_missing()
    if why:
        return [unavailable(NAME, "MiB", why, "<= 30")]
    result = cycles_result(ctx)
    cycles = len(result["resident_mib"])
    resident = result["resident_mib"]
    name = NAME if cycles == 50 else NAME.replace("cycle 50", f"cycle {cycles}")
    note = (f"{result['runs']} runs kept ({result['model']}); RSS cycle 1 {resident[0]:.0f} MiB, cycle 3 "
            f"{resident[2]:.0f}, last {resident[-1]:.0f}; snapshots {result['snapshot_mib']:.0f} MiB")
    return [target_row(name, resident[-1] - resident[2], "MiB", "<= 30", note=note)]
