"""Every chapter page offers its notebook edition: the download, Binder and Colab all open it."""

from __future__ import annotations

import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from test_book_build import page

from conftest import ROOT, patience
from editions.notebooks import SETUP_TAG, toc_chapters

CHAPTERS = toc_chapters(ROOT)


def _links(built_site: Path, doc: str) -> list[str]:
    return [a.get("href", "") for a in page(built_site, doc).find_all("a")]


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


# A kernel that never answers at startup is Jupyter's failure, not the chapter's: such a run is
# retried once (and reported as a warning); any error in a cell fails at once. The kernel's
# start-up and each cell get 120 s on a quiet machine, more under load (conftest.patience).
KERNEL_STARTUP_ERRORS = ("Kernel didn't respond", "Kernel died before replying to kernel_info")


def _excerpt(stderr: str) -> str:
    """The log lines nbconvert and the kernel printed first, and the end of the traceback."""
    return stderr if len(stderr) <= 5000 else f"{stderr[:2000]}\n[...]\n{stderr[-3000:]}"


def _execute(path: Path, workdir: Path) -> tuple[str, str]:
    """Run ``path`` with nbconvert in a fresh kernel from ``workdir``.

    Returns its error output ("" if it ran) and a note on a kernel that had to be restarted.
    """
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert SETUP_TAG in nb.cells[0].metadata.get("tags", []), f"{path.name}: no setup cell"
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
    wait = round(patience(120_000) / 1000)
    cmd += [
        f"--ExecutePreprocessor.timeout={wait}",
        f"--ExecutePreprocessor.startup_timeout={wait}",
    ]
    # Like nbgrader: no history database shared by the kernels that run side by side.
    cmd += ["--ExecutePreprocessor.extra_arguments=--HistoryManager.hist_file=:memory:"]
    cmd += ["--output-dir", str(workdir), str(path)]
    note = ""
    for attempt in (1, 2):
        result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return "", note
        if attempt == 1 and any(e in result.stderr for e in KERNEL_STARTUP_ERRORS):
            note = f"{path.name}: the kernel did not start; ran again.\n{_excerpt(result.stderr)}"
            continue
        break
    return f"{path.name}:\n{_excerpt(result.stderr)}", note


def test_every_downloadable_notebook_runs_top_to_bottom(built_site: Path, tmp_path: Path) -> None:
    """Each .ipynb runs in a fresh kernel from an unrelated folder, widget cells included."""
    paths = [built_site / "_sources" / f"{doc}.ipynb" for doc in CHAPTERS]
    with ThreadPoolExecutor(max_workers=2) as pool:  # kernels in subprocesses, two at a time
        results = list(pool.map(_execute, paths, [tmp_path] * len(paths)))
    for _, note in results:
        if note:
            warnings.warn(note, stacklevel=1)
    failures = [failure for failure, _ in results if failure]
    assert not failures, "\n".join(failures)
