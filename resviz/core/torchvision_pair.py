"""torch and torchvision: a pair built for each other. ``import_torchvision()`` says which to install when
they are not (asked where torchvision is first imported: the architecture catalog, the transfer model)."""

from __future__ import annotations

import importlib
import importlib.metadata


class TorchvisionMismatch(ImportError):
    """torchvision cannot be imported with the installed torch; the message says which to install."""


def import_torchvision():
    """``import torchvision``, or TorchvisionMismatch saying which torchvision the installed torch needs.

    A torchvision built for another torch fails inside its import with "operator
    torchvision::nms does not exist" (or a missing symbol of its C++ part), which names
    neither package's version.
    """
    try:
        return importlib.import_module("torchvision")
    except RuntimeError as error:
        if "torchvision::" not in str(error):
            raise
        raise TorchvisionMismatch(_mismatch_message(_first_line(error))) from error
    except ImportError as error:
        if error.name == "torchvision":
            raise TorchvisionMismatch(f"torchvision is not installed. {_install_hint()}") from error
        if "undefined symbol" not in str(error):  # a missing dependency of torchvision's is not this
            raise
        raise TorchvisionMismatch(_mismatch_message(_first_line(error))) from error


def matching_torchvision(torch_version: str) -> str | None:
    """The torchvision release made for ``torch_version`` ("2.6.0+cu124" -> "0.21"), or None if unknown.

    From torch 2.0 (torchvision 0.15) on, each torch minor has its torchvision minor, 15 higher.
    """
    parts = torch_version.split("+", 1)[0].split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()) or int(parts[0]) != 2:
        return None
    return f"0.{int(parts[1]) + 15}"


def _mismatch_message(detail: str) -> str:
    import torch

    installed = _installed_torchvision()
    pair = f"torch {torch.__version__} and torchvision {installed}" if installed else f"torch {torch.__version__}"
    return (f"torchvision does not work with the installed torch ({pair}: {detail}). "
            f"Each torch release needs the torchvision made for it. {_install_hint()}")


def _install_hint() -> str:
    import torch

    wanted = matching_torchvision(torch.__version__)
    build = torch.__version__.split("+", 1)[1] if "+" in torch.__version__ else None
    index = f" from the same package index as torch (its {build} build)" if build else ""
    if wanted is None:
        return (f"Install the torchvision release made for torch {torch.__version__}{index} "
                "(pytorch.org/get-started/previous-versions lists the pairs).")
    return f"For torch {torch.__version__} install torchvision {wanted}{index}: pip install 'torchvision=={wanted}.*'"


def _installed_torchvision() -> str | None:
    try:
        return importlib.metadata.version("torchvision")
    except importlib.metadata.PackageNotFoundError:
        return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
