"""The book's plotting style: readable, colour-blind-safe, and the same in every chapter.

``use_style()`` sets the look (Okabe-Ito colours, a size whose text stays readable on a phone
and in print) and, in a Jupyter kernel, asks for SVG figures whose text is kept as text (sharp on
any screen, translatable for the Chinese edition, converted to vector PDF for print) with a PNG
copy for notebook viewers. It also watches every figure pyplot creates: when a figure is drawn,
``figure_problems`` looks for a plotted curve, bar or point cloud that lies entirely outside its
axes (a figure that shows nothing), for a figure wider than ``MAX_WIDTH``, and for text smaller
than ``MIN_PHONE_PX`` pixels on a phone or ``MIN_PRINT_PT`` points in print (``text_sizes``);
each problem is reported as a ``FigureWarning``. The book's build treats anything a cell writes
to stderr as an error, so such a figure fails the build.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Final, NamedTuple

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

__all__ = [
    "CYCLE",
    "HEAVY",
    "MAX_WIDTH",
    "MIN_PHONE_PX",
    "MIN_PRINT_PT",
    "PALETTE",
    "PHONE_WIDTH_PX",
    "PRINT_MAX_HEIGHT",
    "PRINT_TEXT_WIDTH",
    "FigureWarning",
    "TextSizes",
    "check_figure",
    "figure_problems",
    "text_sizes",
    "use_style",
]

#: The Okabe-Ito palette, distinguishable under the common forms of colour blindness.
PALETTE: Final[dict[str, str]] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: Line colours in the order the book uses them (yellow is left out: too light on white).
CYCLE: Final[list[str]] = [
    PALETTE[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky")
]

#: The widest figure, in inches; a figure with several panels arranges them in rows rather
#: than going wider (and its text must still pass the two size rules below).
MAX_WIDTH: Final[float] = 6.4

#: The width a figure is shown at on a 390 px phone (CSS px), when its natural width is larger:
#: measured in Chromium at 390x844 on the built site's chapter pages (the paragraphs are 355 px
#: wide; a cell's output box takes 13 px of that).
PHONE_WIDTH_PX: Final[float] = 342.0

#: The smallest text a figure may show on that phone, in CSS px.
MIN_PHONE_PX: Final[float] = 11.0

#: The PDF's text width and the tallest figure it prints unshrunk, in inches (a lower bound for
#: the print layout: ``editions/pdf.py`` shrinks a figure wider or taller than these).
PRINT_TEXT_WIDTH: Final[float] = 5.0
PRINT_MAX_HEIGHT: Final[float] = 4.2

#: The smallest text a figure may print at, in points.
MIN_PRINT_PT: Final[float] = 7.0

#: The space ``savefig(bbox_inches="tight")`` leaves around a figure's drawn extent, in inches.
_PAD: Final[float] = 0.1


#: More shapes than this in one collection (a heat map, a big scatter plot) must be rasterized:
#: drawn as vectors they make an SVG of megabytes.
HEAVY: Final[int] = 1000


class FigureWarning(UserWarning):
    """A figure shows nothing of some of its data, or its text is too small to read."""


class TextSizes(NamedTuple):
    """The size of a figure as saved, and of its smallest text on a phone and in print."""

    width: float  #: the saved (tight) width, in inches
    height: float  #: the saved (tight) height, in inches
    font_pt: float  #: the smallest font size of its visible text, in points
    phone_px: float  #: that text's height on a 390 px phone, in CSS px
    print_pt: float  #: that text's size as printed in the PDF, in points


# Every problem is reported, even when the same line of code draws several figures.
warnings.simplefilter("always", FigureWarning)


def _hidden(ax: Axes, x: np.ndarray, y: np.ndarray, joined: bool = False) -> bool:
    """True when (x, y) has finite data and none of it shows inside the axes' view.

    Points show when they lie in the view, edges included. For a ``joined`` line, a segment
    shows when its extent overlaps the inside of the view: a curve that only touches the frame
    (``-p log p`` drawn with the wrong sign meets ``ylim=(0, 0.6)`` at its two ends) does not.
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.size == 0 or x.size != y.size:
        return False
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return False
    (x_lo, x_hi), (y_lo, y_hi) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    if joined and finite.sum() > 1:
        both = finite[:-1] & finite[1:]
        x0, x1, y0, y1 = x[:-1][both], x[1:][both], y[:-1][both], y[1:][both]
        shown = (
            (np.maximum(x0, x1) > x_lo)
            & (np.minimum(x0, x1) < x_hi)
            & (np.maximum(y0, y1) > y_lo)
            & (np.minimum(y0, y1) < y_hi)
        )
        if both.any():
            return not shown.any()
    xs, ys = x[finite], y[finite]
    shown = (xs >= x_lo) & (xs <= x_hi) & (ys >= y_lo) & (ys <= y_hi)
    return not shown.any()


def _name(artist: object, kind: str) -> str:
    label = getattr(artist, "get_label", lambda: "")()
    return f"{kind} {label!r}" if label and not label.startswith("_") else kind


def _renderer(fig: Figure) -> object:
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()  # type: ignore[attr-defined]


def text_sizes(fig: Figure, renderer: object | None = None) -> TextSizes:
    """Measure a figure as the book shows it: its smallest text on a phone and in print.

    The figure is saved with ``bbox_inches="tight"`` (what Jupyter does), so its size is the
    drawn extent plus a 0.1 in pad. On the website an SVG figure is shown at its natural size
    (96 CSS px per inch) or shrunk to ``PHONE_WIDTH_PX``, the output column of a 390 px phone; in
    the PDF it is printed at its natural size or shrunk to ``PRINT_TEXT_WIDTH`` wide and
    ``PRINT_MAX_HEIGHT`` tall. Only the font sizes of text artists count (titles, labels, tick
    labels, legends, annotations), not the smaller sub- and superscripts inside a formula.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, with its text set.
    renderer : optional
        The renderer the figure was drawn with; by default the figure's own.

    Returns
    -------
    TextSizes
        The saved width and height (in), the smallest font size (pt), and that text's size on
        the phone (CSS px) and in print (pt).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(6.4, 3))
    >>> _ = ax.set_xlabel("probability", fontsize=11)
    >>> sizes = text_sizes(fig)
    >>> sizes.font_pt
    10.0
    >>> bool(sizes.phone_px < MIN_PHONE_PX)  # the 10 pt tick labels: under 11 px on a phone
    True
    >>> plt.close(fig)
    """
    if renderer is None:
        renderer = _renderer(fig)
    box = fig.get_tightbbox(renderer)
    width, height = box.width + 2 * _PAD, box.height + 2 * _PAD
    sizes = [
        float(t.get_fontsize())
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
    ]
    font = min(sizes) if sizes else float("inf")
    phone = font * 96 / 72 * min(1.0, PHONE_WIDTH_PX / (96 * width))
    printed = font * min(1.0, PRINT_TEXT_WIDTH / width, PRINT_MAX_HEIGHT / height)
    return TextSizes(width, height, font, phone, printed)


def _text_problems(fig: Figure, renderer: object | None) -> list[str]:
    """The text-size rules of ``figure_problems``."""
    problems = []
    sizes = text_sizes(fig, renderer)
    advice = (
        f"the figure is saved {sizes.width:.2f} x {sizes.height:.2f} in: use larger fonts, "
        "or a narrower or shorter figure (fewer panels per row)"
    )
    if sizes.phone_px < MIN_PHONE_PX - 1e-6:
        problems.append(
            f"text of {sizes.font_pt:g} pt is {sizes.phone_px:.1f} px high on a 390 px phone "
            f"(at least {MIN_PHONE_PX:g}): {advice}"
        )
    if sizes.print_pt < MIN_PRINT_PT - 1e-6:
        problems.append(
            f"text of {sizes.font_pt:g} pt prints at {sizes.print_pt:.1f} pt in the PDF "
            f"(at least {MIN_PRINT_PT:g}): {advice}"
        )
    return problems


def figure_problems(
    fig: Figure, renderer: object | None = None, *, data: bool = True, text: bool = True
) -> list[str]:
    """Describe what a figure fails to show, or an empty list when it shows all its data.

    A plotted line, a bar chart or a scatter plot whose finite data points all fall outside the
    axes' x or y limits is invisible (a common slip: ``ylim=(0, 1)`` around a negative curve).
    So is a figure wider than ``MAX_WIDTH`` inches; text that a 390 px phone shows under
    ``MIN_PHONE_PX`` pixels or the PDF prints under ``MIN_PRINT_PT`` points (see
    ``text_sizes``); and a collection of more than ``HEAVY`` shapes not drawn ``rasterized``
    (a heat map, a big scatter plot), which makes an SVG of megabytes.
    Only data in data coordinates is checked (not ``axhline`` and the like).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, with its data and limits set.
    renderer : optional
        The renderer the figure was drawn with; by default the figure's own.
    data, text : bool, default True
        Whether to check that the data shows (and the width), and the text sizes.

    Returns
    -------
    list of str
        One sentence per problem.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> plt.rcParams["font.size"] = 12
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.plot([0, 1], [-1, -2], label="negative")
    >>> _ = ax.set(xlim=(0, 1), ylim=(0, 1))
    >>> figure_problems(fig)
    ["axes 1: line 'negative' lies entirely outside the axes (x 0..1, y 0..1)"]
    >>> _ = ax.set_ylim(-3, 1)
    >>> figure_problems(fig)
    []
    >>> _ = ax.set_title("a footnote-sized title", fontsize=7)
    >>> figure_problems(fig)  # doctest: +ELLIPSIS
    ['text of 7 pt is ... px high on a 390 px phone (at least 11): the figure is saved ...']
    >>> plt.close(fig)
    >>> plt.rcdefaults()
    """
    problems = [] if not text else _text_problems(fig, renderer)
    if not data:
        return problems
    width = fig.get_figwidth()
    if width > MAX_WIDTH + 1e-9:
        problems.append(
            f"the figure is {width:g} in wide (at most {MAX_WIDTH:g}): on a phone its text "
            "would be too small to read; put panels in rows instead"
        )
    for number, ax in enumerate(fig.axes, start=1):
        hidden = []
        for line in ax.lines:
            if line.get_visible() and line.get_transform() == ax.transData:
                joined = line.get_linestyle() not in ("None", "none", "", " ")
                if _hidden(ax, line.get_xdata(orig=False), line.get_ydata(orig=False), joined):
                    hidden.append(_name(line, "line"))
        for collection in ax.collections:
            shapes = max(len(collection.get_paths()), len(collection.get_offsets()))
            if shapes > HEAVY and not collection.get_rasterized():
                problems.append(
                    f"axes {number}: {_name(collection, type(collection).__name__)} has "
                    f"{shapes} shapes: as SVG it would weigh megabytes; "
                    "draw it with rasterized=True"
                )
            offsets = np.asarray(collection.get_offsets())
            if (
                collection.get_visible()
                and collection.get_offset_transform() == ax.transData
                and offsets.ndim == 2
                and offsets.shape[1] == 2
                and _hidden(ax, offsets[:, 0], offsets[:, 1])
            ):
                hidden.append(_name(collection, "points"))
        for container in ax.containers:
            bars = [p for p in container if isinstance(p, Rectangle) and p.get_visible()]
            if bars:
                (x_lo, x_hi), (y_lo, y_hi) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
                # A bar shows when its rectangle overlaps the inside of the view.
                shown = [
                    min(b.get_x(), b.get_x() + b.get_width()) < x_hi
                    and max(b.get_x(), b.get_x() + b.get_width()) > x_lo
                    and min(b.get_y(), b.get_y() + b.get_height()) < y_hi
                    and max(b.get_y(), b.get_y() + b.get_height()) > y_lo
                    for b in bars
                ]
                if not any(shown):
                    hidden.append(_name(container, "bars"))
        if hidden:
            x0, x1 = ax.get_xlim()
            y0, y1 = ax.get_ylim()
            for what in hidden:
                problems.append(
                    f"axes {number}: {what} lies entirely outside the axes "
                    f"(x {x0:.3g}..{x1:.3g}, y {y0:.3g}..{y1:.3g})"
                )
    return problems


def check_figure(
    fig: Figure, renderer: object | None = None, *, data: bool = True, text: bool = True
) -> None:
    """Warn (``FigureWarning``) about each problem ``figure_problems`` finds in ``fig``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to check.
    renderer : optional
        The renderer the figure was drawn with; by default the figure's own.
    data, text : bool, default True
        Whether to check that the data shows (and the width), and the text sizes.

    Examples
    --------
    >>> import warnings
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.plot([0, 1], [5, 6])
    >>> _ = ax.set(xlim=(0, 1), ylim=(0, 1))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_figure(fig)
    >>> [str(w.message) for w in caught]
    ['figure problem: axes 1: line lies entirely outside the axes (x 0..1, y 0..1)']
    >>> plt.close(fig)
    """
    for problem in figure_problems(fig, renderer, data=data, text=text):
        warnings.warn(f"figure problem: {problem}", FigureWarning, stacklevel=2)


def _check_on_draw(event: object) -> None:
    """Draw-event callback: check the figure just drawn (each check once per figure).

    Its data is checked on its first drawing. Its text sizes are checked when it is drawn as
    SVG, the format the book shows (on the website, and converted to PDF for print); a chart
    only rendered to PNG (an ipywidgets explorer's, in Jupyter) is not held to them.
    """
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    canvas = getattr(event, "canvas", None)
    fig = getattr(canvas, "figure", None)
    if not isinstance(fig, Figure):
        return
    done = getattr(fig, "_xent_checked", set())
    todo = {"data", "text"} if isinstance(canvas, FigureCanvasSVG) else {"data"}
    todo -= done
    if todo:
        fig._xent_checked = done | todo  # type: ignore[attr-defined]
        renderer = getattr(event, "renderer", None)
        check_figure(fig, renderer, data="data" in todo, text="text" in todo)
    if "text" in todo:
        log = os.environ.get("XENT_FIGURE_LOG")
        if log:  # a measurement aid: one line of sizes per figure drawn
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(text_sizes(fig, renderer)._asdict()) + "\n")


def _mark_formulas(fig: Figure) -> None:
    """Give each text with a formula an SVG id telling its alignment, width and font size.

    In an SVG with text kept as text, matplotlib writes a formula (``"probability $p$"``) glyph
    by glyph, after a comment holding its source, starting at its left end. The Chinese
    edition replaces such a text by its translation (``editions/figures.py``) and needs to
    know where the English text was anchored: ``xentmath_<ha>_<width pt>_<size pt>_<n>``.
    A centred or right-aligned text of several lines is written line by line from each line's
    left end; its id ``xentlines_<ha>_<n>`` lets the translation re-anchor each line.
    """
    from matplotlib.mathtext import MathTextParser

    parser = None
    for number, text in enumerate(fig.findobj(Text)):
        source = text.get_text()
        ha = text.get_horizontalalignment()
        if text.get_gid():
            continue
        if "\n" in source and "$" not in source and ha != "left":
            # Matplotlib writes each line from its left end; the translation re-centres it.
            text.set_gid(f"xentlines_{ha}_{number}")
            continue
        if source.count("$") < 2 or "\n" in source:
            continue
        parser = parser or MathTextParser("path")
        width = parser.parse(source, 72, text.get_fontproperties())[0]
        text.set_gid(f"xentmath_{ha}_{width:.2f}_{text.get_fontsize():g}_{number}")


def watch_figure(fig: Figure) -> None:
    """Check ``fig`` when it is first drawn (a pyplot ``figure.hooks`` entry).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure pyplot has just created.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(figsize=(3, 2))
    >>> watch_figure(fig)
    >>> plt.close(fig)
    """
    fig.canvas.mpl_connect("draw_event", _check_on_draw)
    draw = fig.draw

    def draw_marked(renderer: object) -> None:
        _mark_formulas(fig)
        draw(renderer)

    fig.draw = draw_marked  # type: ignore[method-assign]


_HOOK = f"{__name__}:watch_figure"


def _select_figure_formats() -> None:
    """In a Jupyter kernel with the inline backend, emit SVG (website) plus PNG (PDF)."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: nothing to configure
        return
    if get_ipython() is not None and "inline" in mpl.get_backend():
        set_matplotlib_formats("svg", "png")


def use_style() -> None:
    """Apply the book's matplotlib style to every later figure.

    Sets the colours, sizes and fonts (11 pt text on a figure 4.6 in wide by default: about
    11.5 px on a phone); in Jupyter, selects SVG output with its text kept as text (with a PNG for
    notebook viewers); and makes pyplot check each new figure when it is drawn
    (``check_figure``).

    Examples
    --------
    >>> use_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
    '#0072B2'
    >>> "xent.plotting:watch_figure" in mpl.rcParams["figure.hooks"]
    True
    """
    hooks = [h for h in mpl.rcParams["figure.hooks"] if h != _HOOK]
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=CYCLE),
            "figure.figsize": (4.6, 3.0),
            "figure.dpi": 110,
            "figure.facecolor": "white",
            "figure.hooks": [*hooks, _HOOK],
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "savefig.facecolor": "white",
            "svg.fonttype": "none",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            # Text stays text in the SVG: browsers without DejaVu Sans (matplotlib's own font,
            # which sets the layout) fall back to a narrower face, never a wider one.
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans", "Helvetica"],
            "font.size": 11,
            "axes.titlesize": 11,
            "axes.labelsize": 11,
            "xtick.labelsize": 11,
            "ytick.labelsize": 11,
            "legend.frameon": False,
            "legend.fontsize": 11,
            "lines.linewidth": 2.0,
        }
    )
    _select_figure_formats()
