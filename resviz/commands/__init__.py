"""One module per CLI command: ``add_arguments(parser)`` and ``run(args)``.

``COMMANDS`` lists them for ``resviz.cli`` (which imports only the chosen one) and for
the commands that name the others (``resviz gui`` refusing a word that is no file).
"""

# name -> (module, the line ``resviz --help`` shows), in the order --help lists them
COMMANDS = {
    "gui": ("resviz.commands.gui", "open the resviz window (the default)"),
    "train": ("resviz.commands.train", "train a model without a window; last line is JSON"),
    "eval": ("resviz.commands.evaluate", "evaluate a checkpoint on the test set; last line is JSON"),
    "export": ("resviz.commands.export", "write a checkpoint's curves (steps.csv, epochs.csv) and metrics.json"),
    "sample": ("resviz.commands.sample", "new digits from a VAE checkpoint as .npy or .png; last line is JSON"),
    "bench": ("resviz.commands.bench", "measure speed and smoothness targets; prints a table, --json PATH"),
    "arch": ("resviz.commands.arch", "per-layer table of an architecture (shapes, parameters, MACs); last line is JSON"),
    "depth": ("resviz.commands.depth", "train the Depth lab's presets (plain vs residual, BatchNorm, ReLU vs tanh); last line is JSON"),
    "transfer": ("resviz.commands.transfer", "seed 002: a pretrained ResNet-50 on your image folder, or --demo digits"),
    "visualize": ("resviz.commands.visualize", "what each unit of a classifier wants to see: a PNG per unit, "
                                               "its activation vs the test set's best; last line is JSON"),
    "landscape": ("resviz.commands.landscape", "the loss around a classifier's weights (Li et al. 2018), or "
                                               "--preset skip: plain vs residual; last line is JSON"),
    "torchrun": ("resviz.commands.torchrun", "train or transfer on N processes (torchrun --standalone); "
                                             "Ctrl-C stops them all cleanly"),
}
