"""The Qt-free heart of resviz: data, models, training, analysis.

Nothing under ``resviz.core`` may import Qt or pyqtgraph (import-linter checks it),
so everything here runs headless, from the CLI and in tests.
"""
