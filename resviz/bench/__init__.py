"""``resviz bench``: what resviz's speed and smoothness targets are, measured here and now.

One file per benchmark, each a ``run(context) -> list[Row]`` function (see
``runner.BENCHES`` for the order). The core benchmarks need only PyTorch; the GUI
ones import Qt lazily and report "not available" where PySide6 or a panel is
missing, so the same command runs on a headless GPU machine.
"""
