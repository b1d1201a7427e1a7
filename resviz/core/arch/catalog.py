"""The architectures the Architectures tab and ``resviz arch`` can tabulate, built without weights.

torchvision's classics (seeds 001, 002, 004) are built with ``weights=None`` on the
meta device: no download, no memory, no arithmetic. Their published figures (the
``num_params`` and ``_ops`` that torchvision's weights metadata carries in the
installed package) are read offline, to show beside ours. Then a U-Net built here
(seed 004), a highway net (resviz's Depth lab net, highway variant), and every model
in resviz's own registry with its default config.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import torch
from torch import nn

from ..torchvision_pair import import_torchvision
from .summary import Summary, summarize

MIN_INPUT_SIZE = 1
MAX_INPUT_SIZE = 4096  # far beyond any real use; the table is computed on meta tensors, so size is free


class ArchitectureError(ValueError):
    """A request the table cannot answer, worded for a person (bad size, unknown name)."""


@dataclass(frozen=True)
class Architecture:
    key: str  # the name `resviz arch` takes
    title: str  # what the tab shows
    family: str  # "torchvision", "built in resviz" or "resviz model"
    about: str  # one line: what it is and where it comes from
    in_channels: int
    default_size: int  # the input side the published figures are for
    builder: Callable[[int], nn.Module]  # input side -> model (called on the meta device)
    fixed_size: bool = False  # True when the model takes only default_size (a hard-wired classifier)
    torchvision_name: str | None = None

    def published(self) -> tuple[int, float] | None:
        """torchvision's own (parameters, GMACs) for this model, read from the installed package."""
        if not self.torchvision_name:
            return None
        import_torchvision()  # a torch it was not built for: say which it needs, not "torchvision::nms"
        from torchvision.models import get_model_weights

        meta = get_model_weights(self.torchvision_name).DEFAULT.meta
        return meta["num_params"], meta["_ops"]


def _torchvision(name: str, **kwargs) -> Callable[[int], nn.Module]:
    def build(_size: int) -> nn.Module:
        return import_torchvision().models.get_model(name, weights=None, **kwargs)
    return build


_TORCHVISION = [
    # key, title, about, torchvision builder kwargs
    ("resnet18", "ResNet-18", "He et al. 2015 (arXiv:1512.03385): BasicBlocks [2, 2, 2, 2]", {}),
    ("resnet34", "ResNet-34", "He et al. 2015: BasicBlocks [3, 4, 6, 3] (seed 001's diagram)", {}),
    ("resnet50", "ResNet-50", "He et al. 2015: Bottlenecks [3, 4, 6, 3] (seed 002's pretrained model)", {}),
    ("resnet101", "ResNet-101", "He et al. 2015: Bottlenecks [3, 4, 23, 3]", {}),
    ("resnet152", "ResNet-152", "He et al. 2015: Bottlenecks [3, 8, 36, 3]", {}),
    ("alexnet", "AlexNet", "Krizhevsky et al. 2012, torchvision's one-GPU version (arXiv:1404.5997)", {}),
    ("vgg16", "VGG-16", "Simonyan & Zisserman 2014 (arXiv:1409.1556): thirteen 3x3 convs, three FC layers", {}),
    # torchvision publishes GoogLeNet without its two training-only auxiliary classifiers ...
    ("googlenet", "GoogLeNet", "Szegedy et al. 2014 (arXiv:1409.4842): Inception v1 cells",
     dict(aux_logits=False, init_weights=False)),
    # ... but Inception v3 with its auxiliary classifier's weights (not run at inference)
    ("inception_v3", "Inception v3", "Szegedy et al. 2015 (arXiv:1512.00567): factorised 1xn / nx1 convs",
     dict(aux_logits=True, init_weights=False)),
    ("densenet121", "DenseNet-121", "Huang et al. 2016 (arXiv:1608.06993): dense blocks [6, 12, 24, 16]", {}),
]


def _unet(size: int) -> nn.Module:
    from .unet import UNet

    return UNet()


def _highway(size: int) -> nn.Module:
    from ..models.deepnet import DeepNet

    return DeepNet(variant="highway", depth=50, batchnorm=False, image_size=size)


@cache  # a registered model's spec does not change while resviz runs
def _registry_entry(name: str) -> Architecture:
    from .. import models

    spec = models.spec(name)
    with torch.device("meta"):
        default = spec.builder()
    config = getattr(default, "config", None)
    fields = {f.name for f in dataclasses.fields(config)} if config is not None else set()
    in_channels = getattr(config, "in_channels", 1)
    default_size = getattr(config, "image_size", 28)

    def build(size: int) -> nn.Module:
        return spec.builder(image_size=size) if "image_size" in fields else spec.builder()

    return Architecture(
        key=name, title=name, family="resviz model", about=spec.description, in_channels=in_channels,
        default_size=default_size, builder=build,
        fixed_size=spec.input_shape is not None or "image_size" not in fields,  # the registry says what it takes
    )


def architectures() -> list[Architecture]:
    """Every architecture, in the order the tab lists them.

    Raises TorchvisionMismatch (core.torchvision_pair) when torchvision does not work with the
    installed torch: every entry is built with torchvision or beside it.
    """
    import_torchvision()
    from .. import models

    entries = [
        Architecture(key, title, "torchvision", about, 3, 299 if key == "inception_v3" else 224,
                     _torchvision(key, **kwargs), torchvision_name=key)
        for key, title, about, kwargs in _TORCHVISION
    ]
    entries.append(Architecture(
        "unet", "U-Net", "built in resviz",
        "Ronneberger et al. 2015 (arXiv:1505.04597): valid 3x3 convs, 572x572 tile -> 388x388 map (seed 004)",
        1, 572, _unet))
    entries.append(Architecture(
        "highway", "Highway net (50 layers)", "built in resviz",
        "Srivastava et al. 2015 (arXiv:1505.00387): y = H(x)·T(x) + x·(1 − T(x)); the Depth lab's highway variant",
        1, 28, _highway))
    # square images only: the MNIST-1D models take 1-D signals (their layers are on the MNIST-1D tab)
    entries += [_registry_entry(name) for name in models.names() if models.spec(name).input_rank == 3]
    return entries


def get(key: str) -> Architecture:
    for entry in architectures():
        if entry.key == key:
            return entry
    raise ArchitectureError(f"Unknown architecture {key!r}; choose one of {', '.join(keys())}")


def keys() -> list[str]:
    return [entry.key for entry in architectures()]


def parse_input_size(text) -> int:
    """A person's input side ("224", " 32 ") as an int, or an ArchitectureError saying what is wrong."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ArchitectureError(f"Input size must be a whole number of pixels, like 224 (got {text!r}).") from None
    if value < MIN_INPUT_SIZE:
        raise ArchitectureError(f"Input size must be at least {MIN_INPUT_SIZE} pixel (got {value}).")
    if value > MAX_INPUT_SIZE:
        raise ArchitectureError(f"Input size must be at most {MAX_INPUT_SIZE} pixels (got {value:,}).")
    return value


def _try(entry: Architecture, size: int) -> Summary:
    with torch.device("meta"):  # weights exist only as shapes: no memory, nothing computed
        model = entry.builder(size)
    return summarize(model, (entry.in_channels, size, size))


def summarize_architecture(key: str, input_size: int | None = None) -> Summary:
    """The per-layer table of ``key`` for a square input of ``input_size`` pixels (its own default if None)."""
    entry = get(key)
    size = entry.default_size if input_size is None else parse_input_size(input_size)
    if entry.fixed_size and size != entry.default_size:
        raise ArchitectureError(
            f"{entry.title} takes only {entry.default_size}×{entry.default_size} inputs: its classifier "
            f"is wired to the feature map that size gives.")
    try:
        return _cached_summary(key, size)
    except (RuntimeError, ValueError) as error:
        if size >= entry.default_size:
            raise ArchitectureError(f"{entry.title} cannot take a {size}×{size} input: {_first_line(error)}") from error
        smallest = smallest_input_size(key)
        raise ArchitectureError(
            f"{size}×{size} is too small for {entry.title}: its strides and pooling shrink it to nothing "
            f"before the last layer. The smallest input it takes is {smallest}×{smallest}."
        ) from error


@lru_cache(maxsize=64)  # summaries are frozen; the tab and the tests ask for the same ones again
def _cached_summary(key: str, size: int) -> Summary:
    return _try(get(key), size)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@cache
def smallest_input_size(key: str) -> int:
    """The smallest square input ``key`` takes (a bisection: each try is an instant meta pass)."""
    entry = get(key)
    low, high = MIN_INPUT_SIZE - 1, entry.default_size  # low fails (or is 0), high works
    while high - low > 1:
        middle = (low + high) // 2
        try:
            _try(entry, middle)
            high = middle
        except (RuntimeError, ValueError):
            low = middle
    return high
