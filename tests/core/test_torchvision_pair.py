"""A torchvision built for another torch: said with both versions and the one to install, not "torchvision::nms"."""

from __future__ import annotations

import importlib

import pytest
import torch
import torchvision

from resviz.core import models, torchvision_pair
from resviz.core.arch import catalog
from resviz.core.torchvision_pair import TorchvisionMismatch, import_torchvision, matching_torchvision

real_import = importlib.import_module


def _torchvision_fails_with(monkeypatch, error: BaseException, torch_version: str = "2.6.0+cu124") -> None:
    def import_module(name, *args, **kwargs):
        if name == "torchvision":
            raise error
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", import_module)
    monkeypatch.setattr(torch, "__version__", torch_version)


def test_each_torch_has_its_torchvision():
    assert matching_torchvision("2.6.0+cu124") == "0.21" and matching_torchvision("2.7.1") == "0.22"
    assert matching_torchvision("1.13.1") is None and matching_torchvision("nightly") is None
    installed = ".".join(torchvision.__version__.split("+")[0].split(".")[:2])
    assert matching_torchvision(torch.__version__) == installed  # the pair this venv has
    assert import_torchvision() is torchvision


def test_a_mismatched_pair_says_which_torchvision_to_install(monkeypatch):
    _torchvision_fails_with(monkeypatch, RuntimeError("operator torchvision::nms does not exist"))
    with pytest.raises(TorchvisionMismatch) as error:
        import_torchvision()
    message = str(error.value)
    assert "torch 2.6.0+cu124" in message and "install torchvision 0.21" in message
    assert "pip install 'torchvision==0.21.*'" in message and "its cu124 build" in message
    assert "operator torchvision::nms does not exist" in message  # what torch said, kept for a search


def test_the_architectures_and_the_transfer_model_say_it_too(monkeypatch):
    _torchvision_fails_with(monkeypatch, RuntimeError("operator torchvision::nms does not exist"), "2.7.0")
    with pytest.raises(TorchvisionMismatch, match="For torch 2.7.0 install torchvision 0.22"):
        catalog.architectures()
    with pytest.raises(TorchvisionMismatch, match="torchvision 0.22"):
        catalog.summarize_architecture("resnet18")
    with pytest.raises(TorchvisionMismatch, match="torchvision 0.22"):
        models.build("resnet50-transfer", weights="none")


def test_no_torchvision_says_which_to_install(monkeypatch):
    missing = ModuleNotFoundError("No module named 'torchvision'", name="torchvision")
    _torchvision_fails_with(monkeypatch, missing, "2.6.0")
    with pytest.raises(TorchvisionMismatch, match=r"torchvision is not installed\. For torch 2\.6\.0 install "
                                                  r"torchvision 0\.21: pip install"):
        import_torchvision()


def test_other_import_failures_are_not_called_a_mismatch(monkeypatch):
    _torchvision_fails_with(monkeypatch, RuntimeError("CUDA driver initialization failed"))
    with pytest.raises(RuntimeError, match="CUDA driver") as error:
        torchvision_pair.import_torchvision()
    assert not isinstance(error.value, TorchvisionMismatch)
    _torchvision_fails_with(monkeypatch, ModuleNotFoundError("No module named 'PIL'", name="PIL"))
    with pytest.raises(ModuleNotFoundError) as error:
        torchvision_pair.import_torchvision()
    assert not isinstance(error.value, TorchvisionMismatch)
