"""Starting a run from another run's weights: the first step of transfer learning.

``TrainConfig.init_from`` names a resviz checkpoint; its weights are copied into the
freshly built model before training, except under the ``init_skip`` prefixes (a new
head for new classes), which keep their fresh initialisation. Everything else must fit
exactly: a silently half-loaded network would make a transfer experiment meaningless.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from .checkpoints import load_checkpoint


def _under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def warm_start(model: nn.Module, checkpoint_path: str | Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Copy the checkpoint's weights into ``model`` (except under ``skip``); the names copied.

    Raises ValueError with a readable message when a weight is missing or has another shape.
    """
    source = load_checkpoint(checkpoint_path).state_dict  # CheckpointError: a clear message
    own = model.state_dict()
    wanted = [name for name in own if not _under(name, skip)]
    missing = [name for name in wanted if name not in source]
    misfit = [f"{name} is {_shape(source[name])} there, {_shape(own[name])} here"
              for name in wanted if name in source and source[name].shape != own[name].shape]
    if missing or misfit:
        what = "; ".join(misfit[:3] + [f"{name} is missing" for name in missing[:3]])
        raise ValueError(f"The weights of {Path(checkpoint_path).name} do not fit this model: {what}. "
                         "Skip the layers that differ (init_skip), e.g. a head for a different number of classes.")
    model.load_state_dict({name: source[name] for name in wanted}, strict=False)
    return wanted


def _shape(tensor) -> str:
    return "×".join(str(s) for s in tensor.shape) or "a scalar"
