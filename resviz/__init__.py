"""resviz: watch CNNs, ResNets and VAEs learn, live."""

__version__ = "0.1.0"
