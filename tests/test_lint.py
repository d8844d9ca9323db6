"""ruff's linter and formatter agree with the whole tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

RUFF = str(Path(sys.executable).with_name("ruff"))


def test_ruff_check() -> None:
    result = subprocess.run([RUFF, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = subprocess.run(
        [RUFF, "format", "--check", "code", "tests"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_printed_code_fits_the_pdf_page() -> None:
    """Every line of code the PDF prints fits its page without being wrapped.

    The PDF sets code in DejaVu Sans Mono with room for ``editions.pdf.CODE_COLUMNS``
    characters a line; a longer line would be broken with a continuation marker (which also
    ends up in a reader's copy and paste). Collapsed (``hide-input``, ``hide-cell``) and check
    cells and ``glue(...)`` lines are not printed, so they may be longer.
    """
    import jupytext

    from editions.pdf import CODE_COLUMNS, strip_glue
    from editions.student import CHECK_CALL

    hidden = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
    too_long = []
    for path in sorted((ROOT / "chapters").glob("*.md")):
        notebook = jupytext.read(path, fmt="md:myst")
        for number, cell in enumerate(notebook.cells, start=1):
            tags = set(cell.metadata.get("tags", []))
            if cell.cell_type != "code" or tags & hidden or CHECK_CALL.search(cell.source):
                continue
            for line in strip_glue(cell.source).splitlines():
                if len(line) > CODE_COLUMNS:
                    too_long.append(f"{path.name}, cell {number} ({len(line)}): {line.strip()}")
    assert not too_long, (
        f"{len(too_long)} printed code lines are longer than {CODE_COLUMNS} characters, the "
        "width of the PDF's page; split them (ruff format --line-length "
        f"{CODE_COLUMNS} does most), or tag the cell hide-input if it only draws a figure:\n"
        + "\n".join(too_long)
    )
