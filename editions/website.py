"""Sphinx extension: make the book's website work offline, with nothing loaded from a CDN.

Loaded by _config.yml (``sphinx: extra_extensions``). It does these things:

* **MathJax from a registry package.** The pinned PyPI package ``sphinx-mathjax-offline``
  ships MathJax 3.2 (Apache-2.0). Its own extension copies all 24 MB of it into every build;
  this one points ``mathjax_path`` at ``_static/mathjax/tex-chtml.js`` and copies only what
  that component can load: the component itself, its CHTML fonts, the TeX extensions it
  autoloads (e.g. ``\\cancel``), and the accessibility modules and speech rules that its
  context menu loads on demand (about 7 MB in the site; a page transfers only what it uses).
* **No Thebe.** ``sphinx_thebe`` is always on in Jupyter Book; with the live-code button
  switched off (``launch_buttons: thebe: false``) its scripts do nothing except reference
  unpkg.com and, declared twice, log "THEBE_JS_URL has already been declared". They are
  dropped from every page.

* **No Font Awesome script.** pydata-sphinx-theme loads ``fontawesome.js`` (1.5 MB, the
  largest file on every page) to turn icons into SVG, although its stylesheet already draws
  the same icons from the bundled web fonts. The script tag is dropped from every page, which
  halves what a page without math weighs; the icons look the same.

* **Every screen.** ``static/xent-site.css`` (added to every page) keeps the site inside a
  390 px phone: display equations, tables, code and outputs scroll inside their own box (with a
  shadow where more is hidden), long inline code and headings wrap, figures keep their
  proportions and are inverted rather than dimmed in dark mode, and the previous/next links
  stack. The theme pair pinned in requirements.txt (sphinx-book-theme 1.1.4 with
  pydata-sphinx-theme 0.15.4) is the latest whose chapter-list button works on a phone and
  collapses the sidebar on a desktop (0.16 turned it into a pop-up; 0.17's second header
  leaves the phone button dead). Prose tables become cards on a phone; on a desktop the
  sidebars are narrower so an 85-character printed table fits the main column.
* **Formulas keep their room.** Each inline formula's span carries its typeset size, measured
  once (:func:`mark_formula_sizes`, ``editions/formula_widths.py``), which xent-site.js keeps
  for it until MathJax has typeset it; a table is kept out of sight while the parser is
  inside it (its columns widen as later rows arrive); the stylesheet is served without its
  comments.
* **No glue in the code cells.** myst-nb's ``glue(...)`` calls (and ``from myst_nb import
  glue``) carry the computed numbers into the prose; they are the build's bookkeeping, not the
  chapter's code. :class:`HideGlue` drops them from every code cell the site shows (with
  :func:`editions.pdf.strip_glue`, as the PDF and the readers' notebooks do); a cell that held
  nothing else, and shows no output, disappears. The cells still run as written.
* **Tables on a phone.** Each body cell of a prose table carries its column's header as a
  label (:func:`label_table_cells`, a copy of the header with its formulas), which the
  stylesheet shows only where the table becomes cards (a phone), so a card says what each of
  its lines is.
* **Proofs, solutions, search.** A proof opens with an italic "Proof." and ends with a
  tombstone; a solution's title opens the solution instead of jumping to the exercise;
  ``static/xent-search.js`` takes search snippets from the chapter's text (not from the
  page's buttons) and ``static/xent-scorer.js`` (Sphinx's ``html_search_scorer``) ranks
  chapters before glossary entries.

It also sets the theme's ``default_mode`` (a template variable) to ``auto`` (light or dark
as the reader's system says): left empty, pydata-sphinx-theme logs "Got invalid theme mode"
on a reader's first visit.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

#: Where the page loads MathJax from, relative to ``_static``.
MATHJAX_PATH = "mathjax/tex-chtml.js"

#: The parts of the MathJax distribution that ``tex-chtml.js`` may request.
MATHJAX_PARTS = (
    "tex-chtml.js",
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "a11y",
    "sre",
    "ui",
)


def mathjax_source() -> Path:
    """The MathJax distribution inside the installed ``sphinx-mathjax-offline`` package."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "the website needs the package sphinx-mathjax-offline (pip install -r requirements.txt)"
        )
    return Path(spec.origin).parent / "static" / "mathjax"


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy the MathJax subset into the built site (only files that are missing or changed)."""
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        origin = source / part
        files = (
            [origin] if origin.is_file() else sorted(p for p in origin.rglob("*") if p.is_file())
        )
        for file in files:
            dest = target / file.relative_to(source)
            if not dest.is_file() or dest.stat().st_size != file.stat().st_size:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, dest)


def _is_thebe(asset: Any) -> bool:
    """True for the script and style entries that sphinx_thebe adds to every page."""
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in filename or "THEBE_JS_URL" in body


def drop_thebe_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Remove Thebe's scripts and stylesheet from the page."""
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def drop_thebe_config(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Remove the inline Thebe configuration that sphinx_thebe appends to each page."""
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "x-thebe-config" in text or "kernelName =" in text:
            node.parent.remove(node)


#: The theme's script tag for Font Awesome's SVG icons (its CSS web-font icons stay):
#: ``scripts/fontawesome.js`` in pydata-sphinx-theme 0.16+, ``vendor/.../all.min.js`` before.
FONTAWESOME_SCRIPT = re.compile(
    r'\s*<script[^>]*src="[^"]*_static/(?:scripts/fontawesome\.js|vendor/fontawesome/[^"]*'
    r'/js/all\.min\.js)[^"]*"[^>]*></script>'
)

#: The site's own stylesheet, in ``editions/static``.
STATIC = Path(__file__).with_name("static")
STYLESHEET = "xent-site.css"
#: Search snippets from the chapter's text, and a ranking that puts chapters before the glossary.
SEARCH_SCRIPT = "xent-search.js"
SEARCH_SCORER = "xent-scorer.js"
#: The site's behaviour for keyboard and phone readers (focus after search, equations that fit).
SITE_SCRIPT = "xent-site.js"


def drop_fontawesome_script(app: Sphinx, exception: Exception | None) -> None:
    """Remove the redundant Font Awesome script from every written page.

    The theme's template writes the tag itself (it is not a Sphinx asset), so it is removed from
    the HTML once the pages are written.
    """
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        lean = FONTAWESOME_SCRIPT.sub("", html)
        if lean != html:
            page.write_text(lean, encoding="utf-8")


#: A solution's title: its "Exercise N" link becomes plain text (the title opens the solution;
#: a link there was an extra Tab stop whose Enter jumped away instead).
SOLUTION_TITLE = re.compile(
    r'(<div class="solution dropdown[^"]*"[^>]*>\s*<p class="admonition-title">[^<]*)'
    r'<a class="reference internal" href="[^"]*">([^<]*)</a>'
)
#: sphinx-exercise gives every exercise's and solution's body the same id.
SHARED_IDS = re.compile(r'<section id="(exercise|solution)-content">')
#: myst-nb's collapsed cells: a summary whose aria-label ("Toggle hidden content") differs from
#: the words it shows ("Show code cell source"), in both languages; without it the summary is
#: named by what it shows (WCAG 2.5.3).
SUMMARY_LABEL = re.compile(r'<summary aria-label="Toggle hidden content">')
#: sphinxcontrib-bibtex marks each entry with the deprecated ARIA role ``doc-biblioentry``
#: inside a ``role="list"``: a list item is what the list needs.
BIBLIOENTRY = re.compile(r'role="doc-biblioentry"')
#: The theme preloads its three icon fonts (293 KiB) on every page, although a page draws about
#: ten icons: without the preload a font loads only when an icon needs it.
FONT_PRELOAD = re.compile(
    r'\s*<link rel="preload" as="font" type="font/woff2" crossorigin '
    r'href="[^"]*_static/vendor/fontawesome/[^"]*"\s*/>'
)

#: Rewrites of every written page (pattern, replacement), see the patterns above.
PAGE_FIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (SOLUTION_TITLE, r'\1<span class="xent-exercise-ref">\2</span>'),
    (SHARED_IDS, r'<section class="\1-content">'),
    (SUMMARY_LABEL, "<summary>"),
    (BIBLIOENTRY, 'role="listitem"'),
    (FONT_PRELOAD, ""),
)


#: An inline formula as Sphinx writes it: its TeX, HTML-escaped, between ``\\(`` and ``\\)``
#: (with the size an earlier build gave it, if any).
INLINE_MATH = re.compile(
    r'<span class="math notranslate nohighlight"(?: data-xent="[^"]*")?>\\\((.*?)\\\)</span>', re.S
)


def mark_formula_sizes(html: str, sizes: dict[str, list[float]]) -> str:
    """Give each inline formula whose TeX ``sizes`` holds (editions.formula_widths) its typeset
    width, height and depth in ex of the surrounding text, as ``data-xent="w h d"``: the room
    xent-site.js keeps for it until MathJax has typeset it."""
    from editions.formula_widths import attribute

    def mark(match: re.Match[str]) -> str:
        size = sizes.get(unescape(match[1]).strip())
        value = "" if size is None else f' data-xent="{attribute(size)}"'
        return f'<span class="math notranslate nohighlight"{value}>\\({match[1]}\\)</span>'

    return INLINE_MATH.sub(mark, html)


#: Punctuation that may not start a line (closing) or end one (opening) when it touches an
#: inline formula: Chinese typesetting's rule (行首/行尾禁则), and English usage for ". , ; : ) (".
CLOSING_PUNCTUATION = "。，、；：？！）」』”’》〉】.,;:!?)"
OPENING_PUNCTUATION = "（「『“‘《〈【("
NOBREAK = "xent-nobreak"
_FORMULA_IN_PUNCTUATION = re.compile(
    rf'(<span class="{NOBREAK}">)?([{OPENING_PUNCTUATION}]?)'
    rf"({INLINE_MATH.pattern})([{CLOSING_PUNCTUATION}]?)",
    re.S,
)


def keep_punctuation_with_formulas(html: str) -> str:
    r"""Hold an inline formula and the punctuation that touches it on one line (a span of class
    ``xent-nobreak``): a browser may break a line on either side of a formula, so a Chinese
    line could start with "。" or end with "（" (49 times in 740 on a 390 px phone), and an
    English one start with ".".

    >>> formula = r'<span class="math notranslate nohighlight">\(x\)</span>'
    >>> keep_punctuation_with_formulas(f"即{formula}。")[:33]
    '即<span class="xent-nobreak"><span'
    """

    def hold(match: re.Match[str]) -> str:
        held, opening, formula, closing = match.group(1, 2, 3, 5)  # 4: the formula's TeX
        if held or not (opening or closing):
            return match[0]
        return f'<span class="{NOBREAK}">{opening}{formula}{closing}</span>'

    return _FORMULA_IN_PUNCTUATION.sub(hold, html)


#: A comment in the site's stylesheet (none is inside a string).
CSS_COMMENT = re.compile(r"/\*.*?\*/\n?", re.S)


def fix_pages(app: Sphinx, exception: Exception | None) -> None:
    """Apply :func:`fix_site` to the written site (both languages' builds)."""
    if exception is not None or app.builder.format != "html":
        return
    fix_site(Path(app.outdir))


def fix_site(outdir: Path) -> None:
    """Apply ``PAGE_FIXES`` to every page under ``outdir``, give each inline formula its
    measured size (:func:`mark_formula_sizes`), keep the punctuation touching a formula on
    its line (:func:`keep_punctuation_with_formulas`), and serve the site's stylesheet
    without its comments (they are for its readers in editions/static; 2 KiB gzipped on every
    page)."""
    from editions.formula_widths import load

    for css in outdir.rglob(f"_static/{STYLESHEET}"):
        css.write_text(CSS_COMMENT.sub("", css.read_text(encoding="utf-8")), encoding="utf-8")
    sizes = load()
    for page in outdir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        fixed = keep_punctuation_with_formulas(mark_formula_sizes(html, sizes))
        for pattern, replacement in PAGE_FIXES:
            fixed = pattern.sub(replacement, fixed)
        if fixed != html:
            page.write_text(fixed, encoding="utf-8")


def _has_math(doctree: Any) -> bool:
    """Whether a page has anything for MathJax: math nodes, or TeX in raw HTML or outputs."""
    if doctree is None:
        return False
    if any(True for _ in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block)))):
        return True
    tex = re.compile(r"\\\(|\\\[|\$\$|\\begin\{")
    return any(tex.search(node.astext()) for node in doctree.findall(nodes.raw))


def drop_unused_mathjax(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A page with no math loads no MathJax (257 KiB gzipped): its script and configuration."""
    if "script_files" not in context or _has_math(doctree):
        return

    def is_mathjax(asset: Any) -> bool:
        filename = str(getattr(asset, "filename", asset) or "")
        body = str(getattr(asset, "attributes", {}).get("body", ""))
        return filename.endswith(MATHJAX_PATH) or "window.MathJax" in body

    context["script_files"] = [a for a in context["script_files"] if not is_mathjax(a)]


#: MathJax's settings on the site (merged into ``mathjax3_config``): formulas are not Tab
#: stops (its menu stays on a right click; screen readers read the formulas' MathML
#: without focusing them).
MATHJAX_OPTIONS = {"options": {"menuOptions": {"settings": {"inTabOrder": False}}}}


def _merge(into: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def configure_mathjax(app: Sphinx) -> None:
    """Merge ``MATHJAX_OPTIONS`` into whatever MathJax configuration the book has."""
    app.config.mathjax3_config = _merge(dict(app.config.mathjax3_config or {}), MATHJAX_OPTIONS)


def default_theme_mode(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give the theme a valid colour mode for readers who never chose one."""
    context.setdefault("default_mode", "auto")


def add_static(app: Sphinx) -> None:
    """Serve ``editions/static`` with the site; load its stylesheet and script on every page."""
    app.config.html_static_path.append(str(STATIC))
    app.add_css_file(STYLESHEET)
    app.add_js_file(SEARCH_SCRIPT)
    # After MathJax's configuration (priority 500), which the script extends.
    app.add_js_file(SITE_SCRIPT, priority=510)
    app.config.html_search_scorer = str(STATIC / SEARCH_SCORER)
    # No proof index page: it lists labels (thm-gibbs), nothing links to it, and no catalogue
    # translates it. The module index stays.
    app.config.html_domain_indices = ["py-modindex"]


def mark_proofs(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Set a proof's opening "Proof." in italics and give the proof a class for its end mark.

    sphinx-proof writes "Proof. " as plain text at the start of the proof's first paragraph;
    the site's stylesheet ends every ``xent-proof`` with a tombstone (∎).
    """
    for node in doctree.findall(nodes.admonition):
        if set(node["classes"]) != {"proof"}:
            continue  # a theorem, lemma, ... carries its own type as a second class
        node["classes"].append("xent-proof")
        para = next(iter(node.findall(nodes.paragraph)), None)
        if para is None or not para.children or not isinstance(para[0], nodes.Text):
            continue
        text = para[0].astext()
        for opening in ("Proof.", "证明："):  # the English and the Chinese edition's
            if text.startswith(opening):
                para.replace(para[0], nodes.Text(text[len(opening) :]))
                para.insert(0, nodes.emphasis(opening, opening))
                break


def _cell_part(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == name


class HideGlue(SphinxPostTransform):
    """Show every code cell without its myst-nb ``glue`` bookkeeping (HTML builders only).

    Runs before myst-nb wraps hidden inputs in their toggles (``HideInputCells``, priority 199),
    so a cell whose code was all glue loses its source, and a cell left with neither code nor
    output goes.
    """

    default_priority = 5
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        from editions.pdf import strip_glue

        for cell in list(self.document.findall(lambda n: _cell_part(n, "cell_code"))):
            for source in [c for c in cell.children if _cell_part(c, "cell_code_source")]:
                for block in list(source.findall(nodes.literal_block)):
                    text = block.astext()
                    lean = strip_glue(text)
                    if not lean.strip():
                        block.parent.remove(block)
                    elif lean != text:
                        block.children = [nodes.Text(lean)]
                        block.rawsource = lean
                if not any(True for _ in source.findall(nodes.literal_block)):
                    cell.remove(source)
            if not cell.children:
                cell.parent.remove(cell)


#: The class of a body cell's copy of its column header (shown on a phone, xent-site.css).
CELL_LABEL = "xent-cell-label"


def label_table_cells(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give each body cell of a table with one header row a copy of its column's header.

    The copy is a paragraph of class ``xent-cell-label`` first in the cell; the stylesheet
    hides it except on a phone, where prose tables are laid out as cards without their header
    row.
    """
    if app.builder.format != "html":
        return
    for table in doctree.findall(nodes.table):
        for group in table.findall(nodes.tgroup):
            heads = [c for c in group.children if isinstance(c, nodes.thead)]
            bodies = [c for c in group.children if isinstance(c, nodes.tbody)]
            if len(heads) != 1 or len(heads[0].children) != 1 or not bodies:
                continue
            headers = [entry for entry in heads[0][0].children if isinstance(entry, nodes.entry)]
            for row in bodies[0].findall(nodes.row):
                entries = [e for e in row.children if isinstance(e, nodes.entry)]
                if len(entries) != len(headers) or any(e.get("morecols") for e in entries):
                    continue
                for header, entry in zip(headers, entries, strict=True):
                    label = nodes.paragraph(classes=[CELL_LABEL])
                    for para in header.findall(nodes.paragraph):
                        if len(label):
                            label += nodes.Text(" ")
                        label.extend(child.deepcopy() for child in para.children)
                    if len(label):
                        entry.insert(0, label)


def setup(app: Sphinx) -> dict[str, Any]:
    app.config.mathjax_path = MATHJAX_PATH
    app.connect("builder-inited", add_static)
    app.connect("doctree-resolved", mark_proofs)
    app.add_post_transform(HideGlue)
    app.connect("doctree-resolved", label_table_cells)
    app.connect("html-page-context", default_theme_mode)
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", drop_fontawesome_script)
    app.connect("build-finished", fix_pages)
    app.connect("builder-inited", configure_mathjax, priority=900)
    app.connect("html-page-context", drop_unused_mathjax, priority=900)
    app.connect("html-page-context", drop_thebe_assets, priority=900)
    app.connect("doctree-resolved", drop_thebe_config, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
