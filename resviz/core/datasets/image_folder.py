"""A person's own photos as a dataset: any folder of class sub-folders (seed 002).

The layout is torchvision's ImageFolder: ``<path>/<class>/<image>``, the class names
being the sub-folders' names. Every image is decoded once (RGB, EXIF rotation applied,
the shorter side scaled to ``image_size`` and the centre cropped square) into one uint8
tensor [N, 3, S, S], and the tensors are written to a cache file in the per-user cache
folder, keyed by the folder's file list (names, sizes, modification times), the size and
the split. Epochs and later runs read that file back memory-mapped and never decode a
JPEG again. The file carries a digest of its tensors: one that does not verify, lacks a
part or cannot be read is decoded again, and a cache that cannot be written (a full
disk) is done without; both are said in the ``note``. Files that cannot be read (or are
links to nothing, link loops, names that are not UTF-8, images too large to decode) are
skipped and listed in the ``note`` too.

Without a test folder, 20% of each class is held out for testing, drawn with a fixed
seed (seed 002 split its 10,000 photos 8,000 / 2,000); per class, so a small folder
still tests every class, and a class with fewer than two readable images is refused.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import pickle
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..atomic import UnsafeTarget, atomic_write
from .dataset import Dataset
from .folders import default_cache_dir
from .registry import DatasetSpec, DatasetUnavailable, ProgressCallback, register_dataset

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
TEST_FRACTION = 0.2
SPLIT_SEED = 0
CACHE_VERSION = 2  # bump when the decoding or the cache's layout changes, so old caches are not reused
CACHE_TENSORS = ("train_inputs", "train_labels", "test_inputs", "test_labels")
# What one image may decode to (after a JPEG's reduced-scale draft): 50 MP is 150 MB as RGB, and eight
# decode at once. A PNG or TIFF cannot decode at a reduced scale, so a 144 MP one is refused, not decoded.
MAX_DECODED_PIXELS = 50_000_000

log = logging.getLogger("resviz")


class ImageTooLarge(ValueError):
    """An image that would decode to more than MAX_DECODED_PIXELS; the message gives its size."""


def cache_dir() -> Path:
    return default_cache_dir().parent / "images"


@dataclass
class FolderScan:
    """What a folder holds: class names, usable image files, their fingerprint lines, and what was skipped."""

    root: Path
    classes: list[str] = field(default_factory=list)
    files: list[tuple[Path, int]] = field(default_factory=list)  # (image file, class index)
    lines: list[str] = field(default_factory=list)  # per file: name, class, size, mtime (the cache key)
    skipped: list[str] = field(default_factory=list)  # "name (why)", as the note lists them


def scan_folder(path: Path) -> FolderScan:
    """The class sub-folders and their image files in a stable order; raises DatasetUnavailable.

    Files that cannot be images here (a link to nothing, a link loop, a name that is not
    UTF-8, a FIFO) are skipped and listed, as unreadable images are.
    """
    if not path.is_dir():
        raise DatasetUnavailable(f"{path} is not a folder.")
    scan = FolderScan(path)
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not _is_utf8(folder.name):
            scan.skipped.append(f"{shown_name(folder.name)}/ (the folder's name is not valid UTF-8: rename it)")
            continue
        label, found = len(scan.classes), 0
        for image in _image_files(folder, scan.skipped, path):
            line = _fingerprint_line(image, label, path, scan.skipped)
            if line is not None:
                scan.files.append((image, label))
                scan.lines.append(line)
                found += 1
        if found:
            scan.classes.append(folder.name)
    if len(scan.classes) < 2:
        raise DatasetUnavailable(
            f"{path} needs at least two class sub-folders with images in them (found {len(scan.classes)}): "
            f"put each class's images in a folder of its own, e.g. {path / 'cats' / '1.jpg'} and "
            f"{path / 'dogs' / '2.jpg'}.")
    return scan


def _image_files(folder: Path, skipped: list[str], root: Path) -> list[Path]:
    def unreadable(error: OSError) -> None:  # a sub-folder os.walk cannot list
        skipped.append(f"{shown_name(_relative(Path(error.filename or folder), root))}/ ({error.strerror or error})")

    return sorted(
        Path(parent) / name for parent, _, names in os.walk(folder, onerror=unreadable) for name in names
        if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith(".")
    )


def _fingerprint_line(image: Path, label: int, root: Path, skipped: list[str]) -> str | None:
    """``name|class|size|mtime`` for the cache key, or None (and a line in ``skipped``) when unusable."""
    name = _relative(image, root)
    if not _is_utf8(name):
        skipped.append(f"{shown_name(name)} (its name is not valid UTF-8: rename it)")
        return None
    try:
        info = image.stat()  # follows a link: what would be decoded
    except OSError as error:
        skipped.append(f"{name} ({_why_unstatable(image, error)})")
        return None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the decoder for ever
        skipped.append(f"{name} (not a regular file)")
        return None
    return f"{name}|{label}|{info.st_size}|{info.st_mtime_ns}"


def _why_unstatable(image: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "a symbolic link loop"
    if isinstance(error, FileNotFoundError) and image.is_symlink():
        return f"a symbolic link to {shown_name(os.readlink(image))}, which does not exist"
    return error.strerror or str(error)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _is_utf8(text: str) -> bool:
    """False for a name Python decoded with surrogate escapes (its bytes are not UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(text: str) -> str:
    """A file name fit to print: bytes that are not UTF-8 shown as \\xNN."""
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def decode_image(path: Path, size: int) -> np.ndarray:
    """One image file -> uint8 [3, size, size]: RGB, upright, shorter side scaled, centre cropped.

    Decoded no larger than needed: a JPEG at a reduced scale (``draft``), anything else
    shrunk at once to a shorter side of ``size``; raises ImageTooLarge past MAX_DECODED_PIXELS.
    """
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image.draft("RGB", (size, size))  # a JPEG decodes at a reduced scale still >= size: much faster
        _refuse_too_large(image)
        _shrink(image, size)
        image = ImageOps.exif_transpose(image).convert("RGB")
        image = ImageOps.fit(image, (size, size), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8).transpose(2, 0, 1)


def _refuse_too_large(image) -> None:
    width, height = image.size
    if width * height > MAX_DECODED_PIXELS:
        raise ImageTooLarge(
            f"{width}×{height} is {width * height / 1e6:.3g} megapixels; resviz decodes at most "
            f"{MAX_DECODED_PIXELS / 1e6:.3g}: save a smaller copy (a JPEG is decoded at a reduced scale)")


def _shrink(image, size: int) -> None:
    """Scale ``image`` in place so its shorter side is ``size``, before any full-size copy is made."""
    width, height = image.size
    if min(width, height) <= size:
        return
    scale = size / min(width, height)
    box = (max(size, round(width * scale)), max(size, round(height * scale)))
    image.thumbnail(box)  # keeps the aspect; reduces by whole factors first, then resamples


def _try_decode(path: Path, size: int) -> np.ndarray | str:
    from PIL import Image

    try:
        return decode_image(path, size)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        return str(error).splitlines()[0] if str(error) else type(error).__name__


def cache_key(scan: FolderScan, test_scan: FolderScan | None, size: int) -> str:
    digest = hashlib.sha1(f"v{CACHE_VERSION}|{size}|{TEST_FRACTION}|{SPLIT_SEED}|{MAX_DECODED_PIXELS}".encode())
    for listed in (scan, test_scan):
        if listed is not None:
            digest.update(os.fsencode(listed.root) + "\n".join(["", *listed.lines]).encode())
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


def _decode_all(scan: FolderScan, size, progress, done_before: int, total: int):
    files = scan.files
    images = np.zeros((len(files), 3, size, size), dtype=np.uint8)
    kept, skipped = np.zeros(len(files), dtype=bool), []
    workers = min(8, os.cpu_count() or 1)  # PIL releases the GIL while it decodes and resizes
    step = max(1, total // 100)
    with ThreadPoolExecutor(workers) as pool:
        for index, result in enumerate(pool.map(lambda f: _try_decode(f[0], size), files)):
            if isinstance(result, str):
                skipped.append(f"{_relative(files[index][0], scan.root)} ({result})")
            else:
                images[index], kept[index] = result, True
            done = done_before + index + 1
            if progress and (done % step == 0 or done == total):
                progress(f"Decoding images to {size}×{size}: {done:,} / {total:,}", done / total)
    labels = np.array([label for _, label in files], dtype=np.int64)
    return images[kept], labels[kept], skipped


def _build_cache(scan: FolderScan, test_scan: FolderScan | None, size, progress) -> dict:
    total = len(scan.files) + (len(test_scan.files) if test_scan else 0)
    images, labels, skipped = _decode_all(scan, size, progress, 0, total)
    if test_scan is None:
        test = split_per_class(labels)
        train_images, train_labels, test_images, test_labels = images[~test], labels[~test], images[test], labels[test]
    else:
        train_images, train_labels = images, labels
        test_images, test_labels, test_skipped = _decode_all(test_scan, size, progress, len(scan.files), total)
        skipped += test_skipped
    payload = {
        "version": CACHE_VERSION,
        "train_inputs": torch.from_numpy(train_images), "train_labels": torch.from_numpy(train_labels),
        "test_inputs": torch.from_numpy(test_images), "test_labels": torch.from_numpy(test_labels),
        "skipped": skipped,
    }
    payload["digest"] = payload_digest(payload)
    return payload


# --- the cache file: written atomically, verified when read, rebuilt when it does not verify ----------
def payload_digest(payload: dict) -> str:
    """sha256 of the tensors' shapes, types and bytes and of the skipped list: flipped bytes show."""
    digest = hashlib.sha256()
    for key in CACHE_TENSORS:
        tensor = payload[key]
        digest.update(f"{key}|{tensor.dtype}|{tuple(tensor.shape)}\n".encode())
        digest.update(np.ascontiguousarray(tensor.numpy()).reshape(-1).view(np.uint8))  # no copy when mapped
    digest.update("\n".join(payload["skipped"]).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _write_cache(payload: dict, target: Path) -> str | None:
    """None once written; else why there is no cache this time (training goes on without one)."""
    try:
        atomic_write(target, lambda file: torch.save(payload, file))
    except (OSError, RuntimeError, UnsafeTarget) as error:  # a full disk, a read-only cache folder, ...
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return (f"The decoded images could not be cached in {target} ({reason}); training goes on without "
                "a cache, and the next run decodes them again.")
    return None


def _read_cache(target: Path) -> tuple[dict | None, str | None]:
    """(the verified payload or None, why a cache that is there cannot be used, or None)."""
    if not os.path.lexists(target):
        return None, None
    try:
        payload = torch.load(target, mmap=True, weights_only=True)  # pages are read as batches need them
        reason = _unusable(payload)
    except pickle.UnpicklingError:  # never loaded otherwise: a cache must not run code
        return None, "it holds Python objects other than tensors"
    except Exception as error:  # noqa: BLE001 — whatever makes a cache unreadable, it is decoded again
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return None, f"it cannot be read ({type(error).__name__}{': ' + first[:200] if first else ''})"
    return (None, reason) if reason else (payload, None)


def _unusable(payload) -> str | None:
    """Why ``payload`` is not a cache this version wrote, intact; None when it is."""
    if not isinstance(payload, dict):
        return "it is not a resviz image cache"
    if payload.get("version") != CACHE_VERSION:
        return f"it is from another resviz version (cache version {payload.get('version')!r})"
    missing = [key for key in (*CACHE_TENSORS, "skipped", "digest") if key not in payload]
    if missing:
        return f"it lacks {', '.join(missing)}"
    shape_problem = _shape_problem(payload)
    if shape_problem:
        return shape_problem
    if payload["digest"] != payload_digest(payload):
        return "its contents do not match their digest (the file was changed or damaged)"
    return None


def _shape_problem(payload: dict) -> str | None:
    if not all(torch.is_tensor(payload[key]) for key in CACHE_TENSORS):
        return "its images or labels are not tensors"
    if not (isinstance(payload["skipped"], list) and all(isinstance(s, str) for s in payload["skipped"])):
        return "its list of skipped files is not a list of names"
    for split in ("train", "test"):
        inputs, labels = payload[f"{split}_inputs"], payload[f"{split}_labels"]
        if inputs.dtype != torch.uint8 or inputs.ndim != 4 or labels.dtype != torch.int64 or labels.ndim != 1 \
                or len(inputs) != len(labels):
            return f"its {split} images and labels do not fit together"
    return None


def _cached_or_built(scan, test_scan, size, progress) -> tuple[dict, list[str]]:
    """The decoded images (from a verified cache, else decoded now) and notes on the cache itself."""
    target = cache_dir() / f"{cache_key(scan, test_scan, size)}.pt"
    payload, reason = _read_cache(target)
    notes = []
    if reason:
        notes.append(f"The image cache {target} was not used and is rebuilt: {reason}.")
    if payload is None:
        payload = _build_cache(scan, test_scan, size, progress)
        notes.append(_write_cache(payload, target))
    notes = [note for note in notes if note]
    for note in notes:
        log.warning(note)
    return payload, notes


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
    scan = scan_folder(root)
    test_scan = _test_scan(Path(test_path).expanduser().resolve(), scan) if test_path else None
    payload, cache_notes = _cached_or_built(scan, test_scan, image_size, progress)
    _check_counts(scan, test_scan, payload)
    skipped = scan.skipped + (test_scan.skipped if test_scan else []) + list(payload["skipped"])
    options = {"path": str(root), "image_size": image_size}
    if test_scan is not None:
        options["test_path"] = str(test_scan.root)
    note = " ".join(filter(None, [_skipped_note(skipped), *cache_notes])) or None
    return Dataset(
        "folder", f"{root.name} ({image_size}×{image_size})", tuple(scan.classes),
        payload["train_inputs"], payload["train_labels"], payload["test_inputs"], payload["test_labels"],
        source=str(root), note=note, options=options,
    )


def _test_scan(test_root: Path, scan: FolderScan) -> FolderScan:
    """The test folder's scan, its class indices made the training folder's."""
    test_scan = scan_folder(test_root)
    unknown = sorted(set(test_scan.classes) - set(scan.classes))
    if unknown:
        raise DatasetUnavailable(f"The test folder has classes the training folder lacks: {', '.join(unknown)}.")
    test_scan.files = [(file, scan.classes.index(test_scan.classes[label])) for file, label in test_scan.files]
    return test_scan


def _check_counts(scan: FolderScan, test_scan: FolderScan | None, payload: dict) -> None:
    """Refuse a set that cannot be trained and tested: an empty test set would report 0% accuracy."""
    train = np.bincount(payload["train_labels"].numpy(), minlength=len(scan.classes))
    test = np.bincount(payload["test_labels"].numpy(), minlength=len(scan.classes))
    if train.sum() == 0:
        raise DatasetUnavailable(f"None of the images in {scan.root} could be read.")
    if test_scan is not None:
        if test.sum() == 0:
            raise DatasetUnavailable(f"None of the images in the test folder {test_scan.root} could be read.")
        empty = [name for name, count in zip(scan.classes, train) if count == 0]
        if empty:
            raise DatasetUnavailable(f"No image of {', '.join(empty)} in {scan.root} could be read: every class "
                                     "needs at least one image to train on.")
        return
    short = [f"{name} has {count}" for name, count in zip(scan.classes, train + test) if count < 2]
    if short:
        raise DatasetUnavailable(
            f"Each class needs at least 2 readable images (one to train on, one to test with: "
            f"{TEST_FRACTION:.0%} of each class is held out for testing), but in {scan.root} "
            f"{'; '.join(short)}. Add images to those classes, or give a test folder of its own "
            "(resviz transfer --test-images DIR).")


def _skipped_note(skipped: list[str]) -> str | None:
    if not skipped:
        return None
    shown = "; ".join(skipped[:10]) + (f"; and {len(skipped) - 10} more" if len(skipped) > 10 else "")
    return f"{len(skipped)} file(s) could not be read and were skipped: {shown}."


register_dataset(DatasetSpec(
    "folder", "Image folder", "your own photos: a folder with one sub-folder of images per class",
    None, None, load_image_folder,
))
