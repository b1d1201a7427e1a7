"""The main window's tabs, in order. Add a panel by appending its class here."""

from .augmentation import AugmentationPanel
from .clusters import ClustersPanel
from .conv_lab import ConvLabPanel
from .draw import DrawPanel
from .evaluation import EvaluationPanel
from .feature_maps import FeatureMapsPanel
from .filters import FiltersPanel
from .generated import GeneratedPanel
from .latent import LatentPanel
from .training import TrainingPanel

PANEL_CLASSES = [
    TrainingPanel,
    DrawPanel,
    FiltersPanel,
    FeatureMapsPanel,
    EvaluationPanel,
    LatentPanel,
    GeneratedPanel,
    ClustersPanel,
    ConvLabPanel,
    AugmentationPanel,
]
