"""The main window's tabs, in order. Add a panel by appending its class here."""

from .conv_lab import ConvLabPanel
from .training import TrainingPanel

PANEL_CLASSES = [
    TrainingPanel,
    ConvLabPanel,
]
