"""The notebook edition in real JupyterLab: the pinned JupyterLab on 127.0.0.1 with a token,
driven by the browser suite's headless Chromium.

Two representative chapters are opened as a student would open a downloaded notebook: chapter 2
(a theorem and its proof, a cell that raises on purpose, a kernel-free demo, a widget explorer)
and chapter 5 (the most figures, a dropdown with library source, equations in exercises). The
test checks what the reader sees (math typeset, no MyST text, figures with captions, solutions
folded), then runs all cells and checks from the saved notebook that every cell ran and none
failed. Set XENT_SCREENSHOTS to a folder to keep the screenshots.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from editions.markdown import myst_leftovers

CHAPTERS = ["chapters/02_entropy", "chapters/05_learning_slowdown"]
#: Read in JupyterLab too: a chapter of the Chinese notebook edition (the same code cells).
CHINESE = ["zh/chapters/05_learning_slowdown"]


def notebook_of(built_site: Path, doc: str) -> Path:
    """The notebook edition of ``doc`` ("zh/chapters/..." for the Chinese site's)."""
    if doc.startswith("zh/"):
        return built_site / "zh" / "_sources" / f"{doc.removeprefix('zh/')}.ipynb"
    return built_site / "_sources" / f"{doc}.ipynb"


TOKEN = "xent-book-test-token"
#: The notebook on show (other tabs stay in the page, hidden).
ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """JupyterLab serving copies of the chapters' notebooks; yields (base URL, folder)."""
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    for doc in CHAPTERS + CHINESE:
        (work / doc).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook_of(built_site, doc), work / f"{doc}.ipynb")
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Render every cell (no virtual scrolling), so the page can be checked as a whole.
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = home / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
    }
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1"]
    cmd += [f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}"]
    cmd += [f"--ServerApp.root_dir={work}", "--LabApp.news_url=None"]
    cmd += [f"--LabApp.user_settings_dir={home / 'settings'}"]
    cmd += [f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    cmd += ["--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--allow-root"]
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail((home / "lab.log").read_text())
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text())
        yield base, work
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def page(browser, lab):
    base, _ = lab
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(base):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    yield page
    context.close()
    assert not outside, f"JupyterLab asked for other hosts: {outside[:5]}"


def _shot(page, name: str) -> None:
    folder = os.environ.get("XENT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _open(page, base: str, doc: str) -> None:
    # A workspace of its own, reset: the notebook is the only tab.
    name = doc.replace("/", "-").replace("_", "-")
    page.goto(f"{base}/lab/workspaces/{name}/tree/{doc}.ipynb?reset&token={TOKEN}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    # Markdown cells render when they come into view. Scrolled from the page's own script:
    # JupyterLab may replace a cell's element meanwhile, which a Playwright handle would not
    # survive (the second pass reaches any replacement).
    for _ in range(2):
        page.evaluate(
            "async (sel) => { for (const cell of document.querySelectorAll(sel)) {"
            " cell.scrollIntoView(); await new Promise((r) => setTimeout(r, 15)); } }",
            f"{ACTIVE} .jp-Cell",
        )
    page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell"
    ).first.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)


@pytest.mark.parametrize("doc", CHAPTERS + CHINESE)
def test_chapter_reads_right_in_jupyterlab(built_site: Path, lab, page, doc: str) -> None:
    base, _ = lab
    nb = nbformat.read(notebook_of(built_site, doc), as_version=4)
    prose = [c for c in nb.cells if c.cell_type == "markdown"]
    n_display = sum(c.source.count("$$") // 2 for c in prose)
    figure = "**图 " if doc.startswith("zh/") else "**Fig. "
    captions = [c.source.split("**")[1] for c in prose if c.source.startswith(figure)]
    n_solutions = sum("solution" in c.metadata.get("tags", []) for c in prose)
    _open(page, base, doc)
    page.wait_for_function(
        f"document.querySelectorAll('{ACTIVE} .jp-RenderedMarkdown "
        f'mjx-container[display="true"]\').length >= {n_display}',
        timeout=60_000,
    )
    _shot(page, f"{doc.replace('/', '-')}-top")
    text = page.locator(f"{ACTIVE} .jp-Notebook").text_content()
    rendered = "\n".join(
        page.locator(f"{ACTIVE} .jp-MarkdownCell .jp-RenderedMarkdown").all_inner_texts()
    )
    assert "$$" not in rendered and "\\tag" not in rendered, f"{doc}: raw TeX is visible"
    assert page.locator("mjx-merror, .MathJax_Error").count() == 0, f"{doc}: MathJax error"
    assert not myst_leftovers(rendered), f"{doc}: MyST visible: {myst_leftovers(rendered)[:5]}"
    for caption in captions:
        assert caption in text, f"{doc}: caption {caption} not shown"
    if captions:
        first = page.locator(f"{ACTIVE} .jp-RenderedMarkdown strong", has_text=captions[0]).first
        first.scroll_into_view_if_needed()
        page.mouse.wheel(0, 250)
        page.wait_for_timeout(300)
        _shot(page, f"{doc.replace('/', '-')}-figure")
    images = page.locator(f"{ACTIVE} .jp-OutputArea-output img")
    assert images.count() >= len(captions), f"{doc}: {images.count()} images for {captions}"
    for i in range(images.count()):
        assert images.nth(i).evaluate("img => img.naturalWidth") > 0, f"{doc}: an image is empty"
    solution = "解答" if doc.startswith("zh/") else "Solution to"
    details = page.locator(f"{ACTIVE} .jp-RenderedMarkdown details").filter(
        has=page.locator("summary", has_text=solution)
    )
    assert details.count() == n_solutions > 0, f"{doc}: {details.count()} folded solutions"
    for i in range(details.count()):
        assert details.nth(i).get_attribute("open") is None, f"{doc}: a solution is open"
        assert not details.nth(i).locator("p").first.is_visible(), f"{doc}: solution visible"
    last = details.last
    last.locator("summary").scroll_into_view_if_needed()
    _shot(page, f"{doc.replace('/', '-')}-exercises")
    last.locator("summary").click()
    assert last.get_attribute("open") is not None and last.locator("p").first.is_visible()
    _shot(page, f"{doc.replace('/', '-')}-solution-open")


@pytest.mark.parametrize("doc", CHAPTERS)
def test_run_all_finishes_without_error(lab, page, doc: str) -> None:
    base, work = lab
    _open(page, base, doc)
    demo = page.locator(f"{ACTIVE} .jp-OutputArea-output .xent-demo").first
    if demo.count():  # before running, an untrusted notebook's demo still reads as something
        demo.scroll_into_view_if_needed()
        _shot(page, f"{doc.replace('/', '-')}-demo-before-run")
        assert "run" in demo.inner_text().lower(), f"{doc}: demo unreadable before running"
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(
        "() => { const p = [...document.querySelectorAll('.jp-InputArea-prompt')]"
        ".map(e => e.textContent); return p.length && !p.some(t => t.includes('*'))"
        " && document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\"); }",
        timeout=180_000,
    )
    page.wait_for_timeout(1000)
    if demo.count():
        demo.scroll_into_view_if_needed()
        _shot(page, f"{doc.replace('/', '-')}-demo-after-run")
    explorer = page.locator(f"{ACTIVE} .jp-OutputArea-output .widget-vbox").first
    if explorer.count():  # sliders and chart fit one screen
        explorer.scroll_into_view_if_needed()
        _shot(page, f"{doc.replace('/', '-')}-explorer-after-run")
        chart = explorer.locator("img").first
        assert chart.bounding_box()["width"] <= 600, f"{doc}: the explorer's chart is too wide"
    page.keyboard.press("Control+s")
    page.wait_for_timeout(2000)
    saved = json.loads((work / f"{doc}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    not_run = [c["source"][:60] for c in code if c.get("execution_count") is None]
    assert not not_run, f"{doc}: Run All stopped before {not_run[:2]}"
    errors = [
        (c["source"][:60], o.get("ename"))
        for c in code
        for o in c.get("outputs", [])
        if o["output_type"] == "error" and "raises-exception" not in c["metadata"].get("tags", [])
    ]
    assert not errors, f"{doc}: cells failed in JupyterLab: {errors}"
