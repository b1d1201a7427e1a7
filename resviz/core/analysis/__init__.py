"""Qt-free analysis: preprocessing, feature capture, convolution maths, clusters."""
