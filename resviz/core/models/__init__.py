"""The model registry. ``build(name, **config)`` makes a model, ``names()`` lists them.

Every model takes float images in [0, 1] shaped [B, 1, 28, 28]. Each model file
registers itself (``register(ModelSpec(...))`` at its end); importing it here is
what puts it in the registry.
"""

from .registry import ModelSpec, build, model_config, names, register, spec

from . import resnet, cnn  # noqa: E402,F401  (import order = order in the UI)
from . import cvae  # noqa: E402,F401  (convolutional VAEs: cvae, cvae2d; before the seed's, so pickers show them first)
from . import vae  # noqa: E402,F401  (seed 000's VAEs: vae1, vae2, vae)
from . import speedrun  # noqa: E402,F401  (the fastest MNIST recipe; resviz bench)

__all__ = ["ModelSpec", "build", "model_config", "names", "register", "spec"]
