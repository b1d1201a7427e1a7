"""A person's own photos as a dataset: any folder of class sub-folders (seed 002).

The layout is torchvision's ImageFolder: ``<path>/<class>/<image>``, the class names
being the sub-folders' names. Every image is decoded once (RGB, EXIF rotation applied,
the shorter side scaled to ``image_size`` and the centre cropped square) into one uint8
tensor [N, 3, S, S], and the tensors are written to a cache file in the per-user cache
folder, keyed by the folder's file list (names, sizes, modification times), the size and
the split. Epochs and later runs read that file back memory-mapped and never decode a
JPEG again. Files that cannot be read are skipped and listed in the dataset's ``note``.

Without a test folder, 20% of each class is held out for testing, drawn with a fixed
seed (seed 002 split its 10,000 photos 8,000 / 2,000); per class, so a small folder
still tests every class.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from ..data import Dataset, DatasetSpec, DatasetUnavailable, ProgressCallback, default_cache_dir, register_dataset

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
TEST_FRACTION = 0.2
SPLIT_SEED = 0
CACHE_VERSION = 1  # bump when the decoding changes, so old caches are not reused


def cache_dir() -> Path:
    return default_cache_dir().parent / "images"


def scan_folder(path: Path) -> tuple[list[str], list[tuple[Path, int]]]:
    """(class names, [(image file, class index)]) in a stable order; raises DatasetUnavailable."""
    if not path.is_dir():
        raise DatasetUnavailable(f"{path} is not a folder.")
    classes, files = [], []
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        images = sorted(
            Path(root) / name for root, _, names in os.walk(folder) for name in names
            if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith(".")
        )
        if images:
            files.extend((image, len(classes)) for image in images)
            classes.append(folder.name)
    if len(classes) < 2:
        raise DatasetUnavailable(
            f"{path} needs at least two class sub-folders with images in them (found {len(classes)}): "
            f"put each class's images in a folder of its own, e.g. {path / 'cats' / '1.jpg'} and "
            f"{path / 'dogs' / '2.jpg'}.")
    return classes, files


def decode_image(path: Path, size: int) -> np.ndarray:
    """One image file -> uint8 [3, size, size]: RGB, upright, shorter side scaled, centre cropped."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image.draft("RGB", (size, size))  # a JPEG decodes at a reduced scale still >= size: much faster
        image = ImageOps.exif_transpose(image).convert("RGB")
        image = ImageOps.fit(image, (size, size), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8).transpose(2, 0, 1)


def _try_decode(path: Path, size: int) -> np.ndarray | str:
    from PIL import Image

    try:
        return decode_image(path, size)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        return str(error).splitlines()[0] if str(error) else type(error).__name__


def _fingerprint(files: list[tuple[Path, int]], root: Path) -> list[str]:
    lines = []
    for file, label in files:
        stat = file.stat()
        lines.append(f"{file.relative_to(root)}|{label}|{stat.st_size}|{stat.st_mtime_ns}")
    return lines


def cache_key(path: Path, files, test_path: Path | None, test_files, size: int) -> str:
    digest = hashlib.sha1(f"v{CACHE_VERSION}|{size}|{TEST_FRACTION}|{SPLIT_SEED}".encode())
    for root, listed in ((path, files), (test_path, test_files)):
        if root is not None:
            digest.update("\n".join([str(root), *_fingerprint(listed, root)]).encode())
    return digest.hexdigest()[:20]


def split_per_class(labels: np.ndarray, fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED) -> np.ndarray:
    """A boolean test mask: ``fraction`` of each class (at least one where a class has two or more)."""
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        count = int(round(len(members) * fraction))
        if len(members) >= 2:
            count = min(max(count, 1), len(members) - 1)
        test[members[:count]] = True
    return test


def _decode_all(files, size, progress, done_before: int, total: int):
    images = np.zeros((len(files), 3, size, size), dtype=np.uint8)
    kept, skipped = np.zeros(len(files), dtype=bool), []
    workers = min(8, os.cpu_count() or 1)  # PIL releases the GIL while it decodes and resizes
    step = max(1, total // 100)
    with ThreadPoolExecutor(workers) as pool:
        for index, result in enumerate(pool.map(lambda f: _try_decode(f[0], size), files)):
            if isinstance(result, str):
                skipped.append(f"{files[index][0].name} ({result})")
            else:
                images[index], kept[index] = result, True
            done = done_before + index + 1
            if progress and (done % step == 0 or done == total):
                progress(f"Decoding images to {size}×{size}: {done:,} / {total:,}", done / total)
    labels = np.array([label for _, label in files], dtype=np.int64)
    return images[kept], labels[kept], skipped


def _build_cache(path, files, test_path, test_files, size, progress) -> dict:
    total = len(files) + len(test_files)
    images, labels, skipped = _decode_all(files, size, progress, 0, total)
    if test_path is None:
        test = split_per_class(labels)
        train_images, train_labels, test_images, test_labels = images[~test], labels[~test], images[test], labels[test]
    else:
        train_images, train_labels = images, labels
        test_images, test_labels, test_skipped = _decode_all(test_files, size, progress, len(files), total)
        skipped += test_skipped
    return {
        "version": CACHE_VERSION,
        "train_inputs": torch.from_numpy(train_images), "train_labels": torch.from_numpy(train_labels),
        "test_inputs": torch.from_numpy(test_images), "test_labels": torch.from_numpy(test_labels),
        "skipped": skipped,
    }


def _write_atomically(payload: dict, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _read_cache(target: Path) -> dict | None:
    try:
        payload = torch.load(target, mmap=True, weights_only=True)  # pages are read as batches need them
    except (OSError, RuntimeError, EOFError, ValueError):  # missing, truncated or from another torch: decode again
        return None
    return payload if isinstance(payload, dict) and payload.get("version") == CACHE_VERSION else None


def load_image_folder(
    data_dir=None, *, download: bool = True, progress: ProgressCallback | None = None,
    path: str | os.PathLike | None = None, image_size: int = 128, test_path: str | os.PathLike | None = None,
) -> Dataset:
    """The folder at ``path`` as a Dataset (see the module docstring); ``data_dir``/``download`` are unused."""
    if not path:
        raise DatasetUnavailable("An image-folder dataset needs a folder: pass --images DIR "
                                 "(resviz transfer) or choose one in the Transfer tab.")
    image_size = int(image_size)
    if not 16 <= image_size <= 1024:
        raise DatasetUnavailable(f"Image size {image_size} is out of range: use 16 to 1024 pixels (seed 002: 128).")
    root = Path(path).expanduser().resolve()
    test_root = Path(test_path).expanduser().resolve() if test_path else None
    classes, files = scan_folder(root)
    test_files: list = []
    if test_root is not None:
        test_classes, test_files = scan_folder(test_root)
        unknown = sorted(set(test_classes) - set(classes))
        if unknown:
            raise DatasetUnavailable(f"The test folder has classes the training folder lacks: {', '.join(unknown)}.")
        test_files = [(file, classes.index(test_classes[label])) for file, label in test_files]
    target = cache_dir() / f"{cache_key(root, files, test_root, test_files, image_size)}.pt"
    payload = _read_cache(target)
    if payload is None:
        payload = _build_cache(root, files, test_root, test_files, image_size, progress)
        try:
            _write_atomically(payload, target)
        except OSError:  # no cache this time (a full disk): the images are decoded, train anyway
            pass
    if len(payload["train_labels"]) == 0:
        raise DatasetUnavailable(f"None of the images in {root} could be read.")
    options = {"path": str(root), "image_size": image_size}
    if test_root is not None:
        options["test_path"] = str(test_root)
    return Dataset(
        "folder", f"{root.name} ({image_size}×{image_size})", tuple(classes),
        payload["train_inputs"], payload["train_labels"], payload["test_inputs"], payload["test_labels"],
        source=str(root), note=_skipped_note(payload["skipped"]), options=options,
    )


def _skipped_note(skipped: list[str]) -> str | None:
    if not skipped:
        return None
    shown = "; ".join(skipped[:10]) + (f"; and {len(skipped) - 10} more" if len(skipped) > 10 else "")
    return f"{len(skipped)} file(s) could not be read and were skipped: {shown}."


register_dataset(DatasetSpec(
    "folder", "Image folder", "your own photos: a folder with one sub-folder of images per class",
    None, None, load_image_folder,
))
