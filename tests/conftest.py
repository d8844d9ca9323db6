"""Shared fixtures: the repository root and one strict build of the whole book per test run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def jupyter_book_command(*args: str) -> list[str]:
    """The jupyter-book CLI of this interpreter's environment."""
    return [str(Path(sys.executable).with_name("jupyter-book")), *args]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the book once, with forced execution and warnings as errors; return the HTML folder.

    Set XENT_BUILT_SITE to an existing ``_build/html`` folder to reuse a build while iterating
    on the tests themselves (CI never sets it).
    """
    reuse = os.environ.get("XENT_BUILT_SITE")
    if reuse and not os.environ.get("CI"):
        return Path(reuse)
    out = tmp_path_factory.mktemp("book")
    cmd = jupyter_book_command(
        "build", str(ROOT), "--path-output", str(out), "--all", "-W", "-n", "--keep-going"
    )
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"the strict book build failed:\n{log[-6000:]}"
    return out / "_build" / "html"
