"""Whether a model can take a dataset's inputs, asked before any data is loaded.

(Whether the installed torch and torchvision fit together is ``torchvision_pair.py``'s question.)"""

from __future__ import annotations

from . import models
from .data import dataset_spec


def check_model_takes_dataset(model: str, dataset: str) -> None:
    """Raise ModelDoesNotFit when ``model`` cannot take ``dataset``'s inputs.

    Only a dataset of fixed shape can be checked before it is loaded; an image folder's
    shape is known once it is read, and the trainer checks it then.
    """
    data = dataset_spec(dataset)
    if data.input_shape is not None:
        models.spec(model).fit_config(data.input_shape, len(data.classes or ()) or 10)
