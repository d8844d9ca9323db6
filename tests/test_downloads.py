"""Every chapter page offers its notebook edition: the download, Binder and Colab all open it."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from editions.notebooks import SETUP_TAG, toc_chapters

CHAPTERS = toc_chapters(ROOT)


def _links(built_site: Path, doc: str) -> list[str]:
    soup = BeautifulSoup((built_site / f"{doc}.html").read_text(encoding="utf-8"), "html.parser")
    return [a.get("href", "") for a in soup.find_all("a")]


@pytest.mark.parametrize("doc", CHAPTERS)
def test_page_links_download_binder_and_colab(built_site: Path, doc: str) -> None:
    links = _links(built_site, doc)
    name = Path(doc).name
    assert any(h.endswith(f"_sources/{doc}.ipynb") for h in links), f"{doc}: no .ipynb download"
    assert (built_site / "_sources" / f"{doc}.ipynb").is_file(), f"{doc}: .ipynb not in the site"
    binder = [h for h in links if "mybinder.org/v2/gh/" in h]
    assert binder and all(h.endswith(f"/notebooks?urlpath=lab/tree/{doc}.ipynb") for h in binder), (
        f"{doc}: Binder must open the notebook edition on the notebooks branch: {binder}"
    )
    colab = [h for h in links if "colab.research.google.com/github/" in h]
    assert colab and all(h.endswith(f"/{doc}.ipynb") for h in colab), (
        f"{doc}: the Colab link must open the generated notebook {name}.ipynb: {colab}"
    )


def _execute(path: Path, workdir: Path) -> str:
    """Run ``path`` with nbconvert in a fresh kernel from ``workdir``; return its error output."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert SETUP_TAG in nb.cells[0].metadata.get("tags", []), f"{path.name}: no setup cell"
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
    cmd += ["--ExecutePreprocessor.timeout=120", "--output-dir", str(workdir), str(path)]
    result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
    return "" if result.returncode == 0 else f"{path.name}:\n{result.stderr[-3000:]}"


def test_every_downloadable_notebook_runs_top_to_bottom(built_site: Path, tmp_path: Path) -> None:
    """Each .ipynb runs in a fresh kernel from an unrelated folder, widget cells included."""
    paths = [built_site / "_sources" / f"{doc}.ipynb" for doc in CHAPTERS]
    with ThreadPoolExecutor(max_workers=2) as pool:  # kernels in subprocesses, two at a time
        failures = [f for f in pool.map(_execute, paths, [tmp_path] * len(paths)) if f]
    assert not failures, "\n".join(failures)
