"""Shared fixtures: the repository root and one strict build of the whole book per test run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

# CI runs the same examples every time (reproducible); local runs explore new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: Headless Chromium with no background traffic of its own (this machine has no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def build_command(*args: str) -> list[str]:
    """The book's build command (``python -m editions.build``, see the README)."""
    return [sys.executable, "-m", "editions.build", *args]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the book once, English and Chinese, strictly; return the English HTML folder.

    The Chinese site is its ``zh`` folder. Every chapter executes once, into a fresh cache.
    Set XENT_BUILT_SITE to an existing ``_build/html`` folder to reuse a build while iterating
    on the tests themselves (CI never sets it).
    """
    reuse = os.environ.get("XENT_BUILT_SITE")
    if reuse and not os.environ.get("CI"):
        return Path(reuse)
    out = tmp_path_factory.mktemp("book")
    cmd = build_command("--path-output", str(out))
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"the strict book build failed:\n{log[-6000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def built_site_zh(built_site: Path) -> Path:
    """The Chinese site of the same build (简体中文版)."""
    return built_site / "zh"


def chromium_path() -> str | None:
    """Debian's Chromium, if installed (or, on a GitHub runner, its preinstalled Chrome)."""
    names = ("chromium", "chromium-browser", "google-chrome")
    return next((path for path in map(shutil.which, names) if path), None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium driven by Playwright; skipped without one, except in CI."""
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
        yield chromium
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
