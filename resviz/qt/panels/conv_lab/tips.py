"""The Convolution lab's tooltips: one or two sentences that teach, in the seeds' words."""

TIPS = {
    "input": "What the kernel slides over: a real 28×28 test image, the digit you drew, or one of "
             "the seeds' worked examples (+1 ink, −1 paper).",
    "index": "Which test image. Each is 28×28 grey values in [0, 1].",
    "kernel": "The filter (kernel): a small grid of weights. Each output is the sum of the "
              "element-wise products of the kernel with the patch under it.",
    "kernel_grid": "Type your own weights: numbers such as 1, -1, 0.5 or 1/9. A learned CNN finds "
                   "these numbers itself by training.",
    "learned": "Which of the trained model's first-layer kernels: the filters it learned by itself.",
    "padding": "Padding: rings of zeros around the input (seed 000). 'valid' adds none, so the output "
               "shrinks; 'same' adds just enough that stride 1 keeps the size; or choose p rings.",
    "p": "p: how many rings of zeros to add on every side. Corner pixels then take part in as many "
         "windows as middle ones (seed 001).",
    "stride": "Stride s: how many pixels the kernel jumps between windows. s = 2 halves the output.",
    "dilation": "Dilation d: spread the kernel's taps d pixels apart (d−1 holes between them), so a 3×3 "
                "kernel sees a 5×5 area with d = 2 — a bigger view, no extra weights (seed 004).",
    "formula": "Seed 000's output size ⌊(n + 2p − f)/s⌋ + 1, with the dilated kernel span "
               "f_d = d(f−1)+1 in place of f, checked against what torch.nn.functional.conv2d returns.",
    "step": "Step through the windows one by one: the kernel's patch, the element-wise products "
            "and their sum, which is one pixel of the feature map.",
    "play": "Slide the kernel automatically over every position, row by row.",
    "relu": "ReLU: max(0, x). Negative responses (the kernel's pattern is absent) become 0; seed 001 "
            "applies it to the feature map to add non-linearity.",
    "pool_type": "Pooling (seed 001): max keeps the strongest response in each window, min the weakest, "
                 "average the mean; adaptive pooling fixes the output size and works out the windows.",
    "pool_size": "Pooling window F: F×F values are summarised by one. No weights to learn (seed 000).",
    "pool_stride": "Pooling stride S: output size (W − F)/S + 1. F = S = 2 halves each side.",
    "adaptive_out": "Adaptive pooling: the output size you want; window sizes and strides are computed "
                    "(torch's adaptive_avg_pool2d / adaptive_max_pool2d).",
    "flatten": "Flattening (seed 001): the pooled map read row by row into one long vector, the input "
               "layer of the fully connected part.",
    "feature_map": "The feature map (activation map): the kernel's response at every position. Red: "
                   "the pattern is there; blue: its opposite; white: nothing.",
    "calc": "Seed 000's notation summary: input n_H × n_W × n_C, f×f filters over all n_C channels, "
            "n_C′ filters. Weights f·f·n_C·n_C′, one bias per filter.",
    "fc": "Seed 001's \"why not fully connected\": one dense neuron needs a weight for every input value. "
          "A conv layer shares each filter's weights over every position.",
    "signal": "A 1-D signal: an MNIST-1D sample (seed 004: 40 points, digits drawn as 1-D curves), or "
              "draw your own by dragging on the plot.",
    "kernel1d": "1-D kernel weights, comma separated, e.g. 1, 2, 1 (a blur) or -1, 0, 1 (a slope).",
    "circulant": "The circulant matrix C(w) (seed 004): each row is the row above shifted one step, "
                 "wrapping round. C(w) @ x is the convolution; the highlighted rows are the outputs "
                 "kept (no wrap-round, every s-th for stride s).",
    "fft": "The FFT diagonalises every circulant matrix: convolving is multiplying the two spectra "
           "and transforming back (seed 004's spectral domain).",
    "resample_source": "The map to scale down and up: the current feature map after ReLU, or the input.",
    "factor": "Scale factor k: each k×k block becomes one value on the way down, and one value "
              "becomes a k×k block on the way up.",
    "down": "Down-sampling (seed 004): sub-sampling keeps every k-th value; max pooling keeps each "
            "block's maximum (and remembers where it was); mean pooling averages the block.",
    "up": "Up-sampling (seed 004): duplication copies each value into a block; max unpooling puts each "
          "maximum back where it came from, zeros elsewhere; bilinear interpolation fills in between.",
}
