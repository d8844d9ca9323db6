"""One chapter, built strictly: the authors' quick check of the chapter they are writing.

Part of the fast tier (``pytest -m fast``, see the README). The book is built by Sphinx with
the strict build's settings (every reference checked), but only the chosen chapter is executed
and written: the other pages are read without running their code, so that references to them
resolve. Every warning or error about the chosen chapter fails the test, as it would fail the
strict build of the whole book (a cell that raises, a glue key never computed, a broken
reference, a bad directive), and its page must show no traceback, no error output and no
unrendered glue. Warnings about the other pages are ignored: their glue has no values here.

The chapter is ``XENT_CHAPTER`` (``chapters/05_learning_slowdown``) if set; otherwise the
chapter whose source has uncommitted changes (the most recently saved, if several), otherwise
the most recently saved chapter. In the full tier this test is skipped: the strict build of the
whole book, in the same run, checks every chapter.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_book_build import page

from conftest import ROOT
from editions.notebooks import toc_chapters

#: The build, in a process of its own (Sphinx and docutils keep global state): the arguments are
#: the output folder and a JSON object of Sphinx settings; the chapter is the only file written.
BUILD = """
import json, sys
from pathlib import Path
from jupyter_book.sphinx import build_sphinx
root, out, doc, overrides = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.exit(build_sphinx(
    root, out / "html", noconfig=True, path_config=str(root / "_config.yml"),
    confoverrides=json.loads(overrides), doctreedir=out / ".doctrees", builder="html",
    filenames=[str(root / f"{doc}.md")], freshenv=True, keep_going=True,
))
"""


def chosen_chapter() -> str:
    """XENT_CHAPTER, else the chapter changed most recently (uncommitted changes first)."""
    chapters = toc_chapters(ROOT)
    wanted = os.environ.get("XENT_CHAPTER")
    if wanted:
        doc = wanted.removesuffix(".md").removesuffix(".ipynb")
        assert doc in chapters, f"XENT_CHAPTER={wanted} is none of the chapters {chapters}"
        return doc
    git = subprocess.run(
        ["git", "status", "--porcelain", "--", "chapters"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    changed = {line[3:].strip() for line in git.stdout.splitlines()}
    candidates = [doc for doc in chapters if f"{doc}.md" in changed] or chapters
    return max(candidates, key=lambda doc: (ROOT / f"{doc}.md").stat().st_mtime)


def test_one_chapter_builds_strictly(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if any("built_site" in getattr(item, "fixturenames", ()) for item in request.session.items):
        pytest.skip("the strict build of the whole book in this run checks every chapter")
    doc = chosen_chapter()
    others = [f"{other}.md" for other in toc_chapters(ROOT) if other != doc]
    overrides = {
        "external_toc_path": str(ROOT / "_toc.yml"),
        "latex_individualpages": False,
        "nitpicky": True,
        "language": "en",
        "nb_execution_mode": "force",
        "nb_execution_excludepatterns": others,
    }
    result = subprocess.run(
        [sys.executable, "-c", BUILD, str(ROOT), str(tmp_path), doc, json.dumps(overrides)],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    log = result.stdout + result.stderr
    # Sphinx's messages about a page start with its source path (and a line number).
    mine = re.compile(rf"{re.escape(str(ROOT / doc))}\.md(:\d+)?: (WARNING|ERROR|CRITICAL)")
    about_it = "\n".join([line for line in log.splitlines() if mine.search(line)][:20])
    assert not about_it, f"{doc}: the strict build would fail:\n{about_it}"
    assert result.returncode == 0, f"the build of {doc} failed:\n{log[-6000:]}"
    site = tmp_path / "html"
    soup = page(site, doc)
    for cell in soup.select("div.cell.tag_raises-exception"):  # errors shown on purpose
        cell.decompose()
    text = soup.get_text()
    assert "Traceback (most recent call last)" not in text, f"{doc} shows a traceback"
    bad = soup.select("div.cell_output .traceback, div.cell_output .stderr, div.output.error")
    assert not bad, f"{doc} shows error output: {bad[0].get_text()[:300]}"
    assert "{glue:" not in text, f"{doc} has an unrendered glue reference"
    assert soup.select("div.cell_output"), f"{doc}: no cell output at all (was it executed?)"
