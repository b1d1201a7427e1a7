"""Seed 002's transfer learning: an ImageNet-pretrained ResNet-50 with a new head.

backbone: torchvision's ResNet-50 (He et al. 2016, https://arxiv.org/abs/1512.03385)
without its 1000-class layer: 2048 features per image after global average pooling.
head, as the seed: Linear(2048, 512) -> ReLU -> Dropout(0.2) -> Linear(512, classes)
-> LogSoftmax, trained with the negative log-likelihood (the classifier objective's
cross-entropy of log-probabilities is exactly that; see objectives.py). The seed's
recipe: backbone frozen, Adam at 0.003, one epoch, 128x128 images.

Inputs are in [0, 1] like every resviz model's; the ImageNet normalisation the weights
were trained with is inside the model, and a grey image is given as three equal
channels. ``forward`` also takes the backbone's 2048 features in place of images: with
the backbone frozen, the trainer computes them once per image
(callbacks/frozen_features.py) and each step runs only the head.

Where the backbone's starting weights come from (``weights``) is not part of the
architecture (``TransferConfig``): "imagenet" (torchvision's
``ResNet50_Weights.IMAGENET1K_V2``, downloaded into torch's cache on first use), the
path of a ResNet-50 state-dict file (read with ``weights_only=True``), or "none"
(random). A run's snapshots and checkpoints store only the config, so rebuilding the
model from them never downloads anything: their own weights are loaded over it.
"""

from __future__ import annotations

import pickle
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..download import download_checked
from ..torchvision_pair import import_torchvision
from .registry import ModelSpec, register

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
FEATURES = 2048  # what ResNet-50's global average pool gives per image
SAVE_HINT = ("Use torchvision's own ResNet-50 weights file (resnet50-11ad3fa6.pth), or a plain state dict saved "
             "with torch.save(model.state_dict(), FILE).")


class WeightsUnavailable(RuntimeError):
    """The backbone's weights can be neither found nor downloaded; the message says what to do."""


@dataclass
class TransferConfig:
    num_classes: int = 2
    image_size: int = 128  # seed 002's 128x128; ImageNet's own is 224
    in_channels: int = 3  # a grey image goes in as three equal channels
    hidden: int = 512  # the head's hidden layer (the seed's 512)
    dropout: float = 0.2


class TransferResNet(nn.Module):
    feature_stage = "backbone"  # the module whose output may be cached when it is frozen

    def __init__(self, config: TransferConfig | None = None, weights: str = "none", **overrides):
        super().__init__()
        config = config or TransferConfig(**overrides)
        self.config = config
        backbone = import_torchvision().models.resnet50(weights=None)
        backbone.fc = nn.Identity()  # the 1000 ImageNet classes go; the head replaces them
        self.backbone = backbone
        self.head = nn.Sequential(
            nn.Linear(FEATURES, config.hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.num_classes),
            nn.LogSoftmax(dim=1),
        )
        # not in the state dict: constants of the weights, not learned
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.input_shape = (config.in_channels, config.image_size, config.image_size)
        if weights != "none":
            self.backbone.load_state_dict(backbone_state_dict(weights, self.backbone.state_dict()))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Images [N, C, H, W] in [0, 1] -> the backbone's features [N, 2048]."""
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return self.backbone((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-probabilities [N, classes] of images, or of their features [N, 2048]."""
        return self.head(x if x.ndim == 2 else self.features(x))


# --- where the backbone's weights come from ------------------------------------------------
def imagenet_weights_file(download: bool = True, progress=None, timeout: float = 30.0) -> Path:
    """torchvision's ResNet-50 ImageNet weights in torch's cache, downloaded there if missing."""
    url = import_torchvision().models.ResNet50_Weights.IMAGENET1K_V2.url
    target = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    if target.is_file():
        return target
    reason = "downloads are off"
    if download:
        try:
            _download(url, target, progress, timeout)
            return target
        except (OSError, urllib.error.URLError, ValueError) as error:
            reason = f"the download failed: {str(error).strip() or type(error).__name__}"
    raise WeightsUnavailable(
        f"ResNet-50's ImageNet weights ({target.name}, 98 MB) are not in torch's cache ({target.parent}) and "
        f"{reason}. Connect to the internet once (they are then kept there), or give a local ResNet-50 "
        "state-dict file with --weights FILE (in the window: Transfer ▸ Weights ▸ a file), e.g. one saved "
        "elsewhere by torch.save(torchvision.models.resnet50(weights='IMAGENET1K_V2').state_dict(), FILE).")


def _download(url: str, target: Path, progress, timeout: float) -> None:
    """Into a temporary file beside ``target``, checked against the hash in its name, then renamed."""
    expected = target.stem.rsplit("-", 1)[-1]  # torchvision names files <model>-<sha256 prefix>.pth
    target.parent.mkdir(parents=True, exist_ok=True)
    report = None if progress is None else (
        lambda done, total: progress(f"Downloading ResNet-50 ImageNet weights: {done / 2**20:.0f} MB", done / total))
    download_checked(url, target, "sha256", expected, timeout, report, chunk=1 << 20)


def backbone_state_dict(weights: str, expected: dict | None = None, progress=None) -> dict[str, torch.Tensor]:
    """The backbone's tensors from "imagenet" or a state-dict file, checked against ``expected``
    (a backbone's own state dict; by default a fresh one's). Raises WeightsUnavailable."""
    path = imagenet_weights_file(progress=progress) if weights == "imagenet" else Path(weights).expanduser()
    if not path.is_file():
        raise WeightsUnavailable(f"The weights file {path} does not exist.")
    state = _load_tensors(path)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):  # a resviz (or Lightning) checkpoint
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise WeightsUnavailable(f"{path.name} holds no state dict (a dict of tensors).")
    state = {_strip(key): value for key, value in state.items() if torch.is_tensor(value)}
    state = {key: value for key, value in state.items() if not key.startswith("fc.")}  # ImageNet's 1000 classes
    if expected is None:
        expected = TransferResNet().backbone.state_dict()
    missing = [key for key in expected if key not in state]
    misfit = [key for key in expected if key in state and state[key].shape != expected[key].shape]
    if missing or misfit:
        shown = ", ".join((missing + misfit)[:4])
        raise WeightsUnavailable(f"{path.name} is not a ResNet-50 state dict ({len(missing)} tensors missing, "
                                 f"{len(misfit)} of another shape: {shown}…).")
    return {key: state[key] for key in expected}


def _load_tensors(path: Path):
    """What ``path`` holds, read with ``weights_only=True`` (tensors, never code); raises WeightsUnavailable.

    torch's own refusal advises loading with ``weights_only=False``, which would run whatever
    the file holds: that advice is never passed on.
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise WeightsUnavailable(_holds_objects(path, str(error))) from None
    except (RuntimeError, OSError, EOFError, ValueError, KeyError) as error:  # KeyError: not a torch file at all
        raise WeightsUnavailable(f"{path.name} is not a plain PyTorch state-dict file ({_reason(error)}). "
                                 f"{SAVE_HINT}") from None


def _holds_objects(path: Path, torch_message: str) -> str:
    objects = sorted(set(re.findall(r"GLOBAL ([\w.]+)", torch_message)))
    named = f" ({', '.join(objects[:3])})" if objects else ""
    return (f"{path.name} is not a plain PyTorch state-dict file: resviz refused it because it holds Python "
            f"objects{named} besides tensors, and loading those could run code. {SAVE_HINT}")


def _reason(error: BaseException) -> str:
    """The first line of ``error``, unless it is torch's advice about weights_only."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    if isinstance(error, KeyError) or not first or "weights_only" in first:
        return "not a file torch.save wrote" if isinstance(error, KeyError) else type(error).__name__
    return first[:300]


def _strip(key: str) -> str:
    for prefix in ("module.", "backbone."):  # DDP's wrapper; our own model's backbone
        key = key.removeprefix(prefix)
    return key


register(ModelSpec(
    "resnet50-transfer",
    "Seed 002: ImageNet-pretrained ResNet-50, backbone frozen, a new 2048-512-classes head (NLL)",
    "classifier", TransferResNet,
    defaults=dict(epochs=1, batch_size=64, lr=3e-3, optimizer="adam", schedule="constant",
                  freeze=("backbone",), model_config={"weights": "imagenet"}, snapshot_every=20),
    title="ResNet-50 transfer (seed 002)", adapts=("in_channels", "image_size", "num_classes"),
))
