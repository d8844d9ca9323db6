"""The book's plotting style: readable, colour-blind-safe, and the same in every chapter."""

from __future__ import annotations

from typing import Final

import matplotlib as mpl
from cycler import cycler

__all__ = ["CYCLE", "PALETTE", "use_style"]

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


def use_style() -> None:
    """Apply the book's matplotlib style to every later figure.

    Examples
    --------
    >>> use_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
    '#0072B2'
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=CYCLE),
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 11,
            "axes.titlesize": 11,
            "legend.frameon": False,
            "lines.linewidth": 2.0,
        }
    )
