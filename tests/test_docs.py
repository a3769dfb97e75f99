"""Docs that are generated from code stay in step with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_channel_reference_is_generated_from_the_current_models() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_channel_docs.py"), "--check"], check=False)
    assert result.returncode == 0, "docs/channels.md is stale: run python scripts/gen_channel_docs.py"


def test_layers_import_one_way() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_layers.py")], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout
