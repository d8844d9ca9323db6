"""The book's plotting style: readable, colour-blind-safe, and the same in every chapter.

``use_style()`` sets the look (Okabe-Ito colours, a width that stays readable on a phone) and,
in a Jupyter kernel, asks for SVG figures (sharp on any screen) with a PNG copy for the PDF.
It also watches every figure pyplot creates: when a figure is drawn, ``figure_problems`` looks
for a plotted curve, bar or point cloud that lies entirely outside its axes (a figure that shows
nothing) and for a figure wider than ``MAX_WIDTH``; each problem is reported as a
``FigureWarning``. The book's build treats anything a cell writes to stderr as an error, so such
a figure fails the build.
"""

from __future__ import annotations

import warnings
from typing import Final

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = [
    "CYCLE",
    "HEAVY",
    "MAX_WIDTH",
    "PALETTE",
    "FigureWarning",
    "check_figure",
    "figure_problems",
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

#: The widest figure, in inches. Shrunk to a 390 px phone, its 10 pt text is still about 8 px
#: tall; a figure with several panels arranges them in rows rather than going wider.
MAX_WIDTH: Final[float] = 6.4


#: More shapes than this in one collection (a heat map, a big scatter plot) must be rasterized:
#: drawn as vectors they make an SVG of megabytes.
HEAVY: Final[int] = 1000


class FigureWarning(UserWarning):
    """A figure shows nothing of some of its data, or is too wide to read on a phone."""


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


def figure_problems(fig: Figure) -> list[str]:
    """Describe what a figure fails to show, or an empty list when it shows all its data.

    A plotted line, a bar chart or a scatter plot whose finite data points all fall outside the
    axes' x or y limits is invisible (a common slip: ``ylim=(0, 1)`` around a negative curve).
    So is a figure wider than ``MAX_WIDTH`` inches, on a phone: its text shrinks to a few pixels;
    and a collection of more than ``HEAVY`` shapes not drawn ``rasterized`` (a heat map, a big
    scatter plot), which makes an SVG of megabytes.
    Only data in data coordinates is checked (not ``axhline`` and the like).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, with its data and limits set.

    Returns
    -------
    list of str
        One sentence per problem.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.plot([0, 1], [-1, -2], label="negative")
    >>> _ = ax.set(xlim=(0, 1), ylim=(0, 1))
    >>> figure_problems(fig)
    ["axes 1: line 'negative' lies entirely outside the axes (x 0..1, y 0..1)"]
    >>> _ = ax.set_ylim(-3, 1)
    >>> figure_problems(fig)
    []
    >>> plt.close(fig)
    """
    problems = []
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


def check_figure(fig: Figure) -> None:
    """Warn (``FigureWarning``) about each problem ``figure_problems`` finds in ``fig``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to check.

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
    for problem in figure_problems(fig):
        warnings.warn(f"figure problem: {problem}", FigureWarning, stacklevel=2)


def _check_on_draw(event: object) -> None:
    """Draw-event callback: check the figure just drawn (once per figure)."""
    fig = getattr(getattr(event, "canvas", None), "figure", None)
    if isinstance(fig, Figure) and not getattr(fig, "_xent_checked", False):
        fig._xent_checked = True  # type: ignore[attr-defined]
        check_figure(fig)


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

    Sets the colours, sizes and fonts; in Jupyter, selects SVG output (with a PNG for the
    PDF); and makes pyplot check each new figure when it is drawn (``check_figure``).

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
            "figure.figsize": (6.0, 3.4),
            "figure.dpi": 110,
            "figure.facecolor": "white",
            "figure.hooks": [*hooks, _HOOK],
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "savefig.facecolor": "white",
            "svg.fonttype": "path",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 11,
            "axes.titlesize": 11,
            "legend.frameon": False,
            "legend.fontsize": 10,
            "lines.linewidth": 2.0,
        }
    )
    _select_figure_formats()
