"""Two settings that make CPU training fast: Adam's fused update, and denormals flushed to zero."""

import subprocess
import sys

import pytest
import torch

from resviz.core import models
from resviz.core.optim import make_optimizer
from resviz.core.trainer import TrainConfig

# A parallel multiply of a million denormals (1e-39) by one: how many stay non-zero, counted in a
# fresh process with two threads, so that the worker threads' own floating-point state counts.
COUNT_DENORMALS = ("import torch; torch.set_num_threads(2); "
                   "print(int((torch.full((1 << 20,), 1e-39) * 1.0).count_nonzero()))")


def _fresh_process(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_adam_on_the_cpu_is_one_fused_update_with_the_same_result(optimizer):
    torch.manual_seed(0)
    model = models.build("cnn")
    cfg = TrainConfig(model="cnn", device="cpu", optimizer=optimizer, lr=1e-3, weight_decay=0.01)
    fused = make_optimizer(cfg, model)
    assert fused.defaults["fused"] is True
    twins = [p.detach().clone().requires_grad_() for p in model.parameters()]
    plain = type(fused)(twins, lr=1e-3, weight_decay=0.01)  # torch's default: a loop over the tensors
    x, y = torch.randn(16, 1, 28, 28), torch.randint(0, 10, (16,))
    for _ in range(3):  # the same gradients for both (a conv's backward may differ in its last bits)
        fused.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        for parameter, twin in zip(model.parameters(), twins):
            twin.grad = parameter.grad.clone()
        fused.step()
        plain.step()
    for parameter, twin in zip(model.parameters(), twins):
        torch.testing.assert_close(parameter, twin, rtol=1e-6, atol=1e-7)


def test_without_the_flush_denormals_survive_a_parallel_multiply():
    assert int(_fresh_process(COUNT_DENORMALS)) > 0  # the control: this machine keeps denormals by default


def test_flushing_first_makes_every_worker_thread_treat_denormals_as_zero():
    code = "from resviz.core.denormals import flush_denormals; flush_denormals(); " + COUNT_DENORMALS
    assert int(_fresh_process(code)) == 0


def test_the_cli_flushes_denormals_before_a_training_command_runs():
    code = ("import resviz.commands.train as train, torch, sys; "
            "train.run = lambda args: print(int((torch.full((1 << 20,), 1e-39) * 1.0).count_nonzero())) or 0; "
            "torch.set_num_threads(2); from resviz.cli import main; sys.exit(main(['train', '--epochs', '1']))")
    assert int(_fresh_process(code)) == 0
