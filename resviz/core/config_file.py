"""A whole ``TrainConfig`` as a JSON file: how the window hands a run to ``resviz train --config``.

The window's Training form sets more than the command's flags say (a model's own
config, betas, recorders, ...); a multi-process run from the window is launched as
``resviz torchrun ... train --config FILE`` so that every setting arrives. Reading it
runs no code: plain JSON, a size limit, and every field checked by ``TrainConfig``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

from .atomic import atomic_write_bytes
from .trainer import TrainConfig

MAX_BYTES = 1 << 20  # a config is a few hundred bytes; anything this big is not one


def save_train_config(path: str | Path, config: TrainConfig) -> Path:
    return atomic_write_bytes(Path(path), json.dumps(asdict(config), indent=1).encode("utf-8"))


def load_train_config(path: str | Path) -> TrainConfig:
    """The config in ``path``; ValueError saying what is wrong (not JSON, not an object, unknown or bad fields)."""
    path = Path(path).expanduser()
    with open(path, "rb") as file:
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"{path} is over {MAX_BYTES // 1024} KiB: not a training config")
    try:
        values = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a JSON training config ({error})") from None
    if not isinstance(values, dict):
        raise ValueError(f"{path} holds a JSON {type(values).__name__}, not a training config (an object)")
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{path}: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    try:
        return TrainConfig(**values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from None
