"""The Landscape tab's background work: plain functions of models and data, run off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ....core.landscape import LandscapeSettings, random_plane, trajectory_plane


@dataclass(frozen=True)
class LandscapeRequest:
    title: str  # the run as people name it, and at which step
    model: object = field(repr=False)  # a replica's model: never mutated, so any thread may read it
    dataset: object = field(repr=False)
    path_states: list | None = field(default=None, repr=False)  # snapshots' weights for a trajectory plane
    final_state: dict | None = field(default=None, repr=False)


def compute_landscapes(requests: list[LandscapeRequest], settings: LandscapeSettings,
                       cancelled: Callable[[], bool], progress: Callable[[str, float], None]) -> list[tuple]:
    """[(title, Landscape, Trajectory or None)] for each request, one after another."""
    results = []
    for index, request in enumerate(requests):
        def step(text, fraction, index=index, title=request.title):
            progress(f"{title}: {text}", (index + fraction) / len(requests))

        if request.path_states is not None:
            grid, path = trajectory_plane(request.model, request.path_states, request.final_state, request.dataset,
                                          settings, progress=step, cancelled=cancelled)
        else:
            grid, path = random_plane(request.model, request.dataset, settings, progress=step,
                                      cancelled=cancelled), None
        results.append((request.title, grid, path))
    return results
