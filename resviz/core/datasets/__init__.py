"""The dataset sources. Each file registers its datasets with ``register_dataset``;
importing it here is what makes them known (the order is the order in the UI)."""

from . import idx  # noqa: F401  (MNIST, Fashion-MNIST)
from . import image_folder  # noqa: F401  (a person's own photos, seed 002)
from . import subset  # noqa: F401  (some classes of another dataset: transfer experiments)
from . import mnist1d  # noqa: F401  (MNIST-1D, seed 004)
