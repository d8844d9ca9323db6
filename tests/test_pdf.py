"""The PDF edition builds with TeX Live from Debian's packages, and its cross-references resolve."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, jupyter_book_command


@pytest.fixture(scope="session")
def pdf_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the PDF (Sphinx LaTeX + XeLaTeX) once; return the LaTeX output folder."""
    if shutil.which("xelatex") is None or shutil.which("latexmk") is None:
        message = "TeX Live is not installed (see the README's PDF section)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("pdf")
    cmd = jupyter_book_command(
        "build", str(ROOT), "--builder", "pdflatex", "--path-output", str(out)
    )
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, (
        f"the PDF build failed:\n{(result.stdout + result.stderr)[-4000:]}"
    )
    return out / "_build" / "latex"


def test_pdf_has_every_chapter(pdf_build: Path) -> None:
    log = (pdf_build / "xent-book.log").read_text(encoding="utf-8", errors="replace")
    pages = re.search(r"Output written on xent-book\.pdf \((\d+) pages", log)
    assert pages and int(pages[1]) >= 60, "the PDF is missing or far too short"
    tex = (pdf_build / "xent-book.tex").read_text(encoding="utf-8")
    for chapter in sorted((ROOT / "chapters").glob("0*.md")):
        # Sphinx labels every document's sections with its name: \label{\detokenize{chapters/..:
        assert f"chapters/{chapter.stem}:" in tex, f"{chapter.name} is not in the PDF"


def test_pdf_equations_and_figures_are_referenced(pdf_build: Path) -> None:
    """No "??" for an equation, figure or chapter reference.

    Links to exercises are left out: sphinx-exercise (1.2) writes no LaTeX label for an
    exercise, so "Solution to Exercise ..." links are plain text in the PDF.
    """
    log = (pdf_build / "xent-book.log").read_text(encoding="utf-8", errors="replace")
    log = log.replace("\n", "")  # TeX wraps long warnings
    undefined = re.findall(r"Reference `([^']+)' on page \d+ undefined", log)
    missing = sorted({ref for ref in undefined if not ref.split(":")[-1].startswith("ex-")})
    assert not missing, f"unresolved references in the PDF: {missing[:10]}"
