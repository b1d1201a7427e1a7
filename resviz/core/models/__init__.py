"""The model registry. ``build(name, **config)`` makes a model, ``names()`` lists them.

Models take float inputs in [0, 1]: images [B, C, H, W] (grey digits are
[B, 1, 28, 28]) or signals [B, C, L]. Each model file registers itself
(``register(ModelSpec(...))`` at its end); importing it here is what puts it in the
registry, and the import order is the order in the UI.
"""

from .registry import ModelDoesNotFit, ModelSpec, build, input_shape_of, model_config, names, register, spec

from . import resnet, cnn  # noqa: F401  (import order = order in the UI)
from . import cvae  # noqa: F401  (convolutional VAEs: cvae, cvae2d; before the seed's, so pickers show them first)
from . import vae  # noqa: F401  (seed 000's VAEs: vae1, vae2, vae)
from . import speedrun  # noqa: F401  (the fastest MNIST recipe; resviz bench)
from . import deepnet  # noqa: F401  (the Depth lab: plain, residual, highway, dense)
from . import transfer  # noqa: F401  (seed 002: pretrained ResNet-50, a new head)
from . import mnist1d  # noqa: F401  (seed 004: MNIST-1D CNN and MLP)

__all__ = ["ModelDoesNotFit", "ModelSpec", "build", "input_shape_of", "model_config", "names", "register", "spec"]
