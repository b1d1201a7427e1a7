"""The import-linter contracts in pyproject.toml hold: the core never imports Qt, each layer imports only
those below it (cli > commands > bench > qt > core), and the core's modules import each other one way."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    kept = [line for line in result.stdout.splitlines() if line.endswith(" KEPT")]
    for contract in ("never imports Qt", "Layers: cli > commands > bench > qt > core", "import each other one way"):
        assert any(contract in line for line in kept), result.stdout


def test_headless_train_does_not_load_qt():
    code = "import sys, resviz.cli; resviz.cli.build_parser(); print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
