"""The built website, read the way a reader reads it: in a real (headless) Chromium.

The site is served from 127.0.0.1 on a random port. Every request the browser makes is recorded,
and any request to another host is blocked and fails the test: the site must work offline. Each
page in _toc.yml (and the search page) is opened once; the tests below check what that visit saw:
no console error, math typeset, figures loaded with alt text, headings in order, and every slider
of a kernel-free demo changing the page when moved.

Chromium is Debian's (``apt-get install chromium``); without it these tests are skipped, except in
CI (``CI`` set), where they fail.

Nothing here waits a fixed time: each check waits for the state it reads (MathJax's startup
promise, the images decoded and the web fonts loaded, a demo's page changed after a slider
moved, a panel's CSS transitions finished, the search finished), with timeouts from
``conftest.patience`` that grow with the machine's load.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_book_build import toc_files

from conftest import ROOT, patience
from editions.serve import StaticServer

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PAGES = [*toc_files(), "search"]

#: The book's two sites (one build): every test below runs on each.
SITES = {"en": "", "zh": "zh/"}
#: A search query per site, and the chapter it must find first.
SEARCHES = {"en": ("entropy", "02_entropy.html"), "zh": ("熵", "02_entropy.html")}


class SiteServer(StaticServer):
    """A built site on 127.0.0.1 and a random free port (``editions.serve``), with the address of
    one language's site."""

    def __init__(self, directory: Path, language: str = "en") -> None:
        super().__init__(directory)
        #: The site of one language: the English one at the root, the Chinese one in zh/.
        self.language = language
        self.url = self.root + SITES[language]


def test_the_server_is_quiet_when_a_browser_hangs_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A browser that leaves during a file (BrokenPipeError, ConnectionResetError) prints no
    traceback into the test log; any other error in a request still does."""
    with StaticServer(tmp_path) as server:
        for error in (BrokenPipeError(), ConnectionResetError(), ValueError("a real fault")):
            try:
                raise error
            except Exception:
                server.httpd.handle_error(None, ("127.0.0.1", 1))
    printed = capsys.readouterr().err
    assert "BrokenPipeError" not in printed and "ConnectionResetError" not in printed, printed
    assert "ValueError: a real fault" in printed, printed


# What a page looks like once loaded and typeset; collected in the browser.
PAGE_STATE_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
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
# Whether the page differs from an earlier snapshot (polled until it does, or time runs out).
CHANGED_JS = f"before => ({SNAPSHOT_JS.strip()})() !== before"


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
        try:  # a live demo redraws at once; a dead one is given generous time to prove it
            page.wait_for_function(CHANGED_JS, arg=before, timeout=patience(5_000))
        except PlaywrightTimeout:
            label = slider.evaluate("el => el.id || el.name || el.outerHTML.slice(0, 80)")
            visit.dead_sliders.append(label)


@pytest.fixture(scope="module", params=list(SITES))
def site(request: pytest.FixtureRequest, built_site: Path) -> Iterator[SiteServer]:
    with SiteServer(built_site, request.param) as server:
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


#: Sphinx's search has listed every result (it writes the summary line last).
SEARCH_DONE_JS = """
() => (document.querySelector('#search-results .search-summary')?.textContent || '').trim() !== ''
  && document.querySelectorAll('#search-results ul.search li').length > 0
"""

#: Words each site's search must find chapters for (the Chinese ones typed whole, as readers do).
QUERIES = {"en": ["entropy", "cross-entropy"], "zh": ["交叉熵", "KL 散度", "熵", "似然"]}


def test_search_finds_the_chapters(site: SiteServer, browser: Any) -> None:
    context = browser.new_context()
    try:
        for query in QUERIES[site.language]:
            visit = Visit(url=f"{site.url}search.html?q={query}")
            page = open_page(context, visit.url, visit)
            # Sphinx's search lists its results one by one, then writes its summary.
            page.wait_for_function(SEARCH_DONE_JS, timeout=patience(15_000))
            hrefs = page.evaluate(
                "() => [...document.querySelectorAll('#search-results ul.search li a')]"
                ".map(a => a.getAttribute('href'))"
            )
            chapters = {h.split("#")[0].split("?")[0] for h in hrefs if re.search(r"/0\d_", h)}
            assert len(chapters) >= 3, f"searching for {query!r} finds only {sorted(chapters)}"
            assert not visit.blocked and not visit.console_errors, (
                visit.blocked,
                visit.console_errors,
            )
            page.close()
    finally:
        context.close()


@pytest.mark.parametrize("doc", ["chapters/intro", "chapters/05_learning_slowdown", "search"])
def test_language_switcher_opens_the_same_page(site: SiteServer, browser: Any, doc: str) -> None:
    other = {"en": "zh", "zh": "en"}[site.language]
    context = browser.new_context()
    try:
        page = open_page(context, f"{site.url}{doc}.html", Visit(url=doc))
        with page.expect_navigation(wait_until="load"):
            page.locator("a.xent-language").first.click()
        url, lang = page.url, page.evaluate("document.documentElement.lang")
    finally:
        context.close()
    assert url.split("#")[0].split("?")[0] == f"{site.root}{SITES[other]}{doc}.html"
    assert lang == {"en": "en", "zh": "zh-CN"}[other]


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


# ---- every screen: a phone and a desktop ------------------------------------------------------

#: (viewport, device pixel ratio) of the two screens every page is read on.
SCREENS = {
    "phone": ({"width": 390, "height": 844}, 2),
    "desktop": ({"width": 1280, "height": 900}, 1),
}

# What the page's layout does to its content, once typeset and with its images decoded.
LAYOUT_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  await document.fonts.ready;
  const vw = document.documentElement.clientWidth;
  const article = document.querySelector('article.bd-article') || document.body;
  const rect = el => el.getBoundingClientRect();
  const shown = el => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  const name = el => el.tagName.toLowerCase() + [...el.classList].map(c => '.' + c).join('')
    + ' "' + el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 50) + '"';
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const scroller = el => {
    for (let e = el; e && e !== article; e = e.parentElement) if (scrolls(e)) return e;
    return null;
  };
  const onScreen = r => r.left >= -1 && r.right <= vw + 1;
  // Display equations, outputs, code and tables: each fits, or scrolls inside its own box.
  const boxes = [];
  for (const el of article.querySelectorAll(
      'mjx-container[display="true"], div.cell_output .output, div.highlight pre, table')) {
    if (!shown(el)) continue;
    const own = scroller(el);
    if (own) {
      if (!onScreen(rect(own))) boxes.push('its scroll box leaves the screen: ' + name(el));
      // A box with hidden content says so: a shadow (a gradient) at the edge that scrolls.
      if (own.scrollWidth > own.clientWidth + 1
          && !/gradient/.test(getComputedStyle(own).backgroundImage)) {
        boxes.push('scrolls with no sign of it: ' + name(el));
      }
    } else if (el.scrollWidth > el.clientWidth + 1) {
      boxes.push('cut off (wider than its box, which does not scroll): ' + name(el));
    } else if (!onScreen(rect(el))) {
      boxes.push('leaves the screen: ' + name(el));
    }
  }
  // An equation's number beside the formula or below it (a narrow screen), never on it.
  for (const math of article.querySelectorAll('div.math')) {
    const no = math.querySelector('.eqno'), eq = math.querySelector('mjx-container');
    if (!no || !eq || !shown(math)) continue;
    const [a, b] = [rect(no), rect(scroller(eq) || eq)];
    if (a.left < b.right - 1 && b.left < a.right - 1
        && a.top < b.bottom - 1 && b.top < a.bottom - 1) {
      boxes.push('equation number on the formula: ' + name(no));
    }
  }
  // Anything else that sticks out of the screen without a scroll box of its own.
  const sticking = [];
  for (const el of article.querySelectorAll('*')) {
    if (sticking.length >= 5) break;
    if (!shown(el) || scroller(el) || el.closest('mjx-container, .headerlink')) continue;
    const r = rect(el);
    if (r.width > 0 && !onScreen(r)) {
      sticking.push(name(el) + ' (right edge ' + Math.round(r.right) + ')');
    }
  }
  // Every demo's controls inside the demo's box and the screen.
  const demos = [];
  for (const demo of document.querySelectorAll('.xent-demo')) {
    const d = rect(demo);
    if (!onScreen(d)) demos.push('demo box leaves the screen: ' + demo.id);
    for (const c of demo.querySelectorAll('input, select, output, label, svg')) {
      const r = rect(c);
      if (r.left < d.left - 1 || r.right > d.right + 1 || !onScreen(r)) {
        demos.push(demo.id + ': ' + name(c) + ' outside its box');
      }
    }
  }
  // Figures: vector (SVG), or at least as many pixels as the screen shows.
  const dpr = window.devicePixelRatio;
  const blurry = [...article.querySelectorAll('img')]
    .filter(img => shown(img) && rect(img).width > 120)
    .filter(img => !/\\.svg(\\?|$)/.test(img.currentSrc || img.src)
                   && img.naturalWidth < dpr * rect(img).width - 2)
    .map(img => (img.currentSrc || img.src).split('/').pop() + ': ' + img.naturalWidth
         + ' px drawn over ' + Math.round(dpr * rect(img).width) + ' device px');
  return {
    pageWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    viewport: vw, boxes, sticking, demos, blurry,
    figures: article.querySelectorAll('.cell_output img').length,
  };
}
"""

# Click a visible toggle button; report where the panel it controls ends up once its CSS
# transitions have finished (or after `patience` ms, should one never end).
TOGGLE_JS = """
async ([button, panel, patience]) => {
  const btn = [...document.querySelectorAll(button)].find(b => b.getClientRects().length
    && getComputedStyle(b).visibility !== 'hidden' && b.getBoundingClientRect().width > 0);
  const where = () => {
    const el = document.querySelector(panel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    const onScreen = r.width > 0 && r.right > 0 && r.left < document.documentElement.clientWidth;
    return { visible: getComputedStyle(el).visibility !== 'hidden' && onScreen,
             left: Math.round(r.left), right: Math.round(r.right) };
  };
  if (!btn) return { button: false };
  const before = where();
  btn.click();
  const settled = async () => {
    // The click's style change is applied, and every transition it started has ended.
    await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const finite = a => Number.isFinite(a.effect?.getComputedTiming().endTime);
    await Promise.all(document.getAnimations().filter(finite)
      .map(a => a.finished.catch(() => null)));
  };
  await Promise.race([settled(), new Promise(resolve => setTimeout(resolve, patience))]);
  return { button: true, before, after: where() };
}
"""


@dataclass
class Layout:
    """How one page lays out on one screen, and what its navigation buttons do."""

    state: dict[str, Any]
    chapters: dict[str, Any]
    contents: dict[str, Any]


@pytest.fixture(scope="module")
def layouts(site: SiteServer, browser: Any) -> Iterator[Any]:
    """Each (page, screen), laid out once on first use (a fresh browser context each)."""
    cache: dict[tuple[str, str], Layout] = {}

    def get(doc: str, screen: str) -> Layout:
        if (doc, screen) not in cache:
            viewport, ratio = SCREENS[screen]
            context = browser.new_context(viewport=viewport, device_scale_factor=ratio)
            try:
                page = open_page(context, f"{site.url}{doc}.html", Visit(url=doc))
                state = page.evaluate(LAYOUT_JS)
                wait = patience(10_000)
                chapters = page.evaluate(
                    TOGGLE_JS, [".primary-toggle", ".bd-sidebar-primary", wait]
                )
                contents = page.evaluate(
                    TOGGLE_JS, [".secondary-toggle", ".bd-sidebar-secondary", wait]
                )
            finally:
                context.close()
            cache[doc, screen] = Layout(state, chapters, contents)
        return cache[doc, screen]

    yield get  # type: ignore[misc]


ON_SCREENS = [(doc, screen) for doc in toc_files() for screen in SCREENS]


@pytest.mark.parametrize(("doc", "screen"), ON_SCREENS)
def test_no_horizontal_page_scroll(layouts: Any, doc: str, screen: str) -> None:
    state = layouts(doc, screen).state
    assert state["pageWidth"] <= state["viewport"], (
        f"{doc} on a {screen} scrolls sideways: {state['pageWidth']} px wide in a "
        f"{state['viewport']} px screen; sticking out: {state['sticking']}"
    )
    assert not state["sticking"], f"{doc} on a {screen}: cut off at the edge: {state['sticking']}"


@pytest.mark.parametrize(("doc", "screen"), ON_SCREENS)
def test_equations_and_outputs_fit_or_scroll_in_their_box(
    layouts: Any, doc: str, screen: str
) -> None:
    boxes = layouts(doc, screen).state["boxes"]
    assert not boxes, f"{doc} on a {screen}: {boxes[:5]}"


@pytest.mark.parametrize(("doc", "screen"), ON_SCREENS)
def test_demo_controls_stay_in_view(layouts: Any, doc: str, screen: str) -> None:
    demos = layouts(doc, screen).state["demos"]
    assert not demos, f"{doc} on a {screen}: {demos[:5]}"


@pytest.mark.parametrize("doc", toc_files())
def test_figures_are_sharp_at_device_pixel_ratio_2(layouts: Any, doc: str) -> None:
    blurry = layouts(doc, "phone").state["blurry"]
    assert not blurry, f"{doc}: figures soft on a high-density screen: {blurry[:5]}"


@pytest.mark.parametrize(("doc", "screen"), ON_SCREENS)
def test_chapter_list_and_contents_buttons_work(layouts: Any, doc: str, screen: str) -> None:
    """On a phone both buttons open their panel; on a desktop the first collapses the list."""
    layout = layouts(doc, screen)
    chapters, contents = layout.chapters, layout.contents
    assert chapters["button"], f"{doc} on a {screen} has no chapter-list button"
    if screen == "phone":
        assert not chapters["before"]["visible"] and chapters["after"]["visible"], (
            f"{doc}: the chapter-list button does not open the chapter list: {chapters}"
        )
        if contents["button"]:  # pages without sections have no contents panel
            assert not contents["before"]["visible"] and contents["after"]["visible"], (
                f"{doc}: the contents button does not open the page contents: {contents}"
            )
    else:
        assert chapters["before"]["visible"] and not chapters["after"]["visible"], (
            f"{doc}: on a desktop the chapter-list button does not collapse the list: {chapters}"
        )


def test_every_chapter_page_is_checked_on_a_phone() -> None:
    """The screens above cover every page of the book, so new chapters are checked too."""
    assert {doc for doc, _ in ON_SCREENS} == set(toc_files())
    assert SCREENS["phone"] == ({"width": 390, "height": 844}, 2)


def test_search_ranks_chapters_first_with_snippets_of_their_text(
    site: SiteServer, browser: Any
) -> None:
    """Searching "entropy" (熵): chapter 2 (its title) before the glossary, snippets from prose."""
    query, first = SEARCHES[site.language]
    context = browser.new_context()
    try:
        page = open_page(context, f"{site.url}search.html?q={query}", Visit(url="search"))
        page.wait_for_function(SEARCH_DONE_JS, timeout=patience(15_000))
        # Pages get a snippet of their text; an API entry (a function of xent) shows its kind in
        # a <span> instead, as Sphinx does for every object, so it is not counted.
        page.wait_for_function(
            "() => { const pages = [...document.querySelectorAll('#search-results li')]"
            ".filter(li => !li.querySelector(':scope > span'));"
            " return pages.filter(li => li.querySelector('p.context')).length"
            " >= pages.length - 2; }",
            timeout=patience(15_000),
        )
        found = page.evaluate(
            "() => [...document.querySelectorAll('#search-results ul.search li')].map(li => ["
            "li.querySelector('a').getAttribute('href'),"
            "(li.querySelector('p.context') || {textContent: ''}).textContent])"
        )
    finally:
        context.close()
    pages = [href.split("#")[0].split("?")[0] for href, _ in found]
    assert pages[0].endswith(first), f"first result: {pages[:3]}"
    chrome = [
        (p, s[:60])
        for p, (_, s) in zip(pages, found, strict=True)
        if re.search(r"\b(Binder|Colab|Repository|Open issue)\b", s[:80])
    ]
    assert not chrome, f"snippets of the page's buttons instead of its text: {chrome[:3]}"
    tex = [s[:80] for _, s in found if re.search(r"\\\(|\\[a-zA-Z]{2,}", s)]
    assert not tex, f"snippets show TeX source: {tex[:3]}"


def test_search_icon_leaves_the_typed_text_alone(site: SiteServer, browser: Any) -> None:
    """On a phone, the magnifying glass sits before the first typed letter, not on it."""
    viewport, ratio = SCREENS["phone"]
    context = browser.new_context(viewport=viewport, device_scale_factor=ratio)
    try:
        page = open_page(context, f"{site.url}chapters/intro.html", Visit(url="intro"))
        page.locator("button.search-button__button:visible").first.click()
        field = page.locator("form.bd-search input:visible").first
        field.type("entropy")
        icon_right, text_left = field.evaluate(
            "i => [i.parentElement.querySelector('i').getBoundingClientRect().right,"
            " i.getBoundingClientRect().left + parseFloat(getComputedStyle(i).paddingLeft)]"
        )
    finally:
        context.close()
    assert icon_right <= text_left, (
        f"the search icon ends at {icon_right}, the text starts at {text_left}"
    )
