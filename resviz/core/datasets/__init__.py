"""The datasets: the ``Dataset`` type, the registry, and the sources that fill it.

The registry goes one way, as the models' does: ``registry.py`` (with ``dataset.py`` and
``folders.py``) imports no source; each source file imports it and registers its
datasets; importing the sources here is what makes them known (the order is the order
in the UI). ``resviz.core.data`` is the name the rest of resviz imports them by.
"""

from .dataset import Dataset, as_float_images, to_model_input
from .folders import candidate_roots, default_cache_dir
from .registry import (
    DatasetFileError,
    DatasetSpec,
    DatasetUnavailable,
    ProgressCallback,
    dataset_names,
    dataset_spec,
    dataset_title,
    describe_error,
    is_drawable,
    load_dataset,
    register_dataset,
)

from . import idx  # noqa: F401  (MNIST, Fashion-MNIST)
from . import image_folder  # noqa: F401  (a person's own photos, seed 002)
from . import subset  # noqa: F401  (some classes of another dataset: transfer experiments)
from . import mnist1d  # noqa: F401  (MNIST-1D, seed 004)

__all__ = [
    "Dataset", "DatasetFileError", "DatasetSpec", "DatasetUnavailable", "ProgressCallback", "as_float_images",
    "candidate_roots", "dataset_names", "dataset_spec", "dataset_title", "default_cache_dir", "describe_error",
    "is_drawable", "load_dataset", "register_dataset", "to_model_input",
]
