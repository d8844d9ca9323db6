"""The build kernels' profile (editions/kernel.py): glue without the grammar compilation."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from editions.kernel import build_profile

pytestmark = pytest.mark.fast

PROBE = """
import sys
import nbformat
from myst_nb import glue
glue("probe", 1.5, display=False)
nbformat.validate(nbformat.v4.new_notebook())  # the schema check glue's import serves still works
print(sys.modules["rfc3987_syntax"] is None)
"""


def _run_ipython(env_dir: str | None) -> str:
    env = dict(os.environ)
    if env_dir is not None:
        env["IPYTHONDIR"] = env_dir
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "IPython",
            "--quick" if env_dir is None else "--no-banner",
            "-c",
            PROBE,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_build_profile_skips_the_uri_grammars(tmp_path):
    assert _run_ipython(str(build_profile(tmp_path / "ipython"))) == "True"


def test_without_the_profile_the_grammars_load(tmp_path):
    # The probe can tell: without the startup file the module is really imported.
    assert _run_ipython(None) == "False"
