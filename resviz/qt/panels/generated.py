"""Generated digits: what a VAE draws from random points of its latent space.

A VAE is trained so that its latent means spread like the prior N(0, I); decoding
points drawn from that prior then gives new digits, as in seed 000's "Generated Data
with Model 1 / Model 2". Each trained VAE gets its own grid, side by side: the
convolutional VAE first, seed 000's models next to it, so the difference between
their decoders is the lesson (``WHY_SEED_BLURS``). The latent points stay the same
until "New samples", so while a VAE trains you watch the same points turn from noise
into digits.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ...core.analysis import latent
from ..widgets.image_grid import ImageGrid
from .base import Panel
from .latent import NO_VAE
from .vae_names import has_seed_decoder, model_title, picker_rank, run_label, training_note

COLUMNS = 3  # grids side by side: cvae, Model 1, Model 2
WHY_SEED_BLURS = ("Why seed 000's decoder draws stripes and blurs: it ends in a Linear(3, 28) applied to every "
                  "row, so each row of a digit is a mix of the same three learned row patterns; the conv VAE's "
                  "transposed convolutions place every pixel.")
COMPARE_HINT = ("Train vae1 or vae2 (seed 000's Models 1 and 2) as well to see their digits beside the conv "
                "VAE's: the difference between the decoders is the lesson.")


class GeneratedPanel(Panel):
    title = "Generated"
    description = ("New digits a VAE makes up: decodes of random latent points drawn from the prior N(0, I), "
                   "for each trained VAE side by side.")

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.seed = 0
        self.grids: dict[str, ImageGrid] = {}
        self._boxes: dict[str, QGroupBox] = {}
        self._stale: set[str] = set()
        self._build()
        self._connect_state()

    # --- the app state (kept to these few methods, so a new state layer needs only them) --------
    def _connect_state(self) -> None:
        self.state.vae_changed.connect(self._on_run_changed)
        self.state.selection_changed.connect(self._on_selection)
        self.state.run_removed.connect(self._on_run_removed)
        for run_id in self.state.vaes:
            self._on_run_changed(run_id)

    def _run_of(self, name: str):
        """The run shown for VAE model ``name``: the selected run if it is one, else its newest."""
        selected = self.state.selected_run()
        if selected is not None and selected.model == name and selected.snapshots:
            return selected
        runs = [run for run in self.state.runs if run.model == name and run.snapshots]
        return runs[-1] if runs else None

    def _replica(self, name: str):
        """The weights shown for VAE model ``name`` (its shown run's; a ModelReplica), or None."""
        run = self._run_of(name)
        return self.state.replica(run.id) if run is not None else None

    def _on_run_changed(self, run_id: str) -> None:
        run = self.state.run(run_id)
        if run is not None and run.generates and self._run_of(run.model) is run:
            self._on_vae_changed(run.model)

    def _on_selection(self) -> None:
        run = self.state.selected_run()
        if run is not None and run.generates and run.snapshots:
            self._on_vae_changed(run.model)

    def _on_run_removed(self, _run_id: str) -> None:
        for name in list(self.grids):
            if self._run_of(name) is None:
                box = self._boxes.pop(name)
                self.grids.pop(name)
                self.grid_row.removeWidget(box)
                box.deleteLater()
            else:
                self._on_vae_changed(name)
        self.message.setVisible(not self.grids)
        self._update_lesson()

    def _build(self) -> None:
        self.regenerate_button = QPushButton("New samples")
        self.regenerate_button.setToolTip("Draw new random points from the prior and decode them")
        self.count_box = QComboBox()
        for n in (36, 64, 100):
            self.count_box.addItem(f"{n} digits", n)
        self.count_box.setCurrentIndex(1)
        self.count_box.setToolTip("How many prior samples each grid shows")
        self.message = QLabel(NO_VAE, wordWrap=True)
        self.message.setStyleSheet("color: #b35900;")
        note = QLabel("Each digit is decode(z) for a z drawn from N(0, I). The same points are kept while the VAE "
                      "trains, so you see them turn from noise into digits.", wordWrap=True)
        note.setStyleSheet("color: #555;")
        controls = QHBoxLayout()
        controls.addWidget(self.regenerate_button)
        controls.addWidget(self.count_box)
        controls.addWidget(note, 1)
        self.lesson = QLabel(wordWrap=True)
        self.lesson.setStyleSheet("color: #333;")
        self.lesson.setVisible(False)
        self.grid_row = QGridLayout()  # side by side, COLUMNS to a row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(self.lesson)
        layout.addLayout(self.grid_row, 1)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.count_box.currentIndexChanged.connect(lambda _: self.redraw_all())

    def regenerate(self) -> None:
        self.seed += 1
        self.redraw_all()

    def redraw_all(self) -> None:
        for name in list(self.grids):
            self.redraw(name)

    def _on_vae_changed(self, name: str) -> None:
        if name not in self.grids:
            self._add_grid(name)
        if self.isVisible():
            self.redraw(name)
        else:
            self._stale.add(name)  # no work for a hidden tab

    def showEvent(self, event) -> None:
        super().showEvent(event)
        for name in list(self._stale):
            self.redraw(name)

    def _add_grid(self, name: str) -> None:
        box = QGroupBox(f"Generated with {model_title(name)}")
        grid = ImageGrid(colorbar=False)
        grid.setMinimumSize(260, 260)
        grid.setToolTip("Pixel probabilities of decode(z), z ~ N(0, I)")
        QVBoxLayout(box).addWidget(grid)
        self.grids[name], self._boxes[name] = grid, box
        order = sorted(self.grids, key=picker_rank)  # the conv VAEs first, then seed 000's Model 1, Model 2
        for other in order:
            self.grid_row.removeWidget(self._boxes[other])
        for index, other in enumerate(order):
            self.grid_row.addWidget(self._boxes[other], index // COLUMNS, index % COLUMNS)
        self.message.setVisible(False)
        self._update_lesson()

    def _update_lesson(self) -> None:
        """Say why the seed's digits blur beside a conv VAE's; or suggest training one to compare."""
        shown = list(self.grids)
        text = WHY_SEED_BLURS if any(map(has_seed_decoder, shown)) else (COMPARE_HINT if shown else "")
        self.lesson.setText(text)
        self.lesson.setVisible(bool(text))

    def redraw(self, name: str) -> None:
        self._stale.discard(name)
        replica = self._replica(name)
        if replica is None:
            return
        count = self.count_box.currentData()
        samples = latent.prior_samples(replica.model, count, seed=self.seed)
        self.grids[name].set_images(samples, levels=(0.0, 1.0), columns=int(np.ceil(np.sqrt(count))))
        note = training_note(name, replica.step)
        run = self._run_of(name)
        self._boxes[name].setTitle(f"{run_label(self.state, run.id)} · step {replica.step:,}, epoch {replica.epoch}"
                                   + (" · still learning" if note else ""))
        self._boxes[name].setToolTip(note or f"Decodes of {count} points drawn from N(0, I)")

    def samples(self, name: str) -> np.ndarray | None:
        """What the grid of ``name`` shows (for tests)."""
        grid = self.grids.get(name)
        return None if grid is None else grid.mosaic()
