"""Shared fixtures: the repository root and one strict build of the whole book per test run.

Also the suite's two tiers (see the README's test section) and its patience under load:

- ``slow`` (registered in pyproject.toml) marks the full tier's tests: every test that uses the
  book build, the browser or JupyterLab gets it here, by its fixtures, and so does every test in
  ``SLOW_FILES``; a test that is slow for another reason (building a wheel, re-running an
  experiment) says ``@pytest.mark.slow`` itself. Every other test is marked ``fast``:
  ``pytest -m fast`` is the authors' quick loop.
- Waits in the browser tests are on conditions (a cell rendered, MathJax's promise, a readout
  changed), never fixed sleeps; their timeouts are ``patience(ms)``, which grows with the load.
"""

from __future__ import annotations

import atexit
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from hypothesis import HealthCheck, settings

from editions.serve import chromium_path

ROOT = Path(__file__).resolve().parents[1]

# No property test depends on the machine's speed: no deadline, and no health check that times
# input generation (it failed under load). CI runs the same examples every time (reproducible);
# local runs explore new ones.
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("local", **_UNTIMED)
settings.register_profile("ci", derandomize=True, **_UNTIMED)
settings.load_profile("ci" if os.environ.get("CI") else "local")

#: Headless Chromium with no background traffic of its own (this machine has no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


#: Test files whose every test is in the full tier only, although it uses none of SLOW_FIXTURES:
#: re-running the experiment scripts, building a wheel into a fresh virtualenv.
SLOW_FILES = {"test_experiments.py", "test_packaging.py"}
#: Session fixtures that run a build in the session build's folder (the PDF; the catalogues'
#: gettext templates): under pytest-xdist they run one at a time (a file lock), since the PDF
#: build empties the execution cache that the gettext build reads.
BUILD_FOLDER_FIXTURES = {"pdf_build", "pdf_build_zh", "current_catalogues"}
#: Fixtures that put a test in the full tier: the book build, a browser, a JupyterLab server.
SLOW_FIXTURES = {"built_site", "built_site_zh", "browser", "offline_page", "lab"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test ``slow`` (the full tier only) or ``fast`` (also the authors' tier).

    Runs first (tryfirst), before ``-m`` selects, so ``pytest -m fast`` sees the marks. (Under
    pytest-xdist, ``--dist loadfile`` in pyproject.toml sends the tests of one file to one
    worker, so a file's session fixtures, such as the PDF or the student edition, are made once.)
    """
    for item in items:
        path = item.path
        slow = (
            item.get_closest_marker("slow") is not None
            or path.name in SLOW_FILES
            or bool(SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))
        )
        if slow and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
        if not slow and item.get_closest_marker("fast") is None:
            item.add_marker(pytest.mark.fast)


class _BuildOrder:
    """After ``-m``/``-k`` have deselected (trylast), order the files for the book build."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]):
        order_files_for_the_build(config, items)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_BuildOrder(), "xent-build-order")


#: The test files that take longest once the book is built, longest first (measured with
#: --durations): under pytest-xdist each goes to the next free worker in this order, so the
#: longest start first and no worker is left alone with a long file at the end.
LONGEST_FILES = (
    "test_a11y.py",
    "test_a11y_zh.py",
    "test_student_edition.py",
    "test_gradebook.py",
    "test_translation.py",
    "test_site_reader.py",
    "test_site_browser.py",
    "test_downloads.py",
    "test_pdf.py",
)


def _needs_the_build(item: pytest.Item) -> bool:
    return "built_site" in getattr(item, "fixturenames", ())


def order_files_for_the_build(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the files that need no book build first, while the build runs in the background.

    With several workers (pytest-xdist) the book build starts at once in a process of its own
    (``start_background_build``), so the workers are not idle while it runs: they take the
    files that do not need it first, then the ones that do, longest first.
    """
    needing = {item.path for item in items if _needs_the_build(item)}

    def rank(item: pytest.Item) -> tuple[int, int]:
        if item.path not in needing:
            return (0, 0)
        name = item.path.name
        return (1, LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES))

    items.sort(key=rank)  # stable: within a rank, the files keep their order and their tests
    if os.environ.get("PYTEST_XDIST_WORKER") and needing:
        start_background_build(config)


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Iterator[None]:
    """Builds in the session build's folder (BUILD_FOLDER_FIXTURES) run one at a time."""
    if fixturedef.argname not in BUILD_FOLDER_FIXTURES:
        yield
        return
    folder = request.getfixturevalue("built_site").parent.parent
    with FileLock(str(folder / "build-folder.lock")):
        yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a run in which no test passed fails (pytest alone exits 0 when all are skipped)."""
    if not os.environ.get("CI") or os.environ.get("PYTEST_XDIST_WORKER") or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and not reporter.stats.get("passed"):
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED


def load_factor() -> float:
    """How many times longer than on a quiet machine a wait may take now (at least 1).

    The 1-minute load average per core, times ``XENT_PATIENCE`` (default 1) for a machine that
    is slow for other reasons. Read each time: the load changes during a run.
    """
    try:
        per_core = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:  # no load average on this platform
        per_core = 1.0
    return max(1.0, per_core) * float(os.environ.get("XENT_PATIENCE", "1"))


def patience(ms: float) -> float:
    """A timeout of ``ms`` milliseconds on a quiet machine, stretched by the current load."""
    return ms * load_factor()


def build_command(*args: str) -> list[str]:
    """The book's build command (``python -m editions.build``, see the README)."""
    return [sys.executable, "-m", "editions.build", *args]


def _reused_site() -> Path | None:
    """XENT_BUILT_SITE: a ``_build/html`` folder to use instead of building (never in CI)."""
    reuse = os.environ.get("XENT_BUILT_SITE")
    return Path(reuse) if reuse and not os.environ.get("CI") else None


def _build_paths(basetemp: Path) -> tuple[Path, Path]:
    """The run's book folder and build status file, shared by every pytest-xdist worker."""
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    return shared / "book", shared / "book-build.log"


#: The background build's process, in the worker that started it (stopped if the run ends first).
_BACKGROUND: list[subprocess.Popen] = []


def start_background_build(config: pytest.Config) -> None:
    """Start the book build in a process of its own, once per run, if no build is there yet.

    It writes the status file that ``built_site`` waits for: the exit code, then the log.
    """
    if _reused_site() is not None:
        return
    out, status = _build_paths(config._tmp_path_factory.getbasetemp())
    with FileLock(str(status.with_suffix(".lock"))):
        started = status.with_suffix(".started")
        if status.is_file() or started.is_file():
            return
        started.touch()
        runner = (
            "import subprocess, sys; "
            "r = subprocess.run(sys.argv[2:], capture_output=True, text=True); "
            "open(sys.argv[1] + '.tmp', 'w', encoding='utf-8')"
            ".write(f'{r.returncode}\\n{r.stdout}{r.stderr}'); "
            "import os; os.replace(sys.argv[1] + '.tmp', sys.argv[1])"
        )
        cmd = build_command("--path-output", str(out))
        _BACKGROUND.append(
            subprocess.Popen([sys.executable, "-c", runner, str(status), *cmd], cwd=ROOT)
        )
        atexit.register(_stop_background_build)


def _stop_background_build() -> None:
    for process in _BACKGROUND:
        if process.poll() is None:
            process.terminate()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the book once, English and Chinese, strictly; return the English HTML folder.

    The Chinese site is its ``zh`` folder. Every chapter executes once, into a fresh cache.
    Set XENT_BUILT_SITE to an existing ``_build/html`` folder to reuse a build while iterating
    on the tests themselves (CI never sets it).
    """
    reuse = _reused_site()
    if reuse is not None:
        return reuse
    # Under pytest-xdist the first worker to collect starts the build in the background
    # (start_background_build) and every worker waits here for its status file; a failed build
    # is reported by every worker, not tried again. Without xdist, the build runs here.
    out, status = _build_paths(tmp_path_factory.getbasetemp())
    with FileLock(str(status.with_suffix(".lock"))):
        if not status.is_file() and not status.with_suffix(".started").is_file():
            cmd = build_command("--path-output", str(out))
            result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
            log = result.stdout + result.stderr
            status.write_text(f"{result.returncode}\n{log}", encoding="utf-8")
    deadline = time.monotonic() + patience(1_800_000) / 1000
    while not status.is_file():
        assert time.monotonic() < deadline, "the background book build did not finish"
        time.sleep(1)
    code, log = status.read_text(encoding="utf-8").split("\n", 1)
    assert code == "0", f"the strict book build failed:\n{log[-6000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="module")
def site_zh(built_site: Path) -> Iterator[Any]:
    """The Chinese site of the build, served on 127.0.0.1 (tests/test_site_browser's server)."""
    from test_site_browser import SiteServer

    with SiteServer(built_site, "zh") as server:
        yield server


@pytest.fixture(scope="session")
def built_site_zh(built_site: Path) -> Path:
    """The Chinese site of the same build (简体中文版)."""
    return built_site / "zh"


class PatientBrowser:
    """A Playwright browser whose every new context waits as long as the machine's load needs.

    Playwright's own defaults (30 s for an action, 30 s for a page load) are for a quiet machine;
    each context gets them multiplied by ``load_factor()`` when it is made.
    """

    def __init__(self, chromium: Any) -> None:
        self._chromium = chromium

    def new_context(self, **kwargs: Any) -> Any:
        context = self._chromium.new_context(**kwargs)
        context.set_default_timeout(patience(30_000))
        context.set_default_navigation_timeout(patience(60_000))
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chromium, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium per test process, driven by Playwright; skipped without one,
    except in CI. Each test opens its pages in contexts of its own (``new_context``)."""
    if chromium_path() is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield PatientBrowser(chromium)
        chromium.close()


@pytest.fixture
def offline_page(browser: Any) -> Iterator[Any]:
    """A fresh page whose every network request is refused; it fails on any script error.

    A test fails after the fact if its page raised a JavaScript error or tried to reach the
    network (anything but a ``file:`` URL), so a demo is checked to be self-contained.
    """
    context = browser.new_context()
    outside: list[str] = []
    context.route(re.compile(r"^(?!file:).*"), lambda r: (outside.append(r.request.url), r.abort()))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    yield page
    assert not errors, f"the demo's script raised: {errors}"
    assert not outside, f"the demo tried to reach the network: {outside}"
    context.close()


def open_demo(page: Any, folder: Path, html: str) -> Any:
    """Show a demo's HTML in ``page``, as a local file of its own; return the page."""
    path = folder / "demo.html"
    path.write_text(f"<!doctype html><meta charset=utf-8><body>{html}</body>", "utf-8")
    page.goto(path.as_uri())
    return page


def set_control(page: Any, name: str, value: str) -> None:
    """Set a demo's control the way a reader does: change its value, fire the input event."""
    page.locator(f"[name={name}]").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        value,
    )


@pytest.fixture(scope="session")
def edition(tmp_path_factory: pytest.TempPathFactory, built_site: Path) -> Path:
    """The student edition of the whole book, made with the README's documented command.

    One per test process: the tests grade in copies of it, and one grades in it directly."""
    out = tmp_path_factory.mktemp("edition") / "course"
    cmd = [sys.executable, "-m", "editions.student", "--root", str(ROOT), "--out", str(out)]
    cmd += ["--notebooks", str(built_site / "_sources")]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return out
