"""The built website, read the way a reader reads it: in a real (headless) Chromium.

The site is served from 127.0.0.1 on a random port. Every request the browser makes is recorded,
and any request to another host is blocked and fails the test: the site must work offline. Each
page in _toc.yml (and the search page) is opened once; the tests below check what that visit saw:
no console error, math typeset, figures loaded with alt text, headings in order, and every slider
of a kernel-free demo changing the page when moved.

Chromium is Debian's (``apt-get install chromium``); without it these tests are skipped, except in
CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from test_book_build import toc_files

from conftest import ROOT

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PAGES = [*toc_files(), "search"]


class QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SiteServer:
    """A static file server for a built site on 127.0.0.1 and a random free port."""

    def __init__(self, directory: Path) -> None:
        self.httpd = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory))
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


# What a page looks like once loaded and typeset; collected in the browser.
PAGE_STATE_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const main = document.querySelector('article.bd-article') || document.querySelector('main')
    || document.body;
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  const clone = main.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, textarea')
    .forEach(el => el.remove());
  return {
    mathElements: main.querySelectorAll('.math').length,
    untypesetMath: [...main.querySelectorAll('.math')]
      .filter(el => !el.querySelector('mjx-container') && el.tagName !== 'MJX-CONTAINER'
                    && !el.closest('mjx-container'))
      .map(el => el.textContent.slice(0, 80)),
    mathjaxOutputs: main.querySelectorAll('mjx-container').length,
    mathjaxErrors: [...main.querySelectorAll('mjx-merror')]
      .map(el => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 120)),
    text: clone.textContent,
    images: [...document.images].map(img => ({
      src: img.currentSrc || img.src, alt: (img.getAttribute('alt') || '').trim(),
      complete: img.complete, naturalWidth: img.naturalWidth })),
    headings: [...main.querySelectorAll('h1, h2, h3, h4, h5, h6')]
      .map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 60)]),
    sliders: document.querySelectorAll('input[type=range]').length,
    icons: document.querySelectorAll('i[class*="fa-"]').length,
    undrawnIcons: [...document.querySelectorAll('i[class*="fa-"]')]
      .filter(el => {
        const before = getComputedStyle(el, '::before');
        return !/Font Awesome/.test(before.fontFamily)
          || ['none', 'normal', '""'].includes(before.content);
      })
      .map(el => el.className),
  };
}
"""

# A snapshot of everything a demo can change: the DOM and any canvas pixels.
SNAPSHOT_JS = """
() => document.body.innerHTML + [...document.querySelectorAll('canvas')]
  .map(c => { try { return c.toDataURL(); } catch (e) { return ''; } }).join('')
"""


@dataclass
class Visit:
    """What one page visit saw."""

    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    dead_sliders: list[str] = field(default_factory=list)


def open_page(context: Any, url: str, visit: Visit) -> Any:
    """Open url in a new tab that records requests and errors and blocks other hosts."""
    page = context.new_page()

    def route(route: Any) -> None:
        if urlparse(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            visit.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on("requestfailed", lambda request: visit.failed.append(request.url))
    page.on(
        "console",
        lambda msg: visit.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}"))
    page.goto(url, wait_until="load")
    return page


def move_sliders(page: Any, visit: Visit) -> None:
    """Move every range input with the keyboard; record those after which nothing changed."""
    sliders = page.locator("input[type=range]")
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        # A demo folded into a collapsed dropdown is opened first, as a reader would.
        slider.evaluate(
            "el => { for (let d = el.closest('details'); d; "
            "d = d.parentElement.closest('details')) d.open = true; }"
        )
        slider.scroll_into_view_if_needed()
        slider.focus()
        before = page.evaluate(SNAPSHOT_JS)
        at_max = slider.evaluate("el => Number(el.value) >= Number(el.max || 100)")
        page.keyboard.press("Home" if at_max else "End")
        page.wait_for_timeout(200)
        if page.evaluate(SNAPSHOT_JS) == before:
            label = slider.evaluate("el => el.id || el.name || el.outerHTML.slice(0, 80)")
            visit.dead_sliders.append(label)


@pytest.fixture(scope="module")
def site(built_site: Path) -> Iterator[SiteServer]:
    with SiteServer(built_site) as server:
        yield server


@pytest.fixture(scope="module")
def visits(site: SiteServer, browser: Any) -> Iterator[dict[str, Visit]]:
    """Each page, visited once on first use (a fresh browser context per page)."""
    cache: dict[str, Visit] = {}

    def get(doc: str) -> Visit:
        if doc not in cache:
            visit = Visit(url=f"{site.url}{doc}.html")
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            try:
                page = open_page(context, visit.url, visit)
                visit.state = page.evaluate(PAGE_STATE_JS)
                move_sliders(page, visit)
            finally:
                context.close()
            cache[doc] = visit
        return cache[doc]

    yield get  # type: ignore[misc]


@pytest.mark.parametrize("doc", PAGES)
def test_page_stays_on_the_site_and_logs_no_error(visits: Any, doc: str) -> None:
    visit = visits(doc)
    assert not visit.blocked, f"{doc} requests other hosts: {visit.blocked[:5]}"
    others = [
        u
        for u in visit.requests
        if urlparse(u).scheme in ("http", "https") and urlparse(u).hostname not in LOCAL_HOSTS
    ]
    assert not others, f"{doc} requests other hosts: {others[:5]}"
    assert not visit.failed, f"{doc} has failed requests: {visit.failed[:5]}"
    assert not visit.console_errors, f"{doc} logs console errors: {visit.console_errors[:5]}"


def source_has_math(doc: str) -> bool:
    """Whether the page's source (outside code cells) contains math."""
    sources = [p for p in ROOT.glob(f"{doc}.*") if p.suffix in (".md", ".ipynb")]
    if not sources:
        return False
    text = re.sub(r"```.*?```", "", sources[0].read_text(encoding="utf-8"), flags=re.S)
    return bool(re.search(r"\$[^$\n]+\$|\$\$|\{math\}|\\begin\{(align|equation)", text))


@pytest.mark.parametrize("doc", toc_files())
def test_every_formula_is_typeset(visits: Any, doc: str) -> None:
    state = visits(doc).state
    assert not state["untypesetMath"], f"{doc}: math left untypeset: {state['untypesetMath'][:3]}"
    assert not state["mathjaxErrors"], f"{doc}: MathJax errors: {state['mathjaxErrors'][:3]}"
    if source_has_math(doc):
        assert state["mathjaxOutputs"] > 0, f"{doc} has math in its source but none typeset"
    assert state["mathjaxOutputs"] >= state["mathElements"]
    text = state["text"]
    for raw in (r"\(", r"\[", r"\begin{"):
        assert raw not in text, f"{doc} shows raw TeX {raw!r}: ...{_around(text, raw)}..."
    dollar = re.search(r"\$[^$\s][^$\n]*\$", text)
    assert not dollar, f"{doc} shows raw $-math: {dollar.group(0)[:80]!r}"


def _around(text: str, needle: str) -> str:
    i = text.find(needle)
    return text[max(0, i - 40) : i + 60]


@pytest.mark.parametrize("doc", toc_files())
def test_every_image_loads_with_alt_text(visits: Any, doc: str) -> None:
    for img in visits(doc).state["images"]:
        assert img["complete"] and img["naturalWidth"] > 0, f"{doc}: image failed: {img['src']}"
        assert img["alt"], f"{doc}: image without alt text: {img['src']}"


@pytest.mark.parametrize("doc", toc_files())
def test_headings_skip_no_level(visits: Any, doc: str) -> None:
    headings = visits(doc).state["headings"]
    assert headings, f"{doc} has no heading"
    assert headings[0][0] == 1, f"{doc} does not start with an h1: {headings[0]}"
    for (prev, _), (level, title) in itertools.pairwise(headings):
        assert level <= prev + 1, f"{doc}: heading {title!r} (h{level}) follows an h{prev}"


@pytest.mark.parametrize("doc", toc_files())
def test_every_slider_changes_the_page(visits: Any, doc: str) -> None:
    visit = visits(doc)
    assert not visit.dead_sliders, f"{doc}: moving these sliders changed nothing: " + ", ".join(
        visit.dead_sliders
    )


@pytest.mark.parametrize("doc", PAGES)
def test_icons_are_drawn_from_the_bundled_web_font(visits: Any, doc: str) -> None:
    """The theme's icons come from its CSS web font (its 1.5 MB icon script is dropped)."""
    state = visits(doc).state
    assert state["icons"] > 0, f"{doc} shows none of the theme's icons"
    undrawn = state["undrawnIcons"]
    assert not undrawn, f"{doc}: icons without a Font Awesome glyph: {undrawn[:5]}"


def test_search_finds_entropy(site: SiteServer, browser: Any) -> None:
    visit = Visit(url=f"{site.url}search.html?q=entropy")
    context = browser.new_context()
    try:
        page = open_page(context, visit.url, visit)
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(timeout=15_000)
        count = results.count()
    finally:
        context.close()
    assert count >= 1, "searching for 'entropy' lists no page"
    assert not visit.blocked and not visit.console_errors, (visit.blocked, visit.console_errors)


def test_no_page_references_a_cdn(built_site: Path) -> None:
    """No built HTML page loads a script, stylesheet or image from another host."""
    for html in sorted(built_site.rglob("*.html")):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
            for el in soup.find_all(tag):
                url = el.get(attr) or ""
                if tag == "link" and not {"stylesheet", "preload", "modulepreload"} & set(
                    el.get("rel") or []
                ):
                    continue
                assert not urlparse(url).netloc, f"{html.name} loads {url}"
        assert "unpkg.com" not in html.read_text(encoding="utf-8"), f"{html.name} names unpkg"
        assert "fontawesome.js" not in html.read_text(encoding="utf-8"), (
            f"{html.name} still loads the theme's redundant Font Awesome script"
        )
