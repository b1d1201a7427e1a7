"""Seed 002's recipe for a person's own photos, as a training config (the CLI and the Transfer tab share it).

Frozen (the seed): the ResNet-50 backbone keeps its ImageNet weights and only the new
head trains, so the backbone's features are computed once per image. Fine-tuning: the
last residual stage (``layer4``) trains too, at a tenth of the head's learning rate, so
the pretrained features move only a little; everything before it stays frozen.
"""

from __future__ import annotations

from .trainer import TrainConfig

MODEL = "resnet50-transfer"
FROZEN = ("backbone",)
FINETUNE_FROZEN = ("backbone.conv1", "backbone.bn1", "backbone.layer1", "backbone.layer2", "backbone.layer3")
FINETUNE_LR_SCALES = {"backbone.layer4": 0.1}


def folder_config(path: str, image_size: int = 128, weights: str = "imagenet", finetune: bool = False,
                  test_path: str | None = None, **overrides) -> TrainConfig:
    """A run of seed 002's recipe on the image folder at ``path`` (``weights``: "imagenet" or a file)."""
    options = {"path": str(path), "image_size": int(image_size)}
    if test_path:
        options["test_path"] = str(test_path)
    tuning = dict(freeze=FINETUNE_FROZEN, lr_scales=dict(FINETUNE_LR_SCALES)) if finetune else dict(freeze=FROZEN)
    return TrainConfig.for_model(MODEL, dataset="folder", dataset_options=options,
                                 model_config={"weights": str(weights)}, **{**tuning, **overrides})
