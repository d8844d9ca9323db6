"""Each inline formula's typeset size, measured once, so a page keeps exactly its room.

MathJax typesets after the page's first paint. Until it has, ``static/xent-site.js`` keeps each
inline formula's TeX out of sight in a box of the typeset formula's size, so the text around it
does not rewrap when the formula comes (a layout shift; a Chinese line breaks between any two
characters, so even a 2 px error rewrapped chapter 4's paragraphs). MathJax's CHTML output
sizes a formula from its own font data: its width, height and depth in the formula's em are a
function of its TeX alone (once xent-site.css gives every page the script spacing that MathJax
3.2 sets only on pages with an msubsup). The formula's em is the surrounding text's size times
MathJax's scale, which matches the text's x-height (``matchFontHeight``): the TeX fonts'
x-height is 0.442 em, so a formula of width ``w`` em is ``w / 0.442`` ex of the text around it.
That is what the table stores (:data:`TABLE`: TeX -> [width, height above the baseline, depth
below it], in ex of the surrounding text) and what :func:`editions.website.mark_formula_sizes`
writes into each inline formula's ``data-xent`` at build time; a formula not in the table gets
xent-site.js's estimate from its TeX.

Regenerate the table after adding or changing inline formulas (the audit,
tests/test_a11y.py, fails while it is stale)::

    python -m editions.build --path-output /tmp/book
    python -m editions.formula_widths /tmp/book/_build/html
    python -m editions.build --path-output /tmp/book   # writes the new sizes into the pages

It reads every page of both languages in headless Chromium (Playwright), after MathJax has
typeset and the fonts have loaded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from editions.serve import StaticServer, chromium_path

#: The stored table: TeX (as MathJax reads it, stripped) -> [width, height, depth] in ex.
TABLE = Path(__file__).with_name("data") / "formula_widths.json"
#: The TeX fonts' x-height in em (MathJax's ``font.params.x_height``), to which MathJax scales
#: a formula so that its x-height matches the surrounding text's.
X_HEIGHT = 0.442
#: Decimals stored of the width, height and depth (0.005 ex is under 0.05 px in the book's
#: 16 px text; a height 0.05 ex off moves a line by under 0.5 px but never rewraps it).
DECIMALS = (2, 1, 1)

#: Every inline formula that is shown on the page: its TeX, its typeset size in its own em
#: (the width of its container, and its height and depth from the baseline, measured against a
#: zero-size box put on the baseline behind it) and the size its span carries (``data-xent``;
#: "" if none, null for a formula outside a ``span.math``). A formula that is not shown (a
#: closed solution, a collapsed menu) or that wraps over two lines is left out.
MEASURE_JS = """
async () => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return [];
  await MathJax.startup.promise;
  await document.fonts.ready;
  const rows = [];
  for (const item of Array.from(MathJax.startup.document.math)) {
    const box = item.typesetRoot;
    if (item.display || !box || !box.isConnected || box.getClientRects().length !== 1) continue;
    const math = box.querySelector(":scope > mjx-math");
    if (!math) continue;
    const em = parseFloat(getComputedStyle(box).fontSize);
    const mark = document.createElement("span");
    mark.style.cssText = "display:inline-block;width:0;height:0;vertical-align:baseline";
    box.appendChild(mark);
    const base = mark.getBoundingClientRect().top, r = math.getBoundingClientRect();
    mark.remove();
    if (!r.width) continue;
    const span = box.parentElement.matches("span.math") ? box.parentElement : null;
    rows.push([item.math.trim(), box.getBoundingClientRect().width / em,
               (base - r.top) / em, (r.bottom - base) / em,
               span ? span.dataset.xent || "" : null]);
  }
  return rows;
}
"""


def pages(site: Path) -> list[Path]:
    """The built pages (both languages) that hold an inline formula."""
    return sorted(
        page
        for page in site.rglob("*.html")
        if "_static" not in page.parts
        and "_sources" not in page.parts
        and '<span class="math' in page.read_text(encoding="utf-8")
    )


def measure(site: Path) -> dict[str, list[list[float]]]:
    """Every shown inline formula's [width, height, depth] in its own em, per TeX, per page."""
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("measuring formulas needs Chromium (apt-get install chromium)")
    sizes: dict[str, list[list[float]]] = {}
    with StaticServer(site) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(300_000)
        context.set_default_navigation_timeout(300_000)
        page = context.new_page()
        for path in pages(site):
            page.goto(server.root + path.relative_to(site).as_posix(), wait_until="load")
            if not page.evaluate("() => !!(window.MathJax && MathJax.startup)"):
                continue
            for tex, *size, _ in page.evaluate(MEASURE_JS):
                sizes.setdefault(tex, []).append(size)
            print(f"{path.relative_to(site)}: {len(sizes)} formulas so far", file=sys.stderr)
        browser.close()
    return sizes


def table(sizes: dict[str, list[list[float]]]) -> dict[str, list[float]]:
    """The stored table: each TeX's median size, in ex of the surrounding text."""
    return {
        tex: [
            round(statistics.median(s[i] for s in seen) / X_HEIGHT, DECIMALS[i]) for i in range(3)
        ]
        for tex, seen in sorted(sizes.items())
    }


def attribute(size: list[float]) -> str:
    """A stored size as a page carries it (``data-xent``): [13.0, 1.5, 0.61] -> "13 1.5 .61"."""
    return " ".join(f"{v:g}".replace("0.", ".", 1) if abs(v) < 1 else f"{v:g}" for v in size)


#: How far (ex) a stored width, height and depth may be from the typeset ones: a TeX's width
#: varies by up to 0.014 em (0.031 ex) between the book's pages and the table rounds to
#: 0.005 ex; its height and depth move with the baseline's rounding to whole pixels, by up to
#: 0.025 em (0.057 ex) in a heading, and the table rounds them to 0.05 ex.
TOLERANCE = (0.04, 0.12, 0.12)


def stale(rows: list[list[Any]], stored: dict[str, list[float]]) -> list[str]:
    """The formulas of ``rows`` (:data:`MEASURE_JS`) whose stored size differs from their
    typeset one, or whose span does not carry the stored size."""
    problems = []
    for tex, *em, carried in rows:
        size = stored.get(tex)
        typeset = [round(v / X_HEIGHT, 3) for v in em]
        if size is None:
            problems.append(f"{tex!r} is not in the table (typeset {typeset} ex)")
        elif any(abs(s - t) > most for s, t, most in zip(size, typeset, TOLERANCE, strict=True)):
            problems.append(f"{tex!r}: stored {size} ex, typeset {typeset}")
        elif carried is not None and carried != attribute(size):
            problems.append(f"{tex!r}: its span carries {carried!r}, the table {size}")
    return problems


def load() -> dict[str, list[float]]:
    """The stored table (empty if it was never made)."""
    if not TABLE.is_file():
        return {}
    data: dict[str, list[float]] = json.loads(TABLE.read_text(encoding="utf-8"))
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the built site, e.g. /tmp/book/_build/html")
    args = parser.parse_args(argv)
    sizes = measure(args.site.resolve())
    spread = max(
        (max(s[0] for s in seen) - min(s[0] for s in seen), tex) for tex, seen in sizes.items()
    )
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{json.dumps(tex, ensure_ascii=False)}: {size}" for tex, size in table(sizes).items()]
    TABLE.write_text("{\n" + ",\n".join(rows) + "\n}\n", encoding="utf-8")
    print(
        f"{TABLE}: {len(sizes)} inline formulas; the widest spread of one TeX's width "
        f"{spread[0]:.4f} em ({spread[1]!r})"
    )


if __name__ == "__main__":
    main()
