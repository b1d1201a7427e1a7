"""The Depth lab's presets: small experiments that reproduce what the seeds claim, each in minutes on a CPU.

Each preset is a few ``DepthRun``s trained with one ``Recipe``, a title, and the
sentence shown under it that says what to look for; the numbers in the sentences were
measured with ``resviz depth`` (the skip preset's roughness with ``resviz landscape --preset skip``).
Each of the first three presets took 30–47 s of CPU time with one thread (the
whole command, data loading included), well inside 3 minutes on 2 cores.

- degradation (seeds 000, 004): a deep plain stack trains worse than a shallow one, and
  a residual stack of the same depth does not (He et al. 2016, Figure 1).
- batchnorm (seeds 001, 004): BatchNorm lets the same deep plain stack train.
- relu-vs-tanh (seed 001): AlexNet's claim that ReLU trains about 6x faster than tanh.
- skip (Li et al. 2018): the same deep net with BatchNorm, plain and residual, both train;
  their loss landscapes (``core/landscape``, ``resviz landscape --preset skip``) show why
  the residual one trains better: the plain net's is rougher. Training both and measuring
  both landscapes took 7 minutes on a 2-core CPU shared with other work (load ~14; the
  landscapes 100 and 60 s of it), the quick recipe 2 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..landscape.settings import LandscapeSettings
from .runs import DepthLabError, DepthRun, Recipe


@dataclass(frozen=True)
class Preset:
    key: str  # what `resviz depth --preset` takes
    title: str
    sentence: str  # shown under the picker: what to look for
    runs: tuple[DepthRun, ...]
    recipe: Recipe
    target_loss: float | None = None  # when set, rows say the first step the smoothed loss is below it
    quick: Recipe | None = None  # a shorter recipe that still shows the claim (`resviz depth --quick`)
    landscape: LandscapeSettings | None = None  # set: the nets' loss landscapes are part of the claim
    quick_landscape: LandscapeSettings | None = None  # a smaller grid for the quick recipe

    def plan(self, quick: bool = False) -> tuple[tuple[DepthRun, ...], Recipe]:
        return self.runs, (self.quick or self.recipe) if quick else self.recipe

    def landscape_settings(self, quick: bool = False) -> LandscapeSettings:
        """The grid the preset's landscapes are measured on (the default one where it names none)."""
        chosen = (self.quick_landscape or self.landscape) if quick else self.landscape
        return chosen or LandscapeSettings()


_ADAM = Recipe(steps=300, train_subset=2000, test_subset=1000, batch_size=64, optimizer="adam", lr=1e-3)

PRESETS: dict[str, Preset] = {p.key: p for p in [
    Preset(
        "degradation", "Degradation: plain vs residual",
        "Without BatchNorm, a plain stack of 30 convs ends with a higher training loss than a plain stack of 6 — "
        "deeper is worse even on the data it trains on — while a residual stack of the same 30 convs trains. "
        "In the gradient heatmaps the plain 30's bottom rows are dark: almost no gradient reaches its first "
        "layers (grad ratio ~1e-12); the residual net's gradients arrive (ratio ~0.2).",
        (DepthRun("plain", 6), DepthRun("plain", 30), DepthRun("residual", 30)),
        _ADAM,
        quick=replace(_ADAM, steps=150),
    ),
    Preset(
        "batchnorm", "BatchNorm: with and without",
        "The same plain stack of 30 convs, without and with BatchNorm after every conv. Without it the loss "
        "stays near 2.30 (chance: ln 10). In Activations each layer's output std sinks within a few layers to a "
        "floor of ~0.05 set by the biases (what differs between digits shrinks ~10× every three layers), and in "
        "Gradients almost nothing comes back down (grad ratio ~1e-12). With BatchNorm the std stays level, the "
        "first layers get gradient (ratio ~50 at the first step), and the net learns.",
        (DepthRun("plain", 30, batchnorm=False), DepthRun("plain", 30, batchnorm=True)),
        _ADAM,
    ),
    Preset(
        "relu-vs-tanh", "ReLU vs tanh: 6× faster?",
        "AlexNet (seed 001) reached 25% training error 6× sooner with ReLU than with tanh, on CIFAR-10. Here, on "
        "MNIST with a plain 6-conv net and Adam, ReLU gets the training loss below 0.5 about 1.7× sooner (the "
        "table's last column): faster, but not 6×, and with plain SGD at lr 0.1 we measured tanh ahead. The "
        "size of the gap depends on the data, the net and the optimizer.",
        (DepthRun("plain", 6, activation="relu"), DepthRun("plain", 6, activation="tanh")),
        replace(_ADAM, steps=600, lr=3e-3),
        target_loss=0.5,
    ),
    Preset(
        "skip", "Skip connections and the landscape",
        "The same stack of 40 convs with BatchNorm, plain and residual, and both train: in 310 steps the plain "
        "net's training loss falls from 2.3 to 0.93 (56% test accuracy), the residual net's to 0.03 (92%). Their "
        "loss landscapes (Landscape tab, or `resviz landscape --preset skip`: two random filter-normalised "
        "directions, 11×11 points on 500 training images) show why: half a filter norm from its weights the plain "
        "net's loss is 97× its own (roughness 96; 121 nats) and reaches 2×10^9 at a corner, the residual net's "
        "52× (roughness 51; 13 nats), at most 2×10^4 — a steep pit against a wide bowl, as Li et al. 2018 "
        "found for ResNet-56 with and without skip connections. The quick recipe (155 steps, 9×9 on 250 images) gave 553 vs 55.",
        (DepthRun("plain", 40, batchnorm=True), DepthRun("residual", 40, batchnorm=True)),
        _ADAM,
        quick=replace(_ADAM, steps=150),
        landscape=LandscapeSettings(grid=11, span=1.0, subset=500),
        quick_landscape=LandscapeSettings(grid=9, span=1.0, subset=250),
    ),
]}

QUICK_PRESET = "degradation"  # what `resviz depth --quick` runs


def preset(key: str) -> Preset:
    try:
        return PRESETS[key]
    except KeyError:
        raise DepthLabError(f"unknown preset {key!r}; choose one of {', '.join(PRESETS)}") from None
