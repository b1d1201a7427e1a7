"""Seed 000's notation summary as a calculator, with seed 001's "why not fully connected"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ....core.analysis.convolution import (
    ConvLayerSpec,
    compare_with_fully_connected,
    conv_layer_shapes,
    output_size_formula,
    weights_per_dense_neuron,
)
from .tips import TIPS

PRESETS = {
    "Seed 001 CONV 1: 28×28×1, 16 filters 5×5, p 2": ConvLayerSpec(28, 28, 1, 5, 2, 1, 16),
    "Seed 001 CONV 2: 14×14×16, 32 filters 5×5, p 2": ConvLayerSpec(14, 14, 16, 5, 2, 1, 32),
    "Seed 001: a 28×28×3 colour image, 8 filters 3×3": ConvLayerSpec(28, 28, 3, 3, 1, 1, 8),
    "Seed 001: a 200×200×3 colour image, 8 filters 3×3": ConvLayerSpec(200, 200, 3, 3, 1, 1, 8),
    "ResNet stem: 224×224×3, 64 filters 7×7, s 2, p 3": ConvLayerSpec(224, 224, 3, 7, 3, 2, 64),
}


class ShapesView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.preset = QComboBox()
        self.preset.addItem("Choose an example…", None)
        for name in PRESETS:
            self.preset.addItem(name, name)
        self.fields: dict[str, QSpinBox] = {}
        form = QFormLayout()
        form.addRow("Example", self.preset)
        for key, label, low, high, tip in [
            ("n_h", "Input height n_H", 1, 4096, "n_H^[l−1]: rows of the input volume."),
            ("n_w", "Input width n_W", 1, 4096, "n_W^[l−1]: columns of the input volume."),
            ("n_c", "Input channels n_C", 1, 2048, "n_C^[l−1]: 1 for grey, 3 for RGB, or the previous "
                                                   "layer's number of filters."),
            ("f", "Filter size f", 1, 15, "f^[l]: each filter is f × f × n_C."),
            ("p", "Padding p", 0, 10, TIPS["p"]),
            ("s", "Stride s", 1, 8, TIPS["stride"]),
            ("n_filters", "Number of filters n_C′", 1, 2048, "n_C^[l]: one output channel (feature map) "
                                                             "per filter."),
            ("d", "Dilation d", 1, 8, TIPS["dilation"]),
        ]:
            spin = QSpinBox(minimum=low, maximum=high)
            spin.setToolTip(tip)
            self.fields[key] = spin
            form.addRow(label, spin)
        inputs = QGroupBox("Layer l: its input and hyper-parameters")
        inputs.setLayout(form)
        inputs.setToolTip(TIPS["calc"])
        inputs.setMaximumWidth(420)
        self.summary = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setToolTip(TIPS["calc"])
        self.comparison = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.comparison.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.comparison.setToolTip(TIPS["fc"])
        right = QVBoxLayout()
        right.addWidget(_framed("Seed 000's notation summary", self.summary))
        right.addWidget(_framed("Seed 001: why not fully connected?", self.comparison))
        right.addStretch(1)
        # the two explanations scroll in a small window (900×600) instead of being cut off
        explanations = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        explanations.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        explanations.setWidget(QWidget())
        explanations.widget().setLayout(right)
        explanations.viewport().setAutoFillBackground(False)  # the panel's background, as before
        explanations.widget().setAutoFillBackground(False)
        layout = QHBoxLayout(self)
        layout.addWidget(inputs, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(explanations, 1)
        self.set_spec(PRESETS["Seed 001 CONV 1: 28×28×1, 16 filters 5×5, p 2"])
        for spin in self.fields.values():
            spin.valueChanged.connect(self.update_summary)
        self.preset.currentIndexChanged.connect(self._on_preset)
        self.update_summary()

    def spec(self) -> ConvLayerSpec:
        return ConvLayerSpec(**{key: spin.value() for key, spin in self.fields.items()})

    def set_spec(self, spec: ConvLayerSpec) -> None:
        for key, spin in self.fields.items():
            spin.blockSignals(True)
            spin.setValue(getattr(spec, key))
            spin.blockSignals(False)
        self.update_summary()

    def _on_preset(self) -> None:
        name = self.preset.currentData()
        if name:
            self.set_spec(PRESETS[name])

    def update_summary(self) -> None:
        spec = self.spec()
        try:
            shapes = conv_layer_shapes(spec)
            fc = compare_with_fully_connected(spec)
        except ValueError as error:
            self.summary.setText(f"<p style='color:#c0392b'><b>No output.</b> {error}</p>")
            self.comparison.setText("")
            return
        out_h, out_w, out_c = shapes.output
        pads = (spec.p, spec.p)
        lines = output_size_formula(spec.n_h, spec.f, pads, spec.s, spec.d,
                                    name="n_H" if spec.n_h != spec.n_w else "n_H = n_W").splitlines()
        if spec.n_h != spec.n_w:  # f_d's line, if any, is already there
            lines.append(output_size_formula(spec.n_w, spec.f, pads, spec.s, spec.d, name="n_W").splitlines()[-1])
        sizes = "<br>".join(lines)
        self.summary.setText(
            "<table cellpadding='3'>"
            f"<tr><td>Input</td><td>n_H × n_W × n_C</td><td><b>{spec.n_h} × {spec.n_w} × {spec.n_c}</b></td></tr>"
            f"<tr><td>Each filter</td><td>f × f × n_C</td><td><b>{spec.f} × {spec.f} × {spec.n_c}</b></td></tr>"
            f"<tr><td>Output a<sup>[l]</sup></td><td>n_H × n_W × n_C′</td>"
            f"<td><b>{out_h} × {out_w} × {out_c}</b></td></tr>"
            f"<tr><td>Weights</td><td>f · f · n_C · n_C′</td>"
            f"<td><b>{spec.f}·{spec.f}·{spec.n_c}·{spec.n_filters} = {shapes.weights:,}</b></td></tr>"
            f"<tr><td>Biases</td><td>1 × 1 × 1 × n_C′</td><td><b>{shapes.biases:,}</b></td></tr>"
            f"<tr><td>Parameters</td><td>weights + biases</td><td><b>{shapes.parameters:,}</b></td></tr>"
            "</table>"
            f"<p style='font-family:monospace'>{sizes}</p>"
            "<p style='color:#555'>The number of parameters does not depend on the image size: "
            "the same filters slide over every position (parameter sharing).</p>")
        outputs = out_h * out_w * out_c
        self.comparison.setText(
            f"<p>One fully connected neuron needs a weight for every input value: "
            f"{spec.n_h}·{spec.n_w}·{spec.n_c} = <b>{fc.weights_per_neuron:,}</b> weights.</p>"
            f"<p>A fully connected layer with as many outputs as this conv layer ({outputs:,}) "
            f"needs {fc.weights_per_neuron:,} × {outputs:,} = <b>{fc.dense_weights:,}</b> weights; "
            f"the conv layer needs <b>{fc.conv_weights:,}</b> — {fc.ratio:,.0f} times fewer.</p>"
            "<p>Seed 001's numbers: a 28×28×3 image → "
            f"<b>{weights_per_dense_neuron(28, 28, 3):,}</b> weights per neuron; a 200×200×3 image → "
            f"<b>{weights_per_dense_neuron(200, 200, 3):,}</b>. A 3×3×3 filter needs 27, whatever the "
            "image size.</p>")


def _framed(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.addWidget(widget)
    return box
