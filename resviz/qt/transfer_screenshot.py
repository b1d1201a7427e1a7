"""Screenshots of the Transfer tab (and Filters' colour kernels) after a real run, for the README.

    python -m resviz.qt.transfer_screenshot --out assets/ [--weights FILE] [--sizes 1280x820 900x600]

Builds a small folder of object photos from the only photos installed packages ship
(scikit-learn's ``china.jpg`` and ``flower.jpg``, matplotlib's ``grace_hopper.jpg``): 40
random crops of each, one class per photo. Then it trains seed 002's recipe on them in the
Transfer tab, clicks a test image for Grad-CAM, and grabs the window. ``--weights``
defaults to torchvision's ImageNet weights when they are in torch's cache, else an
untrained ResNet-50 (say so wherever the picture is shown).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

PHOTOS = {"temple": ("sklearn", "china.jpg"), "flower": ("sklearn", "flower.jpg"),
          "portrait": ("matplotlib", "grace_hopper.jpg")}


def packaged_photo(package: str, name: str) -> Path:
    if package == "sklearn":
        import sklearn.datasets

        return Path(sklearn.datasets.__file__).parent / "images" / name
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / name


def write_photo_folder(root: Path, crops: int = 40, seed: int = 0) -> Path:
    """root/<class>/<n>.jpg: random square crops (30-70% of the shorter side, some mirrored) of each photo."""
    from PIL import Image, ImageOps

    rng = np.random.default_rng(seed)
    for label, (package, name) in PHOTOS.items():
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        with Image.open(packaged_photo(package, name)) as photo:
            photo = photo.convert("RGB")
            short = min(photo.size)
            for n in range(crops):
                side = int(short * rng.uniform(0.3, 0.7))
                left, top = rng.integers(0, photo.width - side + 1), rng.integers(0, photo.height - side + 1)
                crop = photo.crop((left, top, left + side, top + side)).resize((160, 160))
                (ImageOps.mirror(crop) if rng.random() < 0.5 else crop).save(folder / f"{n:03d}.jpg", quality=90)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets")
    parser.add_argument("--weights", help="a ResNet-50 state-dict file (default: ImageNet's if cached, else untrained)")
    parser.add_argument("--sizes", nargs="*", default=["1280x820", "900x600"])
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=1, help="seed 002 trains one")
    parser.add_argument("--no-demo", action="store_true", help="skip the digits demo (its table stays empty)")
    args = parser.parse_args(argv)

    import torch
    from PySide6.QtCore import Qt, QTimer

    from ..core.models.transfer import WeightsUnavailable, imagenet_weights_file
    from ..core.runs import RunStatus
    from .app import create_app
    from .main_window import MainWindow
    from .settings import Settings

    work = Path(tempfile.mkdtemp(prefix="resviz-transfer-shot-"))
    os.environ.setdefault("RESVIZ_CHECKPOINTS", str(work / "checkpoints"))  # keep the person's list clean
    folder = write_photo_folder(work / "objects")
    weights = args.weights
    if weights is None:
        try:
            weights = str(imagenet_weights_file(download=False))
        except WeightsUnavailable:
            from torchvision.models import resnet50

            weights = str(work / "resnet50-untrained.pt")
            torch.save(resnet50(weights=None).state_dict(), weights)
            print("ImageNet weights are not cached here: the backbone is an untrained ResNet-50")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = create_app()
    window = MainWindow(settings=Settings.throwaway())
    window.resize(*(int(v) for v in args.sizes[0].split("x")))
    window.show()
    panel = window.panel("Transfer")
    window.tabs.setCurrentWidget(panel)
    panel.folder_edit.setText(str(folder))
    panel.set_weights_file(weights)
    panel.image_size.setValue(args.image_size)
    panel.epochs.setValue(args.epochs)
    panel.train_button.click()
    if not args.no_demo:
        panel.demo.button.click()

    def settle(count: int = 30) -> None:
        for _ in range(count):
            app.processEvents()

    def grab(name: str) -> None:
        settle()
        window.grab().save(str(out / name))
        print(out / name)

    def when_samples_shown():
        if not panel.grid.cards or panel.demo.running:
            QTimer.singleShot(500, when_samples_shown)
            return
        panel.grid.select(min(4, len(panel.grid.cards) - 1))
        QTimer.singleShot(4000, grab_all)

    def grab_all():
        for size in args.sizes:
            width, height = (int(v) for v in size.split("x"))
            window.resize(width, height)
            window.resizeDocks([window.runs_dock], [110], Qt.Orientation.Vertical)  # the tab, not 17 runs' rows
            window.tabs.setCurrentWidget(panel)
            grab("transfer.png" if size == args.sizes[0] else f"transfer-{size}.png")
            window.state.select(waiting[0])  # Filters shows the selected run: the photos' ResNet-50
            window.tabs.setCurrentWidget(window.panel("Filters"))
            grab("filters_rgb.png" if size == args.sizes[0] else f"filters_rgb-{size}.png")
        window.close()

    waiting = []

    def on_changed(run_id, changes):
        run = window.state.run(run_id)
        if ("status" in changes and run is not None and run.status == RunStatus.DONE and not waiting
                and run.dataset == "folder"):
            waiting.append(run_id)  # the status is told twice: by the last event and when its thread ends
            QTimer.singleShot(500, when_samples_shown)

    window.state.run_changed.connect(on_changed)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
