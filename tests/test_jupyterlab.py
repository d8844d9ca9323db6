"""The notebook edition in real JupyterLab: the pinned JupyterLab on 127.0.0.1 with a token,
driven by the browser suite's headless Chromium.

Two representative chapters are opened as a student would open a downloaded notebook: chapter 2
(a theorem and its proof, a cell that raises on purpose, a kernel-free demo, a widget explorer)
and chapter 5 (the most figures, a dropdown with library source, equations in exercises). The
test checks what the reader sees (math typeset, no MyST text, figures with captions, solutions
folded), then runs all cells and checks from the saved notebook that every cell ran and none
failed. Set XENT_SCREENSHOTS to a folder to keep the screenshots.

JupyterLab re-renders cells whenever it likes (a cell scrolled into view, the kernel connecting,
MathJax typesetting), so no element handle is held across a wait: every check waits for the
state it reads (kernel idle, every Markdown cell rendered, the display math typeset, every image
decoded) and then reads the page once, inside the page (``page.evaluate``), finding its elements
afresh. Timeouts are ``patience()``: generous, and longer on a loaded machine.
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
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import patience
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
    # window.jupyterapp: the test runs JupyterLab's own commands (those of the Run menu) and
    # awaits them, rather than clicking menus that may not be ready on a loaded machine.
    cmd += ["--LabApp.expose_app_in_browser=True"]
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + patience(60_000) / 1000
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail((home / "lab.log").read_text())
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text())
                time.sleep(0.5)  # polling the server's status, not waiting for it to settle
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


def _shot(page, name: str, selector: str | None = None) -> None:
    """Screenshot the page, scrolled to the first element matching ``selector`` if given."""
    folder = os.environ.get("XENT_SCREENSHOTS")
    if folder:
        if selector:
            _scroll_to(page, selector)
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _scroll_to(page, selector: str, index: int = 0) -> None:
    """Scroll element ``index`` of ``selector`` into view, found afresh (-1: the last one)."""
    page.wait_for_function(
        """([sel, i]) => { const all = document.querySelectorAll(sel);
             const el = all[i < 0 ? all.length + i : i];
             if (!el) return false; el.scrollIntoView({block: 'center'}); return true; }""",
        arg=[selector, index],
        timeout=patience(30_000),
    )


#: Scroll each cell of the notebook on show into view (Markdown cells render when they come into
#: view), then say whether every one of its n Markdown cells is rendered, with content.
RENDER_ALL_JS = """
async ([active, n]) => {
  for (const cell of document.querySelectorAll(active + ' .jp-Cell')) {
    cell.scrollIntoView();
    await new Promise((r) => requestAnimationFrame(r));
  }
  const cells = document.querySelectorAll(active + ' .jp-MarkdownCell');
  return cells.length >= n && [...cells].every((c) => c.classList.contains('jp-mod-rendered')
    && c.querySelector('.jp-RenderedMarkdown')?.childElementCount > 0);
}
"""


def _open(page, base: str, doc: str, n_markdown: int) -> None:
    """Open ``doc`` in its own reset workspace; return once the kernel is idle and every one
    of its ``n_markdown`` Markdown cells is rendered."""
    name = doc.replace("/", "-").replace("_", "-")
    page.goto(f"{base}/lab/workspaces/{name}/tree/{doc}.ipynb?reset&token={TOKEN}")
    page.wait_for_selector(f"{ACTIVE} .jp-Notebook .jp-Cell", timeout=patience(60_000))
    page.wait_for_selector(
        ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=patience(60_000)
    )
    # Scrolled from the page's own script until every Markdown cell is rendered: a cell that
    # JupyterLab replaces meanwhile is found afresh on the next poll.
    page.wait_for_function(
        RENDER_ALL_JS, arg=[ACTIVE, n_markdown], timeout=patience(120_000), polling=500
    )


# What the reader sees, read in one go once the page is rendered and typeset (fresh elements).
SEEN_JS = """
async ([active, solution]) => {
  const shown = (el) => !!el && el.checkVisibility() && el.getBoundingClientRect().width > 0;
  const nb = document.querySelector(active + ' .jp-Notebook');
  const images = [...nb.querySelectorAll('.jp-OutputArea-output img')];
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  const details = [...nb.querySelectorAll('.jp-RenderedMarkdown details')].filter(
    (d) => [...d.querySelectorAll('summary')].some((s) => s.textContent.includes(solution)));
  return {
    text: nb.textContent,
    rendered: [...nb.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')]
      .map((e) => e.innerText).join('\\n'),
    mathErrors: document.querySelectorAll('mjx-merror, .MathJax_Error').length,
    imageWidths: images.map((img) => img.naturalWidth),
    solutions: details.map((d) => ({
      open: d.hasAttribute('open'),
      visible: shown(d.querySelector('p')),
    })),
  };
}
"""

#: The last folded solution of the notebook on show is open and its text visible.
SOLUTION_OPEN_JS = """
([active, solution]) => {
  const shown = (el) => !!el && el.checkVisibility() && el.getBoundingClientRect().width > 0;
  const details = [...document.querySelectorAll(active + ' .jp-RenderedMarkdown details')].filter(
    (d) => [...d.querySelectorAll('summary')].some((s) => s.textContent.includes(solution)));
  const last = details[details.length - 1];
  return !!last && last.hasAttribute('open') && shown(last.querySelector('p'));
}
"""


@pytest.mark.parametrize("doc", CHAPTERS + CHINESE)
def test_chapter_reads_right_in_jupyterlab(built_site: Path, lab, page, doc: str) -> None:
    base, _ = lab
    nb = nbformat.read(notebook_of(built_site, doc), as_version=4)
    prose = [c for c in nb.cells if c.cell_type == "markdown"]
    n_display = sum(c.source.count("$$") // 2 for c in prose)
    figure = "**图 " if doc.startswith("zh/") else "**Fig. "
    captions = [c.source.split("**")[1] for c in prose if c.source.startswith(figure)]
    n_solutions = sum("solution" in c.metadata.get("tags", []) for c in prose)
    _open(page, base, doc, len(prose))
    # MathJax typesets each rendered cell after rendering it: wait for every display equation.
    page.wait_for_function(
        f"document.querySelectorAll('{ACTIVE} .jp-RenderedMarkdown "
        f'mjx-container[display="true"]\').length >= {n_display}',
        timeout=patience(60_000),
    )
    _shot(page, f"{doc.replace('/', '-')}-top", f"{ACTIVE} .jp-Cell")
    solution = "解答" if doc.startswith("zh/") else "Solution to"
    seen = page.evaluate(SEEN_JS, [ACTIVE, solution])
    rendered = seen["rendered"]
    assert "$$" not in rendered and "\\tag" not in rendered, f"{doc}: raw TeX is visible"
    assert seen["mathErrors"] == 0, f"{doc}: MathJax error"
    assert not myst_leftovers(rendered), f"{doc}: MyST visible: {myst_leftovers(rendered)[:5]}"
    for caption in captions:
        assert caption in seen["text"], f"{doc}: caption {caption} not shown"
    if captions:
        _shot(page, f"{doc.replace('/', '-')}-figure", f"{ACTIVE} .jp-OutputArea-output img")
    widths = seen["imageWidths"]
    assert len(widths) >= len(captions), f"{doc}: {len(widths)} images for {captions}"
    assert all(w > 0 for w in widths), f"{doc}: an image is empty: {widths}"
    solutions = seen["solutions"]
    assert len(solutions) == n_solutions > 0, f"{doc}: {len(solutions)} folded solutions"
    assert not any(s["open"] for s in solutions), f"{doc}: a solution is open"
    assert not any(s["visible"] for s in solutions), f"{doc}: a solution is visible"
    # Open the last solution as a reader does, with a click on its summary (Playwright finds
    # the element afresh and retries while JupyterLab replaces it), then wait for it to show.
    summary = f"{ACTIVE} .jp-RenderedMarkdown details summary:has-text('{solution}')"
    _shot(page, f"{doc.replace('/', '-')}-exercises", f"{ACTIVE} .jp-RenderedMarkdown details")
    page.locator(summary).last.click()
    page.wait_for_function(SOLUTION_OPEN_JS, arg=[ACTIVE, solution], timeout=patience(10_000))
    _shot(page, f"{doc.replace('/', '-')}-solution-open")


#: Every code cell whose prompt is shown has run ([n]:, none queued [*]:) and the kernel is idle.
ALL_RAN_JS = """
(active) => {
  const prompts = [...document.querySelectorAll(active + ' .jp-CodeCell .jp-InputArea-prompt')]
    .map((e) => e.textContent.trim());
  return prompts.length > 0 && prompts.every((t) => /^\\[\\d+\\]:$/.test(t))
    && !!document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']");
}
"""

#: Run one of JupyterLab's commands on the notebook on show and await it (or the timeout), once
#: the notebook's kernel is connected and idle and a cell is active (Run All does nothing
#: without them: on a loaded machine the kernel may still be starting when the page is ready).
COMMAND_JS = """
async ([command, patience]) => {
  const app = window.jupyterapp, panel = app.shell.currentWidget;
  const ready = () => {
    const kernel = panel.sessionContext.session?.kernel;
    return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
  };
  const work = (async () => {
    await panel.sessionContext.ready;
    while (!ready()) await new Promise((resolve) => setTimeout(resolve, 100));  // a poll
    if (panel.content.activeCellIndex < 0) panel.content.activeCellIndex = 0;
    await app.commands.execute(command);
    return 'done';
  })();
  const late = new Promise((resolve) => setTimeout(() => resolve('timed out'), patience));
  const result = await Promise.race([work, late]);
  if (result !== 'done') throw new Error(command + ' ' + result + ' after ' + patience + ' ms');
}
"""

#: No code cell of the notebook on show has an execution count or an output.
CLEARED_JS = """
(active) => {
  const prompts = [...document.querySelectorAll(active + ' .jp-CodeCell .jp-InputArea-prompt')]
    .map((e) => e.textContent.trim());
  return prompts.length > 0 && prompts.every((t) => /^\\[ ?\\]:$/.test(t))
    && !document.querySelector(active + ' .jp-OutputArea-output');
}
"""

DEMO_TEXT_JS = """
(active) => { const d = document.querySelector(active + ' .jp-OutputArea-output .xent-demo');
               return d ? d.innerText : null; }
"""

EXPLORER_JS = """
(active) => { const e = document.querySelector(active + ' .jp-OutputArea-output .widget-vbox');
  if (!e) return 'none';
  const img = e.querySelector('img');
  if (!img || !img.complete || img.naturalWidth === 0) return null;
  return img.getBoundingClientRect().width; }
"""


def _saved(path: Path) -> tuple[float, list[dict]]:
    """The saved notebook's modification time and code cells (empty while it is half-written)."""
    try:
        stamp, cells = path.stat().st_mtime, json.loads(path.read_text("utf-8"))["cells"]
        return stamp, [c for c in cells if c["cell_type"] == "code"]
    except (OSError, ValueError, KeyError):
        return 0.0, []


#: What the code cells of the notebook on show look like (for a failure's message).
CELLS_JS = """
(active) => ({
  prompts: [...document.querySelectorAll(active + ' .jp-CodeCell .jp-InputArea-prompt')]
    .map((e) => e.textContent.trim()),
  outputs: document.querySelectorAll(active + ' .jp-OutputArea-output').length,
  kernel: document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status,
})
"""


def _wait_for_cells(page, condition: str, timeout: float, message: str) -> None:
    """Wait for ``condition`` on the notebook on show; fail with its code cells' state."""
    try:
        page.wait_for_function(condition, arg=ACTIVE, timeout=timeout, polling=500)
    except PlaywrightTimeout:
        pytest.fail(f"{message} after {timeout / 1000:.0f} s: {page.evaluate(CELLS_JS, ACTIVE)}")


def _ran_in_order(code: list[dict]) -> bool:
    """Every code cell with code ran once, in order, in one kernel: counts n, n+1, n+2, ..."""
    counts = [c.get("execution_count") for c in code if "".join(c["source"]).strip()]
    return (
        bool(counts)
        and None not in counts
        and counts == list(range(counts[0], counts[0] + len(counts)))
    )


@pytest.mark.parametrize("doc", CHAPTERS)
def test_run_all_finishes_without_error(built_site: Path, lab, page, doc: str) -> None:
    base, work = lab
    nb = nbformat.read(notebook_of(built_site, doc), as_version=4)
    _open(page, base, doc, sum(c.cell_type == "markdown" for c in nb.cells))
    # Before running, an untrusted notebook's demo still reads as something.
    demo = page.evaluate(DEMO_TEXT_JS, ACTIVE)
    if demo is not None:
        _shot(page, f"{doc.replace('/', '-')}-demo-before-run", f"{ACTIVE} .xent-demo")
        assert "run" in demo.lower(), f"{doc}: demo unreadable before running: {demo[:200]!r}"
    # The notebook edition keeps the build's execution counts: clear them (and the outputs)
    # first (Edit > Clear Outputs of All Cells), so that a count shown after Run All is this
    # run's; then Run > Run All Cells, awaited until its last cell has run.
    page.evaluate(COMMAND_JS, ["notebook:clear-all-cell-outputs", patience(30_000)])
    _wait_for_cells(page, CLEARED_JS, patience(30_000), f"{doc}: outputs not cleared")
    page.evaluate(COMMAND_JS, ["notebook:run-all-cells", patience(180_000)])
    _wait_for_cells(page, ALL_RAN_JS, patience(60_000), f"{doc}: Run All did not finish")
    if demo is not None:
        _shot(page, f"{doc.replace('/', '-')}-demo-after-run", f"{ACTIVE} .xent-demo")
    if page.evaluate(EXPLORER_JS, ACTIVE) != "none":  # sliders and chart fit one screen
        width = page.wait_for_function(EXPLORER_JS, arg=ACTIVE, timeout=patience(30_000))
        _shot(page, f"{doc.replace('/', '-')}-explorer-after-run", f"{ACTIVE} .widget-vbox")
        assert width.json_value() <= 600, f"{doc}: the explorer's chart is too wide"
    # Save, and wait for the file on disk to hold every cell's run (a hidden-input cell shows
    # no prompt, so the saved notebook is what says that Run All reached the end).
    path = work / f"{doc}.ipynb"
    before = _saved(path)[0]
    page.evaluate(COMMAND_JS, ["docmanager:save", patience(60_000)])  # File > Save Notebook
    stamp, code = _saved(path)
    assert stamp != before, f"{doc}: JupyterLab did not save the notebook"
    not_run = ["".join(c["source"])[:60] for c in code if c.get("execution_count") is None]
    assert not not_run, f"{doc}: Run All stopped before {not_run[:2]}"
    assert _ran_in_order(code), f"{doc}: cells did not run once each, in order: " + str(
        [c.get("execution_count") for c in code]
    )
    errors = [
        ("".join(c["source"])[:60], o.get("ename"))
        for c in code
        for o in c.get("outputs", [])
        if o["output_type"] == "error" and "raises-exception" not in c["metadata"].get("tags", [])
    ]
    assert not errors, f"{doc}: cells failed in JupyterLab: {errors}"
