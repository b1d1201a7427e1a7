"""What the VAE panels call each VAE, in which order they list them, and how trained one is.

The pickers of Latent space, Generated and Clusters list VAEs in registry order
(the convolutional ones first, then seed 000's), under a title a person can read.
A model spec's own ``title`` wins once the registry has one.

"Digits appear after about N steps": measured with each model's default recipe
(``resviz train``), the step from which decodes of prior samples look like digits
(``DIGITS_AFTER_STEPS``). Before that, the panels say so, so that a blurry
picture after 90 steps is not taken for what the VAE can do.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from ...core import models

TITLES = {
    "cvae": "Conv VAE, 16-D latent (cvae)",
    "cvae2d": "Conv VAE, 2-D latent (cvae2d)",
    "vae1": "Seed 000 Model 1 (vae1)",
    "vae2": "Seed 000 Model 2 (vae2)",
    "vae": "Seed-style compact, 8-D (vae)",
    "vae2d": "Seed-style compact, 2-D (vae2d)",
}

# Steps of the default recipe (batch 32, OneCycle) after which prior samples look like
# digits: measured on full MNIST by decoding the same 64 prior samples every 100 steps
# and looking at them. Grey blobs until ~600, the first strokes at 700-800, digits at
# 900 (cvae) and 1,000 (cvae2d, whose early samples are mostly 9s and 7s).
DIGITS_AFTER_STEPS = {"cvae": 900, "cvae2d": 1000}

SEED_MODELS = ("vae1", "vae2")


def model_title(name: str) -> str:
    try:
        title = getattr(models.spec(name), "title", "")
    except KeyError:
        title = ""
    return title or TITLES.get(name, name)


def picker_rank(name: str) -> int:
    """Registry order: the convolutional VAEs first, then the seed's."""
    order = models.names("vae")
    return order.index(name) if name in order else len(order)


def add_in_order(box: QComboBox, name: str) -> int:
    """Insert VAE ``name`` into a picker at its registry place (once); returns its index."""
    index = box.findData(name)
    if index >= 0:
        return index
    position = sum(1 for i in range(box.count()) if picker_rank(box.itemData(i)) < picker_rank(name))
    box.insertItem(position, model_title(name), name)
    return position


def training_note(name: str, step: int) -> str:
    """"" once the VAE has trained long enough to draw digits; else a sentence saying so."""
    needed = DIGITS_AFTER_STEPS.get(name)
    if needed is None or step >= needed:
        return ""
    return (f"Trained {step:,} steps: digits appear after about {needed:,} steps of its default recipe, "
            "so what you see now is the VAE still learning.")
