"""One checkpoint format for the GUI and the CLI: weights + a small metadata dict.

Written atomically (a temporary file in the same folder, then ``os.replace``), so a
crash mid-write never leaves half a checkpoint under the real name. Read with
``torch.load(..., weights_only=True)``: a file from the internet can hold tensors and
plain data but never code. Every way a file can be wrong becomes a
``CheckpointError`` whose message a person can act on.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import os
import pickle
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from . import models

FORMAT = "resviz.checkpoint"
FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint could not be written or read; the message says why."""


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    meta: dict  # model, model_config, objective, dataset, classes, input_shape, epoch, step, metrics,
    #             train_config, history, ...
    state_dict: dict[str, torch.Tensor]

    @property
    def model_name(self) -> str:
        return self.meta["model"]

    def build_model(self, device: str | torch.device = "cpu") -> torch.nn.Module:
        """The model with these weights, in eval mode."""
        return build_with_state(self.model_name, self.meta.get("model_config", {}), self.state_dict, device)


def build_with_state(name: str, config: dict, state: dict, device="cpu") -> torch.nn.Module:
    """Build registry model ``name`` and load ``state`` (tensors or numpy arrays) into it."""
    try:
        model = models.build(name, **config)
    except KeyError as error:
        raise CheckpointError(f"This checkpoint is for a model this resviz does not know: {error}") from None
    except TypeError as error:
        raise CheckpointError(f"The checkpoint's model settings do not fit model {name!r}: {error}") from None
    tensors = {k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v for k, v in state.items()}
    try:
        model.load_state_dict(tensors)
    except RuntimeError as error:
        first = str(error).splitlines()[0:3]
        raise CheckpointError(f"The weights do not fit model {name!r}: {' '.join(first)}") from None
    return model.to(device).eval()


def save_checkpoint(path: str | Path, *, model: str, model_config: dict, state_dict: dict, **meta) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "resviz_version": __version__,
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "model": model,
        "model_config": _plain(model_config),
        **_plain(meta),
        "state_dict": {k: v.detach().to("cpu").contiguous() for k, v in state_dict.items()},
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(path: str | Path) -> Checkpoint:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No such file: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about pickle protocols of foreign files
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "GLOBAL" in str(error) or "Unsupported global" in str(error):
            raise CheckpointError(
                f"{path.name} contains Python objects that could run code when loaded; "
                "resviz only opens checkpoints made of plain weights and data, so it refused this file."
            ) from None
        raise CheckpointError(f"{path.name} is corrupt or not a resviz checkpoint (not a plain PyTorch weights file).") from None
    except Exception as error:  # noqa: BLE001 — random bytes make the unpickler fail in any way (IndexError, KeyError, ...)
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(f"{path.name} is corrupt, truncated or not a checkpoint ({reason}).") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is a PyTorch file but not a resviz checkpoint.")
    if payload.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{path.name} was written by a newer resviz ({payload.get('resviz_version')}); update resviz.")
    state = payload.pop("state_dict", None)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path.name} has no weights.")
    if payload.get("model") not in models.names():
        raise CheckpointError(f"{path.name} is for model {payload.get('model')!r}, which this resviz does not know.")
    checkpoint = Checkpoint(path, payload, state)
    checkpoint.build_model()  # fail now, with a clear message, if the weights do not fit
    return checkpoint


def _plain(value):
    """Tuples -> lists, numpy scalars -> Python numbers: only what weights_only reads back."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def checkpoint_dir() -> Path:
    """Where runs are saved unless told otherwise: $RESVIZ_CHECKPOINTS or the user data folder."""
    if os.environ.get("RESVIZ_CHECKPOINTS"):
        return Path(os.environ["RESVIZ_CHECKPOINTS"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "resviz" / "checkpoints"


_handed_out: set[Path] = set()
_handed_out_lock = threading.Lock()


def default_checkpoint_path(model: str, dataset: str) -> Path:
    """``<checkpoints>/<model>-<dataset>-<date>-<time>.pt``, never one already used or handed out:
    runs started in the same second (the Depth lab starts several) each get their own file."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = checkpoint_dir()
    with _handed_out_lock:
        for n in itertools.count(1):
            path = folder / (f"{model}-{dataset}-{stamp}.pt" if n == 1 else f"{model}-{dataset}-{stamp}-{n}.pt")
            if path not in _handed_out and not path.exists():
                _handed_out.add(path)
                return path
