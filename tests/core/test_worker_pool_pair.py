"""Runs that start together get a warm process each: the pool warms as many as asked, and a run knows
whether its process was still importing torch when it was handed the run."""

from __future__ import annotations

import time

from resviz.core.events import Done, Loading, Started
from resviz.core.process_run import ProcessRun, WorkerPool
from resviz.core.trainer import TrainConfig

CONFIG = dict(model="mnist1d-mlp", dataset="mnist1d", device="cpu", epochs=1, batch_size=100, train_subset=200,
              test_subset=100)


def _until(condition, timeout_s: float) -> bool:
    """Wait for a state of other processes (their imports), checking a few times a second."""
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


def _until_started(run: ProcessRun) -> list:
    events = []
    for event in run.events():
        events.append(event)
        if isinstance(event, Started):
            run.stop()
    return events


def test_two_warm_workers_for_a_pair_and_a_cold_one_says_it_is_starting():
    pool = WorkerPool(spare=1)
    try:
        pool.warm_up(2)  # a pair is about to start
        assert len(pool._idle) == 2
        assert _until(lambda: pool.ready_count() == 2, 120), "the workers never said they were ready"
        pair = [ProcessRun(TrainConfig(**CONFIG), pool=pool) for _ in range(2)]
        assert [run.starting for run in pair] == [False, False]  # both warm: they start training at once
        assert len(pool._idle) == 1 and pool.ready_count() == 0  # refilled to the usual one spare, a cold one
        third = ProcessRun(TrainConfig(**CONFIG), pool=pool)
        assert third.starting  # taken while still importing torch
        for run in (*pair, third):
            events = _until_started(run)
            assert isinstance(events[0], Loading) and any(isinstance(e, Started) for e in events)
            assert isinstance(events[-1], Done)  # stopped, or done already: two steps
            assert not run.starting  # it said "ready" before its first event
    finally:
        pool.close()
