"""The kernel that executes the chapters at build time: a profile of the book's own.

myst-nb's ``glue`` imports nbformat, whose schema validator imports jsonschema, which (with the
``format-nongpl`` extra that JupyterLab's server brings) compiles 39 grammars of the optional
``rfc3987_syntax`` package at import: about 1.2 s of CPU in every chapter, for a URI check the
build never makes. The build's kernels start from an IPython profile whose startup file marks
that module as absent, so jsonschema skips the check it backs. Readers are not affected: their
notebooks have no ``glue`` (see ``editions.notebooks.without_glue``). The profile also keeps a
developer's own IPython startup files out of the build.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

STARTUP = """\
# Written by editions/kernel.py for the book's build; see its docstring.
import sys

sys.modules.setdefault("rfc3987_syntax", None)
"""


def build_profile(directory: Path) -> Path:
    """Write the build kernels' IPython directory under ``directory`` and return it."""
    startup = directory / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-xent-build.py").write_text(STARTUP, encoding="utf-8")
    return directory


def setup(app: Sphinx) -> dict[str, Any]:
    # Kernels are started by myst-nb while Sphinx reads the chapters; they inherit this variable.
    os.environ["IPYTHONDIR"] = str(build_profile(Path(app.doctreedir) / "ipython"))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
