"""The main window's tabs, in order. Add a panel by appending its class here."""

from .conv_lab import ConvLabPanel
from .draw import DrawPanel
from .feature_maps import FeatureMapsPanel
from .filters import FiltersPanel
from .training import TrainingPanel

PANEL_CLASSES = [
    TrainingPanel,
    DrawPanel,
    FiltersPanel,
    FeatureMapsPanel,
    ConvLabPanel,
]
