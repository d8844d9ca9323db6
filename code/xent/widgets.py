"""Live explorers for Jupyter (they need a running kernel; the website shows static figures).

Each function returns an ``ipywidgets`` box: display it as the last line of a cell.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from . import info
from .plotting import PALETTE

__all__ = ["surprisal_explorer"]


def _surprisal_readout(p: float) -> str:
    """Text shown under the surprisal slider."""
    bits = info.surprisal(p, base=2)
    nats = info.surprisal(p, base=np.e)
    return f"<b>p = {p:.3f}</b>: surprisal = {bits:.3f} bits = {nats:.3f} nats"


def _png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes and close it (an Image widget needs no kernel-side backend)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def surprisal_explorer(p: float = 0.25) -> widgets.VBox:
    """A slider for a probability ``p``, its surprisal in bits and nats, and the ``-log2 p`` curve.

    Parameters
    ----------
    p : float, default 0.25
        Starting probability, in (0, 1].

    Returns
    -------
    ipywidgets.VBox
        The slider, a text readout and the plot; moving the slider updates both.

    Examples
    --------
    >>> box = surprisal_explorer(0.5)
    >>> slider, readout = box.children[0], box.children[1]
    >>> slider.value = 0.125
    >>> "3.000 bits" in readout.value
    True
    """
    if not np.isfinite(info.surprisal(p)):  # surprisal() itself rejects p outside [0, 1]
        raise ValueError("p must be above 0: an impossible event has infinite surprisal")
    slider = widgets.FloatSlider(
        value=p,
        min=0.001,
        max=1.0,
        step=0.001,
        description="p",
        readout_format=".3f",
        continuous_update=True,
        layout=widgets.Layout(width="28em"),
    )
    readout = widgets.HTML(_surprisal_readout(p))
    plot = widgets.Image(format="png")
    grid = np.linspace(0.001, 1.0, 500)

    def redraw(value: float) -> None:
        readout.value = _surprisal_readout(value)
        fig, ax = plt.subplots(figsize=(5.5, 3.0))
        ax.plot(grid, info.surprisal(grid), color=PALETTE["blue"])
        ax.plot([value], [info.surprisal(value)], "o", color=PALETTE["vermillion"])
        ax.set(xlabel="probability p", ylabel="surprisal (bits)", ylim=(0, 10.5))
        plot.value = _png(fig)

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(p)
    return widgets.VBox([slider, readout, plot])
