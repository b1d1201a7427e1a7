"""The main window's tabs, in order. Add a panel by appending its class here."""

from .architectures import ArchitecturesPanel
from .augmentation import AugmentationPanel
from .clusters import ClustersPanel
from .conv_lab import ConvLabPanel
from .depth_lab import DepthLabPanel
from .draw import DrawPanel
from .evaluation import EvaluationPanel
from .feature_maps import FeatureMapsPanel
from .filters import FiltersPanel
from .generated import GeneratedPanel
from .landscape import LandscapePanel
from .latent import LatentPanel
from .mnist1d import Mnist1DPanel
from .training import TrainingPanel
from .transfer import TransferPanel

PANEL_CLASSES = [  # what a person meets first comes first; Ctrl+1 … Ctrl+9 reach the first nine
    TrainingPanel,
    DrawPanel,
    EvaluationPanel,
    FiltersPanel,
    FeatureMapsPanel,
    LatentPanel,
    GeneratedPanel,
    ClustersPanel,
    DepthLabPanel,
    LandscapePanel,
    TransferPanel,
    Mnist1DPanel,
    AugmentationPanel,
    ConvLabPanel,
    ArchitecturesPanel,
]
