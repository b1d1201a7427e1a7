"""The models panels look at: one frozen CPU replica per (run, snapshot), the most recently used kept.

Building a replica from a snapshot's arrays costs a model's construction; panels ask
for the same one many times a second while a person scrubs History or draws, so the
last few are kept (a least-recently-used cache), and a run's are dropped with it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from .events import Snapshot
from .replica import ModelReplica

REPLICAS_KEPT = 6  # models built for panels, most recently used first


class ModelCache:
    def __init__(self, kept: int = REPLICAS_KEPT):
        self.kept = kept
        self._replicas: OrderedDict[tuple[str, int], ModelReplica] = OrderedDict()

    def get(self, run_id: str, snapshot: Snapshot, build: Callable[[], ModelReplica]) -> ModelReplica:
        """The replica of ``run_id`` at ``snapshot``, built by ``build()`` the first time."""
        key = (run_id, id(snapshot))
        replica = self._replicas.get(key)
        if replica is None:
            replica = self._replicas[key] = build()
            while len(self._replicas) > self.kept:
                self._replicas.popitem(last=False)
        self._replicas.move_to_end(key)
        return replica

    def put(self, run_id: str, snapshot: Snapshot, replica: ModelReplica) -> None:
        """A replica already built (a model shown as it is in memory) for that snapshot."""
        self._replicas[(run_id, id(snapshot))] = replica

    def forget(self, run_id: str) -> None:
        for key in [k for k in self._replicas if k[0] == run_id]:
            del self._replicas[key]

    def __len__(self) -> int:
        return len(self._replicas)
