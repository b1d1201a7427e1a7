"""One checkpoint format for the GUI and the CLI: weights + a small metadata dict.

Written with ``atomic.atomic_write``, so a crash mid-write never leaves half a
checkpoint under the real name, and a full disk says so (``DiskFull``). Read with
``torch.load(..., weights_only=True)``: a file from the internet can hold tensors and
plain data but never code. The metadata carries a SHA-256 of the weights, so flipped
bytes are refused as corrupt rather than silently evaluated; every metadata field is
checked against what resviz writes. Every way a file can be wrong becomes a
``CheckpointError`` whose message a person can act on; weights that load but hold
NaN or infinite values are kept with a warning (``Checkpoint.warnings``).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import logging
import os
import pickle
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from . import models
from .atomic import atomic_write

FORMAT = "resviz.checkpoint"
FORMAT_VERSION = 1
DIGEST_KEY = "weights_digest"  # "sha256:<hex>" of the weights (weights_digest()); absent in older files

log = logging.getLogger("resviz")


class CheckpointError(RuntimeError):
    """A checkpoint could not be written or read; the message says why."""


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    meta: dict  # run_meta.RunMeta's fields, weights_digest, format, resviz_version, created
    state_dict: dict[str, torch.Tensor]
    non_finite: tuple[str, ...] = ()  # names of the weight tensors holding NaN or infinite values

    @property
    def model_name(self) -> str:
        return self.meta["model"]

    @property
    def warnings(self) -> list[str]:
        """What a person should be told before using these weights (empty when nothing)."""
        if not self.non_finite:
            return []
        shown = ", ".join(self.non_finite[:5]) + (", ..." if len(self.non_finite) > 5 else "")
        return [f"{self.path.name}: {len(self.non_finite)} of {len(self.state_dict)} weight tensors hold NaN or "
                f"infinite values ({shown}); the model's outputs will be meaningless (the run diverged "
                "before it was saved)."]

    def build_model(self, device: str | torch.device = "cpu") -> torch.nn.Module:
        """The model with these weights, in eval mode."""
        return build_with_state(self.model_name, self.meta.get("model_config", {}), self.state_dict, device)


@dataclass(frozen=True)
class UnsavedCheckpoint:
    """A checkpoint no folder had room for: what ``save_checkpoint`` needs, held on the CPU so
    the trained weights outlive the run until someone saves them (``save``)."""

    model: str
    model_config: dict
    meta: dict
    state_dict: dict[str, torch.Tensor] = field(repr=False)
    tried: tuple[str, ...] = ()  # where writing it failed, in order

    def save(self, path: str | Path) -> Path:
        return save_checkpoint(path, model=self.model, model_config=self.model_config,
                               state_dict=self.state_dict, **self.meta)


def build_with_state(name: str, config: dict, state: dict, device="cpu") -> torch.nn.Module:
    """Build registry model ``name`` and load ``state`` (tensors or numpy arrays) into it."""
    try:
        model = models.build(name, **config)
    except KeyError as error:
        raise CheckpointError(f"This checkpoint is for a model this resviz does not know: {error}") from None
    except Exception as error:  # noqa: BLE001 — settings read from a file can fail a builder in any way
        raise CheckpointError(f"The checkpoint's model settings do not fit model {name!r}: {error}") from None
    # a memory-mapped snapshot (spilled_weights) is read-only: torch wants arrays it could write
    tensors = {k: torch.as_tensor(v if v.flags.writeable else np.array(v)) if isinstance(v, np.ndarray) else v
               for k, v in state.items()}
    try:
        model.load_state_dict(tensors)
    except RuntimeError as error:
        first = str(error).splitlines()[0:3]
        raise CheckpointError(f"The weights do not fit model {name!r}: {' '.join(first)}") from None
    return model.to(device).eval()


def weights_digest(state_dict: dict[str, torch.Tensor]) -> str:
    """``sha256:<hex>`` over every tensor's name, dtype, shape and bytes, in sorted name order."""
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().to("cpu").contiguous()
        digest.update(f"{name}\0{tensor.dtype}\0{tuple(tensor.shape)}\0".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return "sha256:" + digest.hexdigest()


def save_checkpoint(path: str | Path, *, model: str, model_config: dict, state_dict: dict, **meta) -> Path:
    """Write weights + metadata (and the weights' digest) to ``path`` atomically.

    Raises ``atomic.UnsafeTarget`` (a ValueError) when ``path`` is not a file resviz may
    replace, ``atomic.DiskFull`` (an OSError) when the disk is full, other OSErrors as they come.
    """
    state = {k: v.detach().to("cpu").contiguous() for k, v in state_dict.items()}
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "resviz_version": __version__,
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "model": model,
        "model_config": plain_data(model_config),
        **plain_data(meta),
        DIGEST_KEY: weights_digest(state),
        "state_dict": state,
    }
    return atomic_write(path, lambda file: torch.save(payload, file))


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read and check a checkpoint: plain data only, every field as resviz writes it, the digest
    matching the weights, the weights fitting the model. Raises ``CheckpointError`` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No such file: {path}")
    payload = _read(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is a PyTorch file but not a resviz checkpoint.")
    state = payload.pop("state_dict", None)
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise CheckpointError(f"{path.name} has no weights.")
    _check_fields(path, payload)
    if payload.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{path.name} was written by a newer resviz ({payload.get('resviz_version')}); update resviz.")
    if payload.get("model") not in models.names():
        raise CheckpointError(f"{path.name} is for model {payload.get('model')!r}, which this resviz does not know.")
    _check_digest(path, payload, state)
    checkpoint = Checkpoint(path, payload, state, _non_finite(state))
    checkpoint.build_model()  # fail now, with a clear message, if the weights do not fit
    for warning in checkpoint.warnings:
        log.warning(warning)
    return checkpoint


def _read(path: Path):
    """``torch.load`` with plain data only; any failure becomes a CheckpointError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about pickle protocols of foreign files
            return torch.load(path, map_location="cpu", weights_only=True)
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


def _check_digest(path: Path, payload: dict, state: dict) -> None:
    """Refuse weights whose bytes differ from those saved; a file without a digest (older) passes."""
    stored = payload.get(DIGEST_KEY)
    if stored is None:
        return
    if stored != weights_digest(state):
        raise CheckpointError(f"{path.name} is corrupt: its weights do not match the digest saved with them "
                              "(the file was damaged or altered after it was written).")


def _non_finite(state: dict[str, torch.Tensor]) -> tuple[str, ...]:
    """Names of the floating-point tensors holding NaN or infinity."""
    return tuple(name for name, tensor in state.items()
                 if (tensor.is_floating_point() or tensor.is_complex()) and not bool(torch.isfinite(tensor).all()))


# --- metadata: each field as resviz writes it -----------------------------------------------------
_MAX_DEPTH = 32  # deeper nesting than any settings resviz writes


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_plain(value, depth: int = 0) -> bool:
    """None, bools, numbers, strings, and lists / str-keyed dicts of them: settings, never tensors."""
    if depth > _MAX_DEPTH:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def _is_plain_dict(value) -> bool:
    return isinstance(value, dict) and _is_plain(value)


def _list_of(check):
    return lambda value: isinstance(value, (list, tuple)) and all(check(v) for v in value)


def _dict_of(check):
    return lambda value: isinstance(value, dict) and all(isinstance(k, str) and check(v) for k, v in value.items())


def _optional(check):
    """For fields their readers treat None as absent (``meta.get(key) or default``)."""
    return lambda value: value is None or check(value)


def _shape(value) -> bool:
    return _list_of(lambda n: _is_int(n) and n > 0)(value) and 1 <= len(value) <= 4


def _count(value) -> bool:
    return _is_int(value) and value >= 0


def _digest(value) -> bool:
    return isinstance(value, str) and value.startswith("sha256:") and len(value) == 7 + 64


def _str(value) -> bool:
    return isinstance(value, str)

_FIELDS = {  # field -> (check, what resviz writes there)
    "format_version": (_is_int, "the whole number resviz writes"),
    "resviz_version": (_str, "the version string resviz writes"),
    "created": (_str, "the date string resviz writes"),
    "model": (_str, "a model name"),
    "name": (_str, "the run's name"),
    "model_config": (_is_plain_dict, "the dict of plain settings resviz writes"),
    "objective": (_str, "an objective name"),
    "kind": (_str, "a model kind name"),  # the objective's old name, in files from before it was renamed
    "dataset": (_str, "a dataset name"),
    "dataset_title": (_str, "a dataset title"),
    "dataset_options": (_optional(_is_plain_dict), "the dict of plain options resviz writes"),
    "classes": (_optional(_list_of(_str)), "the list of class names (strings) resviz writes"),
    "input_shape": (_optional(_shape), "the list of 1 to 4 positive whole numbers resviz writes"),
    "epoch": (_count, "the whole number of epochs resviz writes"),
    "step": (_count, "the whole number of steps resviz writes"),
    "metrics": (_dict_of(_is_number), "the dict of named numbers resviz writes"),
    "train_config": (_is_plain_dict, "the dict of plain settings resviz writes"),
    "history": (_optional(_dict_of(_list_of(_is_number))), "the dict of lists of numbers resviz writes"),
    "seconds": (_optional(lambda v: _is_number(v) and v >= 0), "the non-negative number of seconds resviz writes"),
    DIGEST_KEY: (_digest, "the 'sha256:<hex>' string resviz writes"),
}


def _check_fields(path: Path, meta: dict) -> None:
    """Every metadata field as resviz writes it; unknown fields hold plain data only."""
    for key, value in meta.items():
        check, expected = _FIELDS.get(key, (_is_plain, "plain data (resviz keeps weights only in 'state_dict')"))
        if not check(value):
            raise CheckpointError(f"{path.name} is not a checkpoint resviz wrote as it is: its {key!r} is "
                                  f"{_describe(value)}, not {expected}.")


def _describe(value) -> str:
    """``a str``, ``a list holding a str``, ...: what a wrong field is, in a few words."""
    kind = type(value).__name__
    article = "an" if kind[:1] in "aeiou" else "a"
    if isinstance(value, (list, tuple)) and value:
        return f"{article} {kind} holding {', '.join(sorted({type(v).__name__ for v in value}))}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{article} {kind} ({value})"
    return f"{article} {kind}"


def plain_data(value):
    """Tuples -> lists, numpy scalars -> Python numbers: only what weights_only reads back."""
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
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
