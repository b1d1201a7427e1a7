"""The main window's tabs, in order. Add a panel by appending its class here."""

from .architectures import ArchitecturesPanel
from .clusters import ClustersPanel
from .conv_lab import ConvLabPanel
from .depth_lab import DepthLabPanel
from .draw import DrawPanel
from .feature_maps import FeatureMapsPanel
from .filters import FiltersPanel
from .generated import GeneratedPanel
from .latent import LatentPanel
from .mnist1d import Mnist1DPanel
from .training import TrainingPanel
from .transfer import TransferPanel

PANEL_CLASSES = [
    TrainingPanel,
    DrawPanel,
    FiltersPanel,
    FeatureMapsPanel,
    LatentPanel,
    GeneratedPanel,
    ClustersPanel,
    ConvLabPanel,
    ArchitecturesPanel,
    DepthLabPanel,
    TransferPanel,
    Mnist1DPanel,
]
