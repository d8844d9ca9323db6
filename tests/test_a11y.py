"""The website for every reader: keyboard, screen reader, a phone in one hand, a slow connection.

Every page of both sites (English and Chinese) is read once in headless Chromium by ``audit``;
the tests below check what that reading saw:

- **axe-core** (WCAG 2.0/2.1 A and AA, 2.2 AA, and axe's best practices) finds no violation, on
  a 1280 px desktop and a 390 px phone, in the light and the dark theme. axe-core is the copy
  bundled in the pinned package ``axe-playwright-python`` (requirements-dev.txt); no network.
- **No duplicate ids** (axe no longer checks them).
- **The keyboard**: Tab walks every stop of the page (desktop, light; phone, dark), and each stop
  shows that it has focus: its outline, shadow, colours or underline differ from the same element
  without focus, and a drawn outline is not clipped away. Formulas are no Tab stops.
- **Equations on a phone**: no display equation needs a sideways scroll at 390 px unless the
  formula alone is wider than the column (then its box shows that it scrolls, see
  test_site_browser); the equation number goes below the formula on a narrow screen.
- **Demos on a phone**: every text of a demo (labels, ticks, legend, readout) is at least
  ``MIN_TEXT_PX`` CSS px at 390 px, and every control at least ``MIN_TARGET_PX`` tall.
- **Layout shift**: the cumulative layout shift of loading a page on a desktop, until MathJax has
  typeset, the fonts have loaded and the images are decoded, is at most ``MAX_CLS``.
- **Weight**: what a page loads, gzipped as a server sends it, is at most ``MAX_PAGE_KIB`` KiB;
  a page without math loads no MathJax; no icon font is preloaded.

One browser for the module (its own, driven by Playwright's async API in a worker thread), with
``PARALLEL`` pages open at a time. Nothing waits a fixed time: each step waits for the state it
reads. Run as a script (``python tests/test_a11y.py _build/html``) it prints the measurements.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import importlib.resources
import json
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_book_build import toc_files
from test_site_browser import SITES, SiteServer

from conftest import CHROMIUM_ARGS, chromium_path, patience

#: The smallest text a demo may show on a phone, in CSS px.
MIN_TEXT_PX = 11.0
#: The smallest height of a demo's control (slider, select, button), in CSS px (WCAG 2.5.8: 24).
MIN_TARGET_PX = 24.0
#: The largest cumulative layout shift of a page's load (Core Web Vitals' "good" is 0.1).
MAX_CLS = 0.05
#: The most a page may transfer, gzipped as a web server sends text (KiB): chapter 5, the
#: heaviest measured, is 851 KiB with MathJax and its demos; the intro 413 KiB.
MAX_PAGE_KIB = 900
#: Pages read at a time.
PARALLEL = 3

#: The whole audit (axe at two sizes and two themes, two keyboard walks, for all 2 x 19 pages)
#: took longer than 30 minutes on the 2-core machine inside the full suite, and it has not yet
#: passed end to end: it runs on request (XENT_A11Y=1), not in the default run (issue 22).
pytestmark = pytest.mark.skipif(
    not os.environ.get("XENT_A11Y"), reason="the accessibility audit runs with XENT_A11Y=1"
)
#: axe-core's rule sets that must pass.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
#: The most Tab presses a walk makes (a walk ends earlier, when focus leaves the page).
MAX_TABS = 400

PAGES = [*toc_files(), "search"]
DEBUG = False


def axe_source() -> str:
    """axe.min.js as bundled in the pinned package axe-playwright-python."""
    return (
        importlib.resources.files("axe_playwright_python")
        .joinpath("axe.min.js")
        .read_text(encoding="utf-8")
    )


# Records every layout shift from the start of the page (not caused by the reader's input).
CLS_INIT_JS = """
window.__xentShifts = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__xentShifts.push({
    value: e.value, at: e.startTime,
    sources: (e.sources || []).map(s => s.node ? (s.node.nodeName + '.' +
      (s.node.className || '') + ' ' + (s.node.textContent || '').trim().slice(0, 40)) : '?')});
}).observe({type: 'layout-shift', buffered: true});
"""

# The page has settled: typeset, fonts loaded, images decoded, two frames drawn.
SETTLE_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  await document.fonts.ready;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return true;
}
"""

# Switch the theme as the theme's own button does, and wait until no transition is running.
THEME_JS = """
async mode => {
  document.documentElement.dataset.theme = mode;
  document.documentElement.dataset.mode = mode;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
  return true;
}
"""

AXE_RUN_JS = """
async tags => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: '
      + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 160))}));
}
"""

DUPLICATE_IDS_JS = """
() => {
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => id + ' x' + n);
}
"""

# Installs listeners that record, for every element that gets or loses focus, the styles that
# can show focus: once while focused (focusin) and once right after it lost focus (focusout).
FOCUS_INIT_JS = """
() => {
  const look = el => {
    const s = getComputedStyle(el), a = getComputedStyle(el, '::after'),
          b = getComputedStyle(el, '::before');
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
      && !/rgba\\(.*, 0\\)$|transparent/.test(s.outlineColor);
    return {
      outline: outline ? [s.outlineStyle, s.outlineWidth, s.outlineColor, s.outlineOffset]
        .join(' ') : 'none',
      rest: [s.boxShadow, s.backgroundColor, s.color, s.borderColor, s.textDecorationLine,
             a.boxShadow, a.outlineStyle, a.borderColor, a.backgroundColor,
             b.boxShadow, b.outlineStyle, b.backgroundColor].join('|'),
    };
  };
  // Whether a drawn outline can be seen: not clipped away by an ancestor that hides overflow.
  const clipped = el => {
    const s = getComputedStyle(el);
    const pad = Math.max(0, parseFloat(s.outlineWidth) + (parseFloat(s.outlineOffset) || 0));
    const r = el.getBoundingClientRect();
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ps = getComputedStyle(p);
      if (ps.overflowX === 'visible' && ps.overflowY === 'visible') continue;
      const q = p.getBoundingClientRect();
      if (r.left - pad >= q.left - 0.5 && r.right + pad <= q.right + 0.5
          && r.top - pad >= q.top - 0.5 && r.bottom + pad <= q.bottom + 0.5) continue;
      // Part of the ring is cut; it still shows if at least one whole side is inside.
      const inside = r.left - pad >= q.left || r.right + pad <= q.right
        || r.top - pad >= q.top || r.bottom + pad <= q.bottom;
      if (!inside) return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].slice(0, 3).map(c => '.' + c).join('') + ' "'
    + (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\\s+/g, ' ')
      .slice(0, 40) + '"';
  window.__xentFocus = [];
  window.__xentSeen = new Set();
  window.__xentWrapped = false;
  document.addEventListener('focusin', e => {
    const el = e.target;
    // The walk has come round to a stop it has seen: the page's stops are all recorded.
    if (window.__xentSeen.has(el)) { window.__xentWrapped = true; return; }
    if (window.__xentWrapped) return;
    window.__xentSeen.add(el);
    window.__xentFocus.push({name: name(el), on: look(el), visible: el.matches(':focus-visible'),
      clipped: clipped(el), math: !!el.closest('mjx-container'), off: null});
    el.__xentStop = window.__xentFocus.length - 1;
  }, true);
  document.addEventListener('focusout', e => {
    const el = e.target;
    if (el.__xentStop !== undefined) window.__xentFocus[el.__xentStop].off = look(el);
  }, true);
}
"""

# On a phone: display equations that scroll sideways though the formula alone would fit.
EQUATIONS_JS = """
() => {
  const out = [];
  for (const math of document.querySelectorAll('article div.math')) {
    const eq = math.querySelector('mjx-container[display="true"]');
    if (!eq || !math.getClientRects().length) continue;
    const inner = eq.querySelector('mjx-math') || eq;
    const formula = inner.getBoundingClientRect().width;
    const column = math.getBoundingClientRect().width;
    const no = (math.querySelector('.eqno') || {textContent: ''}).textContent.trim();
    const scrolls = eq.scrollWidth > eq.clientWidth + 1;
    out.push({no, formula: Math.round(formula), column: Math.round(column), scrolls,
      shown: Math.round(eq.clientWidth), needed: Math.round(eq.scrollWidth)});
  }
  return out;
}
"""

# On a phone: each demo's texts below the smallest size, and its controls below a finger's size.
DEMO_JS = """
minPx => {
  const small = [], targets = [];
  for (const demo of document.querySelectorAll('.xent-demo')) {
    for (const el of demo.querySelectorAll('*')) {
      if (!el.getClientRects().length) continue;
      const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.tagName === 'STYLE' || el.tagName === 'SCRIPT') continue;
      let px = parseFloat(getComputedStyle(el).fontSize);
      if (el instanceof SVGGraphicsElement) {
        const m = el.getScreenCTM();  // rotated text too: the scale is the matrix's norm
        px *= Math.hypot(m.a, m.b);
      }
      if (px < minPx - 0.05) small.push(demo.id + ' ' + el.tagName.toLowerCase() + ' "'
        + el.textContent.trim().slice(0, 20) + '" ' + px.toFixed(1) + ' px');
    }
    for (const el of demo.querySelectorAll('input, select, button')) {
      const r = el.getBoundingClientRect();
      targets.push({name: demo.id + ' ' + el.tagName.toLowerCase() + '[' + (el.name || '') + ']',
                    height: r.height, width: r.width});
    }
  }
  return {small, targets};
}
"""


@dataclass
class Audit:
    """What reading one page saw."""

    url: str
    axe: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    duplicate_ids: list[str] = field(default_factory=list)
    focus: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    equations: list[dict[str, Any]] = field(default_factory=list)
    demo_text: list[str] = field(default_factory=list)
    demo_targets: list[dict[str, Any]] = field(default_factory=list)
    cls: float = 0.0
    shifts: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    kib: float = 0.0
    errors: list[str] = field(default_factory=list)


class Sizes:
    """The gzipped size of each file of the built site (what a server that compresses sends)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, int] = {}

    def __call__(self, path: str) -> int:
        if path not in self.cache:
            file = self.root / unquote(path).lstrip("/")
            if file.is_dir():
                file = file / "index.html"
            data = file.read_bytes() if file.is_file() else b""
            binary = file.suffix in {".woff", ".woff2", ".png", ".jpg", ".gif"}
            self.cache[path] = len(data) if binary else len(gzip.compress(data, 6))
        return self.cache[path]


async def walk(page: Any, key: str, audit: Audit) -> None:
    """Press Tab until focus leaves the page; record every stop's look with and without focus."""
    await page.evaluate(
        "() => { window.__xentFocus = []; window.__xentSeen = new Set();"
        " window.__xentWrapped = false; document.activeElement?.blur(); }"
    )
    await page.evaluate("() => window.scrollTo(0, 0)")
    presses = 0
    while presses < MAX_TABS:  # in bursts of 10: a stop is recorded by the page's listeners
        for _ in range(10):
            await page.keyboard.press("Tab")
        presses += 10
        if await page.evaluate("() => window.__xentWrapped"):
            break
    audit.focus[key] = await page.evaluate("() => window.__xentFocus")
    if DEBUG:
        print(f"{audit.url} {key}: {presses} presses", file=sys.stderr, flush=True)


async def read_page(browser: Any, base: str, doc: str, sizes: Sizes, axe: str) -> Audit:
    audit = Audit(url=f"{base}{doc}.html")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(patience(30_000))
    context.set_default_navigation_timeout(patience(60_000))
    try:
        page = await context.new_page()

        async def route(route: Any) -> None:
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                await route.continue_()
            else:
                audit.foreign.append(route.request.url)
                await route.abort()

        await page.route("**/*", route)
        page.on("request", lambda r: audit.requests.append(r.url))
        page.on("pageerror", lambda e: audit.errors.append(str(e)))
        await page.add_init_script(CLS_INIT_JS)
        await page.goto(audit.url, wait_until="load")
        await page.evaluate(SETTLE_JS)
        audit.shifts = await page.evaluate("() => window.__xentShifts")
        audit.cls = round(sum(s["value"] for s in audit.shifts), 4)
        audit.kib = round(sum(sizes(urlparse(u).path) for u in set(audit.requests)) / 1024, 1)
        await page.evaluate(axe)
        await page.evaluate(FOCUS_INIT_JS)
        audit.duplicate_ids = await page.evaluate(DUPLICATE_IDS_JS)
        for screen, size in (("desktop", (1280, 900)), ("phone", (390, 844))):
            await page.set_viewport_size({"width": size[0], "height": size[1]})
            for theme in ("light", "dark"):
                await page.evaluate(THEME_JS, theme)
                audit.axe[f"{screen} {theme}"] = await page.evaluate(AXE_RUN_JS, AXE_TAGS)
                if (screen, theme) in (("desktop", "light"), ("phone", "dark")):
                    await walk(page, f"{screen} {theme}", audit)
            if screen == "phone":
                audit.equations = await page.evaluate(EQUATIONS_JS)
                demo = await page.evaluate(DEMO_JS, MIN_TEXT_PX)
                audit.demo_text, audit.demo_targets = demo["small"], demo["targets"]
    finally:
        await context.close()
    return audit


async def audit_all(root: Path, base: dict[str, str], docs: list[str]) -> dict[str, Audit]:
    from playwright.async_api import async_playwright

    sizes, axe = Sizes(root), axe_source()
    gate = asyncio.Semaphore(PARALLEL)
    results: dict[str, Audit] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )

        async def one(language: str, doc: str) -> None:
            async with gate:
                results[f"{language}:{doc}"] = await read_page(
                    browser, base[language], doc, sizes, axe
                )

        await asyncio.gather(*(one(lang, doc) for lang in base for doc in docs))
        await browser.close()
    return results


def audit_site(root: Path, docs: list[str] = PAGES) -> dict[str, Audit]:
    """Read every page of both languages of the built site at ``root``; in a thread of its own
    (Playwright's sync API, which the other browser tests use, owns this thread's event loop)."""
    with SiteServer(root, "en") as server:
        base = {lang: server.root + prefix for lang, prefix in SITES.items()}
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = asyncio.run(audit_all(root, base, docs))
            except BaseException as error:  # reported in the test's thread
                box["error"] = error

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def focus_problems(stops: list[dict[str, Any]]) -> list[str]:
    """The Tab stops that show no focus."""
    bad = []
    for stop in stops:
        if stop["math"]:
            bad.append(f"a formula is a Tab stop: {stop['name']}")
            continue
        off = stop["off"] or {"outline": "none", "rest": ""}
        ring = stop["on"]["outline"] != "none" and not stop["clipped"]
        changed = ring and stop["on"]["outline"] != off["outline"]
        changed = changed or stop["on"]["rest"] != off["rest"]
        if not changed:
            bad.append(stop["name"] + (" (its outline is clipped)" if stop["clipped"] else ""))
    return bad


# ---- the tests ----------------------------------------------------------------------------------

KEYS = [f"{lang}:{doc}" for lang in SITES for doc in PAGES]


@pytest.fixture(scope="module")
def audits(built_site: Path) -> dict[str, Audit]:
    if chromium_path() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return audit_site(built_site)


@pytest.mark.parametrize("key", KEYS)
def test_axe_finds_no_violation(audits: dict[str, Audit], key: str) -> None:
    audit = audits[key]
    assert not audit.errors, f"{key}: script errors: {audit.errors[:3]}"
    found = {where: v for where, v in audit.axe.items() if v}
    assert not found, f"{key}: axe-core violations: {json.dumps(found, indent=1)[:3000]}"


@pytest.mark.parametrize("key", KEYS)
def test_no_duplicate_ids(audits: dict[str, Audit], key: str) -> None:
    assert not audits[key].duplicate_ids, f"{key}: {audits[key].duplicate_ids[:10]}"


@pytest.mark.parametrize("key", KEYS)
def test_every_tab_stop_shows_focus(audits: dict[str, Audit], key: str) -> None:
    for where, stops in audits[key].focus.items():
        assert len(stops) >= 3, f"{key} ({where}): the Tab walk found only {len(stops)} stops"
        bad = focus_problems(stops)
        assert not bad, (
            f"{key} ({where}): {len(bad)} of {len(stops)} Tab stops show no focus: {bad[:8]}"
        )


@pytest.mark.parametrize("key", KEYS)
def test_equations_fit_a_phone_unless_wider_than_it(audits: dict[str, Audit], key: str) -> None:
    bad = [e for e in audits[key].equations if e["scrolls"] and e["formula"] <= e["column"]]
    assert not bad, f"{key}: equations that scroll though the formula fits the column: {bad[:5]}"


@pytest.mark.parametrize("key", KEYS)
def test_demo_text_and_controls_fit_a_finger(audits: dict[str, Audit], key: str) -> None:
    audit = audits[key]
    assert not audit.demo_text, f"{key}: demo text under {MIN_TEXT_PX} px: {audit.demo_text[:8]}"
    small = [t for t in audit.demo_targets if t["height"] < MIN_TARGET_PX - 0.05]
    assert not small, f"{key}: demo controls under {MIN_TARGET_PX} px tall: {small[:5]}"


@pytest.mark.parametrize("key", KEYS)
def test_page_load_shifts_no_layout(audits: dict[str, Audit], key: str) -> None:
    audit = audits[key]
    assert audit.cls <= MAX_CLS, f"{key}: cumulative layout shift {audit.cls}: {audit.shifts[:4]}"


@pytest.mark.parametrize("key", KEYS)
def test_page_weight_within_budget(audits: dict[str, Audit], key: str) -> None:
    audit = audits[key]
    assert not audit.foreign, f"{key} requests other hosts: {audit.foreign[:3]}"
    assert audit.kib <= MAX_PAGE_KIB, (
        f"{key} transfers {audit.kib} KiB gzipped (budget {MAX_PAGE_KIB})"
    )
    fonts = [u for u in audit.requests if "fontawesome" in u and u.endswith(".woff2")]
    assert len(fonts) <= 2, f"{key} loads icon fonts it does not need: {fonts}"


def summary(results: dict[str, Audit]) -> dict[str, Any]:
    """The measurements behind the tests, per page (for the issue's before/after numbers)."""
    out = {}
    for key, a in results.items():
        stops = {w: len(s) for w, s in a.focus.items()}
        out[key] = {
            "axe": {w: {v["id"]: v["nodes"] for v in vs} for w, vs in a.axe.items()},
            "dup_ids": len(a.duplicate_ids),
            "tab_stops": stops,
            "math_stops": {w: sum(s["math"] for s in st) for w, st in a.focus.items()},
            "no_focus": {w: len(focus_problems(st)) for w, st in a.focus.items()},
            "equations": len(a.equations),
            "eq_scroll": [e["no"] for e in a.equations if e["scrolls"]],
            "eq_scroll_fits": [
                e["no"] for e in a.equations if e["scrolls"] and e["formula"] <= e["column"]
            ],
            "demo_small_text": len(a.demo_text),
            "demo_min_target": min((t["height"] for t in a.demo_targets), default=None),
            "cls": a.cls,
            "requests": len(a.requests),
            "kib": a.kib,
            "errors": a.errors[:2],
        }
    return out


if __name__ == "__main__":
    DEBUG = True
    site = Path(sys.argv[1]).resolve()
    docs = sys.argv[2:] or PAGES
    result = audit_site(site, docs)
    if os.environ.get("XENT_A11Y_DETAIL"):
        detail = {key: dataclasses.asdict(audit) for key, audit in result.items()}
        Path(os.environ["XENT_A11Y_DETAIL"]).write_text(json.dumps(detail, indent=1))
    print(json.dumps(summary(result), indent=1))


@pytest.mark.parametrize("language", list(SITES))
def test_escape_from_search_returns_focus(built_site: Path, browser: Any, language: str) -> None:
    """Escape closes the search box and gives focus back to the button that opened it."""
    with SiteServer(built_site, language) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"{server.url}chapters/intro.html", wait_until="load")
            button = page.locator("button.search-button__button:visible").first
            button.focus()
            page.keyboard.press("Enter")
            page.wait_for_function(
                "() => document.activeElement?.matches('form.bd-search input')",
                timeout=patience(10_000),
            )
            page.keyboard.press("Escape")
            focused = page.evaluate(
                "() => document.activeElement === document.body ? 'body'"
                " : document.activeElement.className"
            )
        finally:
            context.close()
    assert "search-button__button" in focused, f"after Escape, focus is on {focused!r}"
