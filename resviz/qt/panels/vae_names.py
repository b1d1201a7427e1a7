"""What the VAE panels call each VAE run, in which order they list them, and how trained one is.

The pickers of Latent space, Generated and Clusters list VAE runs in registry order
of their models (the convolutional ones first, then seed 000's), each under its run's
name and its model's title (the model spec's ``title``, with its registry name when the
run's name does not say it already: the key is said once).

"Digits appear after about N steps": measured with each model's default recipe
(``resviz train``), the step from which decodes of prior samples look like digits
(the model spec's ``digits_after_steps``, so a new VAE file says it with no edit here).
Before that, the panels say so, so that a blurry picture after 90 steps is not taken
for what the VAE can do.
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import QComboBox

from ...core import models


def _spec(name: str) -> models.ModelSpec | None:
    try:
        return models.spec(name)
    except KeyError:
        return None


def model_title(name: str) -> str:
    """The model as people know it, with its registry name once: "Conv VAE, 16-D latent (cvae)"."""
    spec = _spec(name)
    return spec.label if spec is not None else name


def has_seed_decoder(name: str) -> bool:
    """Whether VAE ``name`` ends in seed 000's row decoder (its samples blur into stripes)."""
    spec = _spec(name)
    return spec is not None and spec.seed_decoder


def picker_rank(name: str) -> int:
    """Registry order: the convolutional VAEs first, then the seed's."""
    order = models.names("vae")
    return order.index(name) if name in order else len(order)


def run_label(state, run_id: str) -> str:
    """A VAE run as the pickers name it, its model's registry name said once: "cvae #2 — Conv VAE, 16-D
    latent" (the run's name has it), "my run — Conv VAE, 16-D latent (cvae)" (renamed)."""
    run = state.run(run_id)
    if run is None:
        return "—"
    title = run.spec.shown_name if names_model(run.name, run.model) else model_title(run.model)
    return f"{run.name} — {title}"


def names_model(text: str, name: str) -> bool:
    """Whether ``text`` already says the registry name ``name`` as a word ("cvae #2" does; "cvae2d #1" not)."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def run_dataset(state, run_id: str | None) -> str:
    """The dataset VAE run ``run_id`` learned (its test digits are the ones to show), MNIST without one."""
    run = state.run(run_id)
    return run.dataset if run is not None else "mnist"


def run_model(state, run_id: str) -> str:
    run = state.run(run_id)
    return run.model if run is not None else ""


def add_in_order(box: QComboBox, state, run_id: str) -> int:
    """Insert VAE run ``run_id`` into a picker at its model's registry place (once); returns its index."""
    index = box.findData(run_id)
    if index >= 0:
        return index
    rank = picker_rank(run_model(state, run_id))
    position = sum(1 for i in range(box.count()) if picker_rank(run_model(state, box.itemData(i))) <= rank)
    box.insertItem(position, run_label(state, run_id), run_id)
    return position


def follow_renames(box: QComboBox, state) -> None:
    """Keep the picker's label of each run it lists as the run is named now."""
    def relabel(run_id: str, changes) -> None:
        index = box.findData(run_id)
        if "name" in changes and index >= 0:
            box.setItemText(index, run_label(state, run_id))

    state.run_changed.connect(relabel)


def follow_selection(box: QComboBox, state) -> None:
    """Selecting a VAE run in the Runs list shows it in this picker too ("select a run and every tab
    inspects it"); selecting a classifier leaves the picker as it is."""
    def follow() -> None:
        run = state.selected_run()
        index = box.findData(run.id) if run is not None else -1
        if index >= 0 and index != box.currentIndex():
            box.setCurrentIndex(index)

    state.selection_changed.connect(follow)


def remove_run(box: QComboBox, run_id: str) -> None:
    index = box.findData(run_id)
    if index >= 0:
        box.removeItem(index)


def training_note(name: str, step: int) -> str:
    """"" once the VAE has trained long enough to draw digits; else a sentence saying so."""
    spec = _spec(name)
    needed = spec.digits_after_steps if spec is not None else None
    if needed is None or step >= needed:
        return ""
    return (f"Trained {step:,} steps: digits appear after about {needed:,} steps of its default recipe, "
            "so what you see now is the VAE still learning.")
