"""Stage and take each of the README's pictures as its caption says, at the window's 1280x820.

    xvfb-run -a -s "-screen 0 1400x900x24" python -m resviz.qt.readme_pictures \\
        --classifier cnn.pt --vae cvae.pt --out assets [--only draw evaluation ...]

``--classifier``: a trained Seed 001 CNN checkpoint (Draw & classify, Evaluation, Filters,
Feature maps); ``--vae``: a trained conv VAE (Latent space, Generated, Clusters). The rest
is trained here, briefly: two classifier runs for the Training picture, the seed's VAEs for
Generated, the Depth lab's degradation preset and the MNIST-1D pair, grabbed mid-training.
Each picture is saved as an optimised palette PNG (``<out>/<name>.png``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

SIZE = (1280, 820)  # the window's default size: the README's pictures compare


def palette_image(image):
    """A screenshot as an image of at most 256 colours, each pixel the nearest of them.

    The palette is picked greedily: next, the colour whose pixels would be worst served (their count
    times the squared distance to the nearest colour picked so far). So backgrounds, text and run
    colours stay exact (a 12 px run swatch included) and only anti-aliasing and heatmaps move: measured
    on these screenshots, 99.9% of pixels within 14 of 255, at about 40% of the RGB file. PIL's own
    quantisers moved swatches to another hue, and its palette mapping tinted a grey background lavender.
    """
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours, inverse, counts = np.unique(pixels, axis=0, return_inverse=True, return_counts=True)
    values = colours.astype(np.int64)
    picked = [int(counts.argmax())]
    distance = ((values - values[picked[0]]) ** 2).sum(axis=1)
    while len(picked) < min(256, len(colours)):
        picked.append(int((counts * distance).argmax()))
        distance = np.minimum(distance, ((values - values[picked[-1]]) ** 2).sum(axis=1))
    palette = values[picked]
    nearest = ((values[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2).argmin(axis=1).astype(np.uint8)
    result = Image.fromarray(nearest[inverse.reshape(-1)].reshape(image.size[1], image.size[0]), "P")
    result.putpalette(palette.astype(np.uint8).flatten().tolist())
    return result


def save_small(image_path: Path) -> int:
    """Rewrite a screenshot as an optimised palette PNG; its bytes."""
    from PIL import Image

    with Image.open(image_path) as image:
        small = palette_image(image)
    small.save(image_path, optimize=True)
    return image_path.stat().st_size


class Stage:
    """The window, a way to wait on it without blocking its events, and a camera."""

    def __init__(self, out: Path, settings_dir: Path):
        from PySide6.QtWidgets import QMessageBox

        from .app import create_app
        from .main_window import MainWindow
        from .settings import Settings

        # an unattended run has nobody to close a dialog: say it on stderr instead
        for name in ("warning", "information", "critical"):
            setattr(QMessageBox, name, staticmethod(
                lambda _parent, title, text, *a, **k: print(f"dialog {title}: {text}", file=sys.stderr)))
        self.app = create_app()
        self.window = MainWindow(settings=Settings(settings_dir / "settings.json"))
        self.window.resize(*SIZE)
        self.window.show()
        self.state = self.window.state
        self.out = out
        self.pump(1)

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)

    def wait(self, ready, what: str, timeout: float = 300) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if ready():
                return True
            self.pump(0.2)
        print(f"gave up waiting for {what} after {timeout:.0f} s", file=sys.stderr)
        return False

    def show_tab(self, title: str):
        panel = self.window.panel(title)
        self.window.tabs.setCurrentIndex(self.window.panels.index(panel))
        self.pump(1)
        return panel

    def grab(self, name: str, settle: float = 1.5) -> None:
        """``settle``: seconds of events first, for the layout and the last redraws (short for a fast run)."""
        self.window.resize(*SIZE)
        self.pump(settle)
        self.window.statusBar().clearMessage()  # 'Saved checkpoint …' belongs to the moment, not the picture
        self.app.processEvents()
        path = self.out / f"{name}.png"
        self.window.grab().save(str(path))
        print(f"{path} {save_small(path):,} bytes")

    def train_fraction(self, run) -> float:
        progress = self.state.run(run.id).progress
        return progress.step / progress.total_steps if progress else 0.0


def _named(state, name: str):
    return next(run for run in state.runs if run.name == name)


# --- one function per picture, in an order that lets later ones reuse earlier runs -------------
def training(stage: Stage, args) -> None:
    """Two classifier runs overlaid: a one-epoch ResNet run that finished, a CNN selected near its end."""
    panel = stage.show_tab("Training")
    panel.device_box.setCurrentText("cpu")
    runs = []
    # one ResNet epoch: its single accuracy point sits left of the CNN's labelled last one, and both
    # runs' accuracies share a narrow range (a 2,000-image ResNet's first epoch stretched it to 0.1)
    for model, epochs, images in (("resnet", 1, 10_000), ("cnn", 3, 10_000)):
        panel.model_box.setCurrentIndex(panel.model_box.findData(model))
        panel.epochs.setValue(epochs)
        panel.subset.setCurrentIndex(panel.subset.findData(images))
        runs.append(panel.start_training(panel.config()))
    resnet, cnn = runs
    stage.wait(lambda: not stage.state.run(resnet.id).status.active, "the ResNet run", 600)
    stage.wait(lambda: stage.train_fraction(cnn) > 0.75, "the CNN run to pass 75%", 300)
    stage.state.select(cnn.id)
    stage.state.set_ticked(cnn.id, True)
    stage.state.set_ticked(resnet.id, True)
    stage.grab("training", settle=0.5)  # before its last epoch ends
    stage.wait(lambda: not stage.state.run(cnn.id).status.active, "the CNN run to finish", 120)


def draw(stage: Stage, args) -> None:
    stage.state.select(stage.classifier.id)
    panel = stage.show_tab("Draw & classify")
    for _ in range(60):  # a digit the model is not sure of, so the bars have something to say
        note = panel.canvas_note.text()
        panel.load_random_test_digit()
        stage.wait(lambda note=note: panel.canvas_note.text() != note, "a test digit", 60)
        stage.pump(1.5)  # its probabilities, computed off the GUI thread
        probabilities = panel.probabilities()
        if probabilities is not None and 0.5 < probabilities.max() < 0.9:
            break
    stage.grab("draw")


def evaluation(stage: Stage, args) -> None:
    import numpy as np

    stage.state.select(stage.classifier.id)
    panel = stage.show_tab("Evaluation")
    view = panel.confusion
    stage.wait(lambda: getattr(view, "confusion", None) is not None and view.confusion.sum() > 0,
               "the evaluation", 300)
    off_diagonal = view.confusion - np.diag(np.diag(view.confusion))
    true_class, predicted = np.unravel_index(int(off_diagonal.argmax()), off_diagonal.shape)
    view.select(int(true_class), int(predicted))  # what a click on the cell does
    view.cell_clicked.emit(int(true_class), int(predicted))
    stage.grab("evaluation")


def filters(stage: Stage, args) -> None:
    """The trained CNN's second conv layer and what each of its channels wants to see."""
    stage.state.select(stage.classifier.id)
    panel = stage.show_tab("Filters")
    panel.layer_list.setCurrentRow(min(1, panel.layer_list.count() - 1))
    stage.pump(1)
    stage.wait(lambda: bool(panel.wants.captions()) and not panel.wants.busy, "the channel pictures", 300)
    stage.grab("filters")


def feature_maps(stage: Stage, args) -> None:
    stage.state.select(stage.classifier.id)
    panel = stage.show_tab("Feature maps")
    stage.wait(lambda: panel.current_record() is not None, "the feature maps", 120)
    panel.show_channel(15)  # one channel large, beside the kernel that made it
    stage.grab("feature_maps")


def latent(stage: Stage, args) -> None:
    stage.state.select(stage.vae.id)
    panel = stage.show_tab("Latent space")
    stage.pump(2)
    panel.encode_test_button.click()  # the sliders at a real digit's code, not all at zero
    stage.pump(3)
    stage.grab("vae_latent")


def latent_plane(stage: Stage, args) -> None:
    """The 2-D conv VAE's whole latent plane as a map of digits (needs --vae2d)."""
    if not args.vae2d or not stage.window.open_checkpoint(args.vae2d):
        print("latent_plane: no --vae2d checkpoint, picture not taken", file=sys.stderr)
        return
    stage.state.select(stage.state.runs[-1].id)
    panel = stage.show_tab("Latent space")
    stage.pump(2)
    panel.encode_test_button.click()
    stage.pump(4)
    stage.grab("vae_latent_plane")


def generated(stage: Stage, args) -> None:
    """The seed's two LSTM-encoder VAEs, a few hundred steps each, beside the conv VAE; scored."""
    from ..core.trainer import TrainConfig

    stage.state.parallel_runs = 2
    runs = [stage.state.start_run(TrainConfig.for_model(model, device="cpu", epochs=1, train_subset=args.seed_vae_images))
            for model in ("vae1", "vae2")]
    stage.wait(lambda: not any(stage.state.run(run.id).status.active for run in runs), "the seed VAEs", 600)
    stage.state.select(stage.vae.id)
    panel = stage.show_tab("Generated")
    stage.pump(3)
    panel.score_samples()
    stage.pump(2)  # its progress bar shows once the work has started
    stage.wait(lambda: not panel.score_progress.isVisible(), "the scores", 420)
    stage.grab("vae_generated")


def clusters(stage: Stage, args) -> None:
    from ..core.analysis.clusters import SOURCE_TITLES
    from ..core.analysis.projections import PROJECTION_TITLES

    stage.state.select(stage.vae.id)
    panel = stage.show_tab("Clusters")
    panel.model_box.setCurrentIndex(panel.model_box.findData(stage.vae.id))  # it offers the newest VAE first
    panel.source_box.setCurrentText(SOURCE_TITLES["latent"])
    panel.projection_box.setCurrentText(PROJECTION_TITLES["umap"])
    stage.wait(panel.run_button.isEnabled, "the Cluster button", 120)
    panel.run_button.click()
    stage.pump(1)
    stage.wait(lambda: not panel.cancel_button.isEnabled() and panel.run_button.isEnabled(), "the clusters", 600)
    panel.show_point(0)  # what hovering a point shows, so the side box is not empty
    stage.grab("clusters")


def depth_lab(stage: Stage, args) -> None:
    panel = stage.show_tab("Depth lab")
    panel.pick_preset("degradation")
    runs = panel.train()
    stage.wait(lambda: min(stage.train_fraction(run) for run in runs) > 0.5, "the Depth lab half way", 600)
    stage.grab("depth_lab")
    panel.stop_all()


def mnist1d(stage: Stage, args) -> None:
    panel = stage.show_tab("MNIST-1D")
    runs = panel.train_both()
    # the CNN's 50 epochs take seconds on an idle CPU: grab as soon as both are well under way
    stage.wait(lambda: min(stage.train_fraction(run) for run in runs) > 0.3, "MNIST-1D under way", 600)
    stage.grab("mnist1d", settle=0.3)
    panel.stop_both()


def followed_run(stage: Stage, args) -> None:
    """The window following a run folder that a separate ``resviz train --run-dir`` writes."""
    import subprocess

    for run in stage.state.runs:  # the runs ticked for the Training picture would crowd this one
        stage.state.set_ticked(run.id, False)
    folder = Path(stage.scratch) / "mnist-cnn-job"
    writer = subprocess.Popen([sys.executable, "-m", "resviz", "train", "--model", "cnn", "--epochs", "2",
                               "--device", "cpu", "--run-dir", str(folder)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stage.wait(lambda: (folder / "run.json").exists(), "the run folder", 120)
        stage.window.follow_run_folder(str(folder))
        # the run joins the list when the folder's first record says what it is
        stage.wait(lambda: any(stage.state.following(run.id) for run in stage.state.runs), "the followed run", 120)
        run = next(run for run in stage.state.runs if stage.state.following(run.id))
        stage.state.select(run.id)
        stage.show_tab("Training")
        stage.wait(lambda: stage.train_fraction(run) > 0.6, "the followed run to pass 60%", 300)
        stage.grab("followed_run", settle=0.5)
    finally:
        writer.terminate()
        writer.wait(30)


def _without_runs_list(stage: Stage, tab: str, name: str, view: int | None = None) -> None:
    """A lab tab that needs no run, with the Runs list closed for its room, as a person may."""
    stage.window.runs_dock.hide()
    panel = stage.show_tab(tab)
    if view is not None:
        panel.views.setCurrentIndex(view)
    stage.pump(3)
    stage.grab(name)
    stage.window.runs_dock.show()


def conv_lab_digit(stage: Stage, args) -> None:
    _without_runs_list(stage, "Convolution lab", "conv_lab_digit", 0)


def conv_lab_1d(stage: Stage, args) -> None:
    _without_runs_list(stage, "Convolution lab", "conv_lab_1d", 2)


def augmentation(stage: Stage, args) -> None:
    stage.show_tab("Augmentation")
    stage.pump(3)
    stage.grab("augmentation")


def architectures(stage: Stage, args) -> None:
    stage.show_tab("Architectures")
    stage.pump(3)
    stage.grab("architectures")


PICTURES = {f.__name__: f for f in (training, draw, evaluation, filters, feature_maps, latent, latent_plane,
                                     clusters, generated, depth_lab, mnist1d, followed_run, conv_lab_digit,
                                     conv_lab_1d, augmentation, architectures)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifier", required=True, help="a trained cnn checkpoint")
    parser.add_argument("--vae", required=True, help="a trained cvae checkpoint")
    parser.add_argument("--vae2d", help="a trained cvae2d checkpoint (the latent plane)")
    parser.add_argument("--out", default="assets")
    parser.add_argument("--only", nargs="*", choices=sorted(PICTURES), help="these pictures (default: all)")
    parser.add_argument("--seed-vae-images", type=int, default=8_000,
                        help="training images for each seed VAE's one epoch (Generated)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        # the runs trained for the pictures are thrown away with it, not added to the person's own
        os.environ["XDG_DATA_HOME"] = str(Path(scratch) / "data")
        stage = Stage(out, Path(scratch))
        stage.scratch = scratch
        for path in (args.classifier, args.vae):
            if not stage.window.open_checkpoint(path):
                return 1
        stage.classifier, stage.vae = stage.state.runs[-2], stage.state.runs[-1]
        for name, take in PICTURES.items():
            if not args.only or name in args.only:
                started = time.monotonic()
                take(stage, args)
                print(f"{name}: {time.monotonic() - started:.0f} s", file=sys.stderr)
        stage.state.shutdown(10_000)
        stage.window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
