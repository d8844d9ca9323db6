"""The book's figures in every edition: vector, readable, and in the reader's language.

The chapters execute once per build. Each figure leaves the kernel as an SVG whose text is kept
as text (``xent.plotting.use_style``: ``svg.fonttype: none``), and this Sphinx extension makes
every edition's figures from that one file:

- **English website**: the SVG as it is.
- **Chinese website** (``language`` ``zh_CN``): a copy of the SVG whose texts are translated
  through the catalogue ``locales/zh_CN/LC_MESSAGES/figures.po`` and whose font lists name CJK
  fonts (``translate_svg``), so a browser without the book's fonts still shows Chinese.
- **PDF**, either language: the SVG (translated for Chinese) converted to a vector PDF by
  ``rsvg-convert`` (Debian's ``librsvg2-bin``): text stays text, only a figure's deliberately
  rasterized parts are images (``SvgToPdf``).

A figure's texts are looked up whole ("surprisal (bits)"), with their numbers as placeholders
(``"die shows six: {0} bits"`` for ``"die shows six: 2.58 bits"``), so that a number the
build computes can change without the translation going stale. A text with a formula
(``"probability $p$ of the event"``) is found through the comment matplotlib writes before it;
its translation may hold formulas too (``"事件的概率 $p$"``), drawn with a small subset of TeX
(``math_spans``). A text with no word of two letters outside its formulas (a tick label, "T =
1.80", "$-\\log_2 p$") is never translated.

``python -m editions.figures`` (after a build) lists the figure texts of the built English site
that the catalogue lacks; ``--update`` adds them to the catalogue, with an empty translation,
and drops entries no figure uses any more. ``tests/test_plotting.py`` fails on any text left
untranslated.

For another builder, call ``translate_svg(svg_text, load_catalogue("zh_CN"))`` to get the
translated SVG, and ``svg_to_pdf(svg_path, pdf_path, "zh_CN")`` for a translated vector PDF.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.transforms.post_transforms.images import ImageConverter
from sphinx.util import logging

__all__ = [
    "CJK_FONTS",
    "SvgToPdf",
    "figure_texts",
    "load_catalogue",
    "math_spans",
    "needs_translation",
    "svg_to_pdf",
    "template",
    "translate",
    "translate_svg",
]

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
DOMAIN = "figures"
logger = logging.getLogger(__name__)

#: Fonts with Chinese glyphs, named after matplotlib's first font in a Chinese figure: the
#: common ones on Linux (Debian's fonts-noto-cjk), macOS, Windows and Android.
CJK_FONTS = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Noto Sans SC'"
)

MATH = re.compile(r"\$[^$]*\$")
#: A number in a figure's text: not part of a word ("float32") or of a formula.
NUMBER = re.compile(r"(?<![A-Za-z_\d.{])\d+(?:\.\d+)?(?:e[-+]?\d+)?")
WORD = re.compile(r"[A-Za-z]{2,}")
PLACEHOLDER = re.compile(r"\{(\d+)\}")

#: A plain text element as matplotlib writes it (no tspans: no formula).
PLAIN_TEXT = re.compile(r"(<text\b[^>]*>)([^<]*)(</text>)")
#: A text with a formula: its group (with the id ``xent.plotting`` gave it), the comment with
#: its source, and the inner group holding its glyphs.
FORMULA = re.compile(
    r'<g id="xentmath_(?P<ha>left|center|right)_(?P<width>[\d.]+)_(?P<size>[\d.]+)_\d+">\s*'
    r"<!-- (?P<source>.*?) -->\s*"
    r"(?P<open><g\b[^>]*>)\s*<text>.*?</text>\s*(?:<rect\b[^>]*/>\s*)*</g>",
    re.S,
)
FAMILY = re.compile(r"font-family: ('DejaVu Sans')")
#: A centred or right-aligned text of several lines: a group of plain texts, each placed at
#: its line's left end (``transform="translate(x y) rotate(a)"``).
LINES = re.compile(
    r'<g id="xentlines_(?P<ha>center|right)_\d+">(?P<body>(?:\s*<text\b[^>]*>[^<]*</text>)+)\s*</g>'
)


def template(text: str) -> tuple[str, list[str]]:
    """Split a figure text into its message (numbers as ``{0}``, ``{1}``...) and its numbers.

    Numbers inside a formula stay in the message.

    Examples
    --------
    >>> template("die shows six: 2.58 bits")
    ('die shows six: {0} bits', ['2.58'])
    >>> template("float32 at $z = 1.5$, 10%")
    ('float32 at $z = 1.5$, {0}%', ['10'])
    """
    numbers: list[str] = []

    def number(found: re.Match[str]) -> str:
        numbers.append(found.group(0))
        return "{" + str(len(numbers) - 1) + "}"

    message = _outside_math(text, lambda plain: NUMBER.sub(number, plain))
    return message, numbers


def _outside_math(text: str, change: Any) -> str:
    """Apply ``change`` to the parts of ``text`` outside its formulas."""
    parts, last = [], 0
    for match in MATH.finditer(text):
        parts += [change(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*parts, change(text[last:])])


def needs_translation(text: str) -> bool:
    """True when a figure text has a word of two or more letters outside its formulas.

    Examples
    --------
    >>> needs_translation("surprisal (bits)"), needs_translation("$-\\\\log_2 p$")
    (True, False)
    >>> needs_translation("T = 1.80"), needs_translation("0.25")
    (False, False)
    """
    return bool(WORD.search(MATH.sub("", text)))


def load_catalogue(language: str) -> dict[str, str]:
    """The figure messages of ``language`` with a translation: English message -> translation."""
    from babel.messages.pofile import read_po

    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    return {
        m.id: m.string
        for m in catalogue
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def translate(text: str, catalogue: dict[str, str]) -> str | None:
    """The translation of one figure text, its numbers put back; None if it has none.

    Examples
    --------
    >>> translate("die shows six: 2.58 bits", {"die shows six: {0} bits": "掷出六点：{0} 比特"})
    '掷出六点：2.58 比特'
    """
    message, numbers = template(text)
    found = catalogue.get(message)
    if found is None:
        return None
    try:
        return _outside_math(
            found, lambda p: PLACEHOLDER.sub(lambda m: numbers[int(m.group(1))], p)
        )
    except IndexError:  # the translation has a number the English text lacks
        return None


#: TeX commands a translated formula may use, and what they print.
SYMBOLS = {
    "log": "log",
    "exp": "exp",
    "gamma": "γ",
    "lambda": "λ",
    "sigma": "σ",
    "theta": "θ",
    "mu": "μ",
    "infty": "∞",
    "cdot": "·",
    "times": "×",
    "leftarrow": "←",
    "rightarrow": "→",
    "|": "‖",
    "Vert": "‖",
    ",": "\u2009",
    ";": "\u2005",
    " ": " ",
    "ldots": "…",
}
UPRIGHT = ("mathrm", "text", "operatorname")
TOKEN = re.compile(r"\\([A-Za-z]+|.)|([_^])|(\{)|(\})|([A-Za-z])|(\s+)|(.)")


def math_spans(formula: str, size: float) -> str:
    """SVG ``tspan`` elements for a simple TeX formula (without its dollars).

    Letters are italic, ``\\mathrm{..}``/``\\text{..}`` upright, ``_x``/``^x`` (or braced)
    lowered or raised and smaller; the commands of ``SYMBOLS`` print their symbol. Anything
    else raises ``ValueError``: the translation must then write the formula more simply.

    Examples
    --------
    >>> math_spans(r"\\gamma", 10)
    'γ'
    >>> math_spans("p_y", 10).count("<tspan")  # p, the lowered y (italic), the way back
    4
    >>> math_spans("(0.6, 0.9) = -1", 10)
    '(0.6, 0.9) = −1'
    """
    out: list[str] = []
    pos = 0

    def group(upright: bool) -> str:
        """Read one token or a braced group starting at ``pos``."""
        nonlocal pos
        match = TOKEN.match(formula, pos)
        if match is None:
            raise ValueError(f"cannot draw the formula {formula!r}")
        if match.group(3):  # {
            pos = match.end()
            parts = []
            while True:
                inner = TOKEN.match(formula, pos)
                if inner is None:
                    raise ValueError(f"unbalanced braces in {formula!r}")
                if inner.group(4):
                    pos = inner.end()
                    return "".join(parts)
                parts.append(group(upright))
        pos = match.end()
        command, script, _, close, letter, space, other = match.groups()
        if command is not None:
            if command in UPRIGHT:
                return group(True)
            if command in SYMBOLS:
                return html.escape(SYMBOLS[command])
            raise ValueError(f"the figure translation cannot draw \\{command} in {formula!r}")
        if script is not None:
            shift = size / 4 if script == "_" else -size / 3
            body = group(upright)
            return (
                f'<tspan font-size="{size * 0.7:g}" dy="{shift:g}">{body}</tspan>'
                f'<tspan dy="{-shift:g}">\u200b</tspan>'
            )
        if close is not None:
            raise ValueError(f"unbalanced braces in {formula!r}")
        if letter is not None:
            return letter if upright else f'<tspan font-style="italic">{letter}</tspan>'
        if space is not None:
            return ""
        unary = not out or out[-1].endswith((" ", "("))
        if other == "-" and unary:  # a minus sign, not a subtraction
            return "−"
        if other in "=<>+-":  # a relation or binary operator
            return f" {html.escape(other.replace('-', '−'))} "
        return html.escape(other) + (" " if other == "," else "")

    while pos < len(formula):
        piece = group(False)
        if piece:  # spaces are dropped, as TeX does
            out.append(piece)
    return "".join(out)


def _text_spans(text: str, size: float) -> str:
    """SVG content for a translated text: plain text, and its formulas drawn by math_spans."""
    parts = []
    last = 0
    for match in MATH.finditer(text):
        parts.append(html.escape(text[last : match.start()], quote=False))
        parts.append(math_spans(match.group(0)[1:-1], size))
        last = match.end()
    parts.append(html.escape(text[last:], quote=False))
    return "".join(parts)


def figure_texts(svg: str) -> list[str]:
    """Every text of a matplotlib SVG that needs a translation, in order (with repeats)."""
    texts = [html.unescape(m.group(2)) for m in PLAIN_TEXT.finditer(FORMULA.sub("", svg))]
    texts += [html.unescape(m.group("source")) for m in FORMULA.finditer(svg)]
    return [t for t in texts if needs_translation(t)]


def translate_svg(svg: str, catalogue: dict[str, str]) -> tuple[str, list[str]]:
    """Translate a matplotlib SVG's texts and name CJK fonts in its font lists.

    Parameters
    ----------
    svg : str
        An SVG written by matplotlib with ``svg.fonttype: none`` (and ``xent.plotting``'s ids
        on texts with a formula).
    catalogue : dict
        English message -> translation, from ``load_catalogue``.

    Returns
    -------
    svg : str
        The translated SVG.
    missing : list of str
        The messages of texts that needed a translation and had none (left in English).

    Examples
    --------
    >>> svg = ('<text style="font-size: 11px; font-family: \\'DejaVu Sans\\', sans-serif; '
    ...        'text-anchor: middle" x="5" y="9">surprisal (bits)</text>')
    >>> translated, missing = translate_svg(svg, {"surprisal (bits)": "信息量（比特）"})
    >>> "信息量（比特）" in translated and "Noto Sans CJK SC" in translated, missing
    (True, [])
    """
    missing: list[str] = []

    def plain(match: re.Match[str]) -> str:
        text = html.unescape(match.group(2))
        if 'class="translated"' in match.group(1) or not needs_translation(text):
            return match.group(0)
        found = translate(text, catalogue)
        if found is None:
            missing.append(template(text)[0])
            return match.group(0)
        return match.group(1) + _text_spans(found, _size(match.group(1))) + match.group(3)

    def formula(match: re.Match[str]) -> str:
        text = html.unescape(match.group("source"))
        if not needs_translation(text):
            return match.group(0)
        found = translate(text, catalogue)
        if found is None:
            missing.append(template(text)[0])
            return match.group(0)
        width, size = float(match.group("width")), float(match.group("size"))
        x, anchor = {
            "left": (0.0, "start"),
            "center": (width / 2, "middle"),
            "right": (width, "end"),
        }[match.group("ha")]
        style = f"font-size: {size:g}px; font-family: 'DejaVu Sans', {CJK_FONTS}, sans-serif"
        return (
            f'<g id="xentmath_{match.group("ha")}">\n     <!-- {match.group("source")} -->\n'
            f"     {match.group('open')}\n"
            f'      <text x="{x:g}" y="0" style="{style}; text-anchor: {anchor}">'
            f"{_text_spans(found, size)}</text>\n     </g>"
        )

    def lines(match: re.Match[str]) -> str:
        """Re-anchor each translated line where the English line's centre (or end) was."""
        ha = match.group("ha")

        def line(found: re.Match[str]) -> str:
            text = html.unescape(found.group(2))
            translated = plain(found)
            if translated == found.group(0):
                return translated
            width = _english_width(text, _size(found.group(1)))
            x, anchor = (width / 2, "middle") if ha == "center" else (width, "end")
            opening = found.group(1).replace(
                'style="', f'class="translated" x="{x:.2f}" style="text-anchor: {anchor}; ', 1
            )
            return opening + translated[len(found.group(1)) :]

        return match.group(0).replace(
            match.group("body"), PLAIN_TEXT.sub(line, match.group("body"))
        )

    svg = FORMULA.sub(formula, svg)
    svg = LINES.sub(lines, svg)
    svg = PLAIN_TEXT.sub(plain, svg)
    svg = FAMILY.sub(lambda m: f"font-family: {m.group(1)}, {CJK_FONTS}", svg)
    return svg, missing


def _english_width(text: str, size: float) -> float:
    """The width in points of a line of text in matplotlib's DejaVu Sans, as it drew it."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family="DejaVu Sans", size=size)
    return float(text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0])


def _size(open_tag: str) -> float:
    found = re.search(r"font-size: ([\d.]+)px", open_tag)
    return float(found.group(1)) if found else 10.0


def is_matplotlib_svg_text(svg: str) -> bool:
    """True for the text of an SVG written by matplotlib (a chapter's figure)."""
    return "Matplotlib v" in svg[:2000]


def is_matplotlib_svg(path: Path) -> bool:
    """True for an SVG file written by matplotlib (a chapter's figure)."""
    if path.suffix != ".svg" or not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as handle:
        return is_matplotlib_svg_text(handle.read(2000))


def svg_to_pdf(svg_path: Path, pdf_path: Path, language: str = "en") -> list[str]:
    """Convert a figure's SVG to a vector PDF (text as text), translated for ``language``.

    Returns the messages left untranslated. Needs ``rsvg-convert`` (Debian: librsvg2-bin).
    """
    svg = Path(svg_path).read_text(encoding="utf-8")
    missing: list[str] = []
    if language != "en":
        svg, missing = translate_svg(svg, load_catalogue(language))
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "figure.svg"
        source.write_text(svg, encoding="utf-8")
        subprocess.run(
            ["rsvg-convert", "--format", "pdf", "--output", str(pdf_path), str(source)],
            check=True,
            capture_output=True,
        )
    return missing


def _language(app: Sphinx) -> str:
    return app.config.language or "en"


class SvgToPdf(ImageConverter):
    """The PDF's figures: each SVG figure as a vector PDF, in the edition's language."""

    conversion_rules: ClassVar[list[tuple[str, str]]] = [("image/svg+xml", "application/pdf")]

    @property
    def imagedir(self) -> str:  # one folder per language: the same figure differs
        return str(Path(self.app.doctreedir) / "images" / f"figures-{_language(self.app)}")

    def is_available(self) -> bool:
        return shutil.which("rsvg-convert") is not None

    def convert(self, _from: str, _to: str) -> bool:
        missing = svg_to_pdf(Path(_from), Path(_to), _language(self.app))
        _report(missing, _from)
        return True


class TranslateFigures(SphinxPostTransform):
    """The Chinese website's figures: a translated copy of each matplotlib SVG."""

    default_priority = 6  # after myst-nb picks each output's mime type (priority 4)
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        language = _language(self.app)
        if language == "en":
            return
        catalogue = load_catalogue(language)
        folder = Path(self.app.doctreedir) / "images" / f"figures-{language}"
        for node in self.document.findall(nodes.image):
            source = Path(self.app.srcdir, node["uri"])
            if not is_matplotlib_svg(source):
                continue
            svg, missing = translate_svg(source.read_text(encoding="utf-8"), catalogue)
            _report(missing, str(source))
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / source.name
            target.write_text(svg, encoding="utf-8")
            node["uri"] = str(target)
            node["candidates"] = {"*": str(target)}
            self.env.images.add_file(self.env.docname, str(target))


def translate_notebook_figures(notebook: Any, language: str) -> list[str]:
    """Translate the matplotlib figures among a notebook's outputs, in place.

    Each figure output carries an SVG and a PNG of the same figure. The SVG gets the figure
    texts of ``language`` (as on that language's site), and JupyterLab, Colab and VS Code show
    the SVG. The PNG stays as it is, in English: a viewer that cannot show a notebook's SVG
    (GitHub's preview often cannot) still shows the figure. Returns the texts left
    untranslated.
    """
    catalogue = load_catalogue(language)
    missing: list[str] = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            svg = data.get("image/svg+xml")
            if svg is None:
                continue
            svg = "".join(svg) if isinstance(svg, list) else svg
            if not is_matplotlib_svg_text(svg):
                continue
            data["image/svg+xml"], lacking = translate_svg(svg, catalogue)
            missing += lacking
    return missing


def _report(missing: Iterable[str], where: str) -> None:
    for message in dict.fromkeys(missing):
        # Not a warning (which would fail the strict build of a new chapter's first draft):
        # tests/test_plotting.py fails on every untranslated figure text.
        logger.info("figure text without a translation (%s): %r", Path(where).name, message)


def configure(app: Sphinx, config: Any) -> None:
    """Let the LaTeX builder take a figure's SVG (converted to PDF) rather than its PNG."""
    overrides = list(config.nb_mime_priority_overrides or [])
    if not any(o[0] == "latex" and o[1] == "image/svg+xml" for o in overrides):
        overrides.append(("latex", "image/svg+xml", 15))  # after PDF (10), before PNG (20)
    config.nb_mime_priority_overrides = overrides


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", configure)
    app.add_post_transform(SvgToPdf)
    app.add_post_transform(TranslateFigures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# The catalogue -----------------------------------------------------------------------------


def svg_messages(paths: Iterable[Path]) -> dict[str, list[str]]:
    """Every figure message of some matplotlib SVGs: message -> the files it is in."""
    found: dict[str, list[str]] = {}
    for path in paths:
        if is_matplotlib_svg(path):
            for text in figure_texts(path.read_text(encoding="utf-8")):
                files = found.setdefault(template(text)[0], [])
                if path.name not in files:
                    files.append(path.name)
    return found


def built_messages(site: Path) -> dict[str, list[str]]:
    """Every figure message of a built English site: message -> the SVG files it is in."""
    return svg_messages(sorted((site / "_images").glob("*.svg")))


def update_catalogue(
    messages: Iterable[str], language: str = "zh_CN", prune: bool = False
) -> list[str]:
    """Add ``messages`` to the catalogue (keeping translations); list untranslated.

    Messages already in the catalogue stay unless ``prune``: a build of one chapter holds only
    that chapter's figures, and must not drop every other chapter's translations.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    old = {}
    if path.exists():
        with path.open("rb") as handle:
            old = {m.id: m.string for m in read_po(handle) if m.id}
    catalogue = Catalog(locale=language, project="xent-book", domain=DOMAIN, fuzzy=False)
    messages = list(dict.fromkeys(messages))
    kept = [] if prune else [m for m in old if m not in set(messages)]
    for message in messages + kept:
        catalogue.add(message, old.get(message, ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=0, no_location=True)
    return [m for m in messages if not old.get(m)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--language", default="zh_CN")
    parser.add_argument("--update", action="store_true", help="add the build's texts")
    parser.add_argument(
        "--prune",
        action="store_true",
        help="with --update, also drop texts not in the build (only after a whole-book build)",
    )
    args = parser.parse_args(argv)
    if args.update:
        untranslated = update_catalogue(built_messages(args.site), args.language, args.prune)
    else:
        have = load_catalogue(args.language)
        untranslated = [m for m in built_messages(args.site) if m not in have]
    for message in untranslated:
        print(message)
    print(f"{len(untranslated)} figure texts without a translation", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
