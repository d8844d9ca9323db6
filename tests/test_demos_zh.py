"""The kernel-free demos speak Chinese on the Chinese site, and English on the English one.

The demos' HTML and scripts come from the one execution both sites share, so they are written
in English; on the Chinese site, editions/static/xent-demos-zh.js translates them in the
reader's browser, including the readouts their scripts rewrite on every slider move. Each demo
page of both sites is opened in headless Chromium (served from 127.0.0.1, as in
test_site_browser.py); every slider and menu is moved, and after each move the demo's visible
text and its accessible names are read.

No fixed sleeps: a move returns once the demo has redrawn (its script runs in the input event)
and the translation script's MutationObserver, a microtask, has translated the new text (the
move awaits the next task); the layout is read once the web fonts are loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from test_book_build import toc_files
from test_site_browser import SiteServer, Visit, open_page

from conftest import ROOT
from xent.demos import MIN_TEXT_PX

SCRIPT = ROOT / "editions" / "static" / "xent-demos-zh.js"

#: Each demo page and a Chinese term its demo must show.
DEMO_PAGES = {
    "chapters/01_information": "自信息",
    "chapters/02_entropy": "比特",
    "chapters/03_kl_and_cross_entropy": "比特",
    "chapters/05_learning_slowdown": "交叉熵代价",
    "chapters/08_language_models": "每字节比特数",
    "chapters/09_calibration": "准确率",
    "chapters/10_distillation": "奈特",
    "chapters/12_preferences": "期望奖励",
    "chapters/13_distributed": "局部最大值",
}
#: Latin words a Chinese demo may show: abbreviations and terms terminology.csv keeps
#: untranslated, the functions log₂ and exp, and the subscript of π_ref.
ALLOWED = {"ECE", "NLL", "log", "exp", "ref", "softmax", "logit"}
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u4e00-\u9fff]")

# Everything a reader sees or hears of each demo: its visible text nodes (SVG included,
# <option>s included), then its accessible names, one string per demo.
DEMO_TEXT_JS = """
() => [...document.querySelectorAll('.xent-demo')].map(demo => {
  const parts = [];
  const walker = document.createTreeWalker(demo, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.nodeValue.trim() || el.closest('style, script')) continue;
    const style = getComputedStyle(el.tagName === 'OPTION' ? el.parentElement : el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    parts.push(n.nodeValue.trim());
  }
  for (const el of demo.querySelectorAll('[aria-label], [title]')) {
    parts.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '');
  }
  return parts.filter(Boolean).join(' | ');
})
"""

READOUTS_JS = "() => [...document.querySelectorAll('.xent-demo .readout')].map(e => e.textContent)"

# Move control i of the page's demos to another value, as a reader would: a slider to its
# other end (or its minimum), a menu to its next entry, firing input and change; resolve once
# the microtasks they queued (the translation's MutationObserver callbacks) have run.
MOVE_JS = """
async i => {
  const el = document.querySelectorAll('.xent-demo input[type=range], .xent-demo select')[i];
  el.closest('details')?.setAttribute('open', '');
  if (el.tagName === 'SELECT') {
    el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
  } else {
    el.value = Number(el.value) >= Number(el.max) ? el.min : el.max;
  }
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  await new Promise(resolve => setTimeout(resolve, 0));
  return el.name;
}
"""
CONTROLS_JS = (
    "() => document.querySelectorAll('.xent-demo input[type=range], .xent-demo select').length"
)


@pytest.fixture(scope="module")
def site(built_site: Path) -> Iterator[SiteServer]:
    """Both sites from one server: English at /, Chinese at /zh/."""
    with SiteServer(built_site) as server:
        yield server


def loads_translation(html: Path) -> bool:
    page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    return any("xent-demos-zh.js" in s.get("src", "") for s in page.select("script[src]"))


def english_words(text: str) -> list[str]:
    return [w for w in ENGLISH_WORD.findall(text) if w not in ALLOWED]


def visit_demo_page(
    browser: Any, url: str, inject: bool, width: int = 1200
) -> tuple[Any, Any, Visit]:
    """Open url; with inject, add the repository's translation script as a page would."""
    visit = Visit(url=url)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = open_page(context, url, visit)
    if inject:
        page.add_script_tag(path=str(SCRIPT))
    return context, page, visit


def moves(page: Any) -> Iterator[tuple[str, list[str], list[str], list[str]]]:
    """Move each control in turn; yield its name, readouts before and after, and demo texts."""
    for i in range(page.evaluate(CONTROLS_JS)):
        before = page.evaluate(READOUTS_JS)
        name = page.evaluate(MOVE_JS, i)
        yield name, before, page.evaluate(READOUTS_JS), page.evaluate(DEMO_TEXT_JS)


def test_chinese_pages_load_the_translation(built_site_zh: Path) -> None:
    """Every Chinese page, not only today's demo pages, loads xent-demos-zh.js, as built."""
    for doc in toc_files():
        assert loads_translation(built_site_zh / f"{doc}.html"), (
            f"zh/{doc}.html does not load xent-demos-zh.js (a build older than the script?)"
        )
    built = built_site_zh / "_static" / "xent-demos-zh.js"
    assert built.read_text(encoding="utf-8") == SCRIPT.read_text(encoding="utf-8")


@pytest.mark.parametrize("doc", DEMO_PAGES)
def test_english_site_never_loads_the_translation(built_site: Path, doc: str) -> None:
    assert not loads_translation(built_site / f"{doc}.html")


@pytest.mark.parametrize("doc", DEMO_PAGES)
def test_demo_speaks_chinese_on_the_chinese_site(
    site: SiteServer, browser: Any, built_site_zh: Path, doc: str
) -> None:
    # A site built before the script existed is tried with the repository's copy.
    inject = not loads_translation(built_site_zh / f"{doc}.html")
    context, page, visit = visit_demo_page(browser, f"{site.url}zh/{doc}.html", inject)
    try:
        texts = page.evaluate(DEMO_TEXT_JS)
        assert texts, f"zh/{doc} has no demo"
        for text in texts:
            assert DEMO_PAGES[doc] in text, f"zh/{doc}: no {DEMO_PAGES[doc]!r} in {text!r}"
            assert not english_words(text), f"zh/{doc} shows English: {english_words(text)}"
        for name, before, after, texts in moves(page):
            assert after != before, f"zh/{doc}: moving {name} did not change the readout"
            for text in texts:
                assert not english_words(text), (
                    f"zh/{doc}, after moving {name}: {english_words(text)} in {text!r}"
                )
        assert not visit.console_errors, f"zh/{doc}: {visit.console_errors[:3]}"
    finally:
        context.close()


@pytest.mark.parametrize("doc", DEMO_PAGES)
def test_demo_stays_english_on_the_english_site(site: SiteServer, browser: Any, doc: str) -> None:
    # Even loaded by mistake, the script leaves a page whose <html lang> is English alone.
    context, page, visit = visit_demo_page(browser, f"{site.url}{doc}.html", inject=True)
    try:
        for text in page.evaluate(DEMO_TEXT_JS):
            assert not CJK.search(text) and english_words(text), f"{doc}: {text!r}"
        for name, _, after, texts in moves(page):
            for text in [*after, *texts]:
                assert not CJK.search(text), f"{doc}, after moving {name}: {text!r}"
        assert not visit.console_errors, f"{doc}: {visit.console_errors[:3]}"
    finally:
        context.close()


# Where the demo's words sit: SVG texts (in viewBox units) that leave the figure or overlap,
# or are drawn smaller than minPx CSS px; HTML controls that overflow their box or the demo's,
# or are under 24 px tall (WCAG 2.5.8); text of the controls and readout under minPx.
LAYOUT_JS = """
async minPx => {
await document.fonts.ready;
await new Promise(resolve => requestAnimationFrame(resolve));
return [...document.querySelectorAll('.xent-demo')].flatMap(demo => {
  const bad = [];
  for (const svg of demo.querySelectorAll('svg')) {
    // Screen boxes (the rotated y label's too), 1 px of slack at the figure's edges. A CJK
    // font's line box is about 1.45 em tall, so the boxes are trimmed to the em box (the
    // middle 70 %) before looking for overlaps: rows of labels 15 units apart do not touch.
    const fig = svg.getBoundingClientRect();
    const boxes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
      .map(t => [t.textContent.trim(), t.getBoundingClientRect(), t.hasAttribute('transform')]);
    const em = (b, rotated) => {
      const trim = 0.15 * (rotated ? b.width : b.height);
      return rotated
        ? {left: b.left + trim, right: b.right - trim, top: b.top, bottom: b.bottom}
        : {left: b.left, right: b.right, top: b.top + trim, bottom: b.bottom - trim};
    };
    // The glyphs (the em box), not the taller CJK line box, must stay inside the figure.
    // The size a text is drawn at: its font size in the SVG's units times the units' scale
    // (the matrix's norm, for the rotated y label too).
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      if (px < minPx - 0.01) bad.push('text under ' + minPx + ' px: ' + t.textContent.trim()
        + ' (' + px.toFixed(2) + ' px)');
    }
    for (const [s, box, r] of boxes) {
      const b = em(box, r);
      if (b.left < fig.left - 1 || b.top < fig.top - 1 || b.right > fig.right + 1
          || b.bottom > fig.bottom + 1) bad.push('outside the figure: ' + s);
    }
    boxes.forEach(([s, b, r], i) => boxes.slice(i + 1).forEach(([s2, c, r2]) => {
      const [x, y] = [em(b, r), em(c, r2)];
      const w = Math.min(x.right, y.right) - Math.max(x.left, y.left);
      const h = Math.min(x.bottom, y.bottom) - Math.max(x.top, y.top);
      if (w > 0.5 && h > 0.5) bad.push('overlap: ' + s + ' / ' + s2);
    }));
  }
  const box = demo.getBoundingClientRect();
  for (const el of demo.querySelectorAll('.ctl > *, .readout')) {
    const r = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 || r.left < box.left - 0.5
        || r.right > box.right + 0.5) bad.push('overflow: ' + el.textContent.trim());
    if (parseFloat(getComputedStyle(el).fontSize) < minPx - 0.01)
      bad.push('small text: ' + el.textContent.trim());
  }
  for (const el of demo.querySelectorAll('input, select')) {
    if (el.getBoundingClientRect().height < 24) bad.push('small target: ' + el.name);
  }
  return bad;
});
}
"""


@pytest.mark.parametrize("width", [390, 1200])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("doc", DEMO_PAGES)
def test_demo_words_fit(
    site: SiteServer, browser: Any, built_site_zh: Path, doc: str, lang: str, width: int
) -> None:
    """On a phone and on a desktop, in both languages and both themes, every chart text is at
    least MIN_TEXT_PX px on the screen, inside its figure and clear of the others; also after
    each control is moved to its other end (new readouts, labels and curves)."""
    prefix = "zh/" if lang == "zh" else ""
    inject = lang == "zh" and not loads_translation(built_site_zh / f"{doc}.html")
    context, page, _ = visit_demo_page(browser, f"{site.url}{prefix}{doc}.html", inject, width)
    try:
        problems = page.evaluate(LAYOUT_JS, MIN_TEXT_PX)
        assert not problems, f"{prefix}{doc} at {width} px: {problems[:5]}"
        page.evaluate("document.documentElement.dataset.theme = 'dark'")
        problems = page.evaluate(LAYOUT_JS, MIN_TEXT_PX)
        assert not problems, f"{prefix}{doc} at {width} px, dark: {problems[:5]}"
        for name, *_ in moves(page):
            problems = page.evaluate(LAYOUT_JS, MIN_TEXT_PX)
            assert not problems, f"{prefix}{doc} at {width} px, {name} moved: {problems[:5]}"
    finally:
        context.close()
