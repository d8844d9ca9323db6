"""Live explorers for Jupyter (they need a running kernel; the website shows static figures).

Each function returns an ``ipywidgets`` box: display it as the last line of a cell. The words
(labels, readouts) follow :func:`xent.checks.language`, so the Chinese notebooks, whose setup
cell sets ``XENT_LANG=zh_CN``, show Chinese explorers; the charts' words are Chinese only where
matplotlib has a Chinese font (else a Chinese label would print as empty boxes), English otherwise.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from . import info
from ._validation import check_distribution
from .checks import language
from .plotting import PALETTE

_KL_READOUT = (
    "H(p) = {h}, H(p, q) = {h_pq}, <b>D(p||q) = {kl_pq}</b>, <b>D(q||p) = {kl_qp}</b> (bits)"
)
_SLOWDOWN_READOUT = (
    "<b>{cost} cost</b>: output {start:.3f} at the start, <b>{end:.4f}</b> after {n} iterations "
    "(the {other} cost: {other_end:.4f})"
)

#: The explorers' words in Chinese (English text or template -> Chinese).
_ZH = {
    "<b>p = {p:.3f}</b>: surprisal = {bits:.3f} bits = {nats:.3f} nats": (
        "<b>p = {p:.3f}</b>：自信息 = {bits:.3f} 比特 = {nats:.3f} 奈特"
    ),
    "<b>All weights are 0</b>: raise one of them to get a distribution.": (
        "<b>所有权重都是 0</b>：调高其中一个，才能得到一个分布。"
    ),
    "<b>H = {h:.3f} bits</b> (at most log2 {k} = {top:.3f}); p = [{probs}]": (
        "<b>H = {h:.3f} 比特</b>（至多为 log2 {k} = {top:.3f}）；p = [{probs}]"
    ),
    "<b>All weights of p or of q are 0</b>: raise one of them.": (
        "<b>p 或 q 的权重全是 0</b>：请调高其中一个。"
    ),
    _KL_READOUT: (
        "H(p) = {h}，H(p, q) = {h_pq}，<b>D(p||q) = {kl_pq}</b>，<b>D(q||p) = {kl_qp}</b>（比特）"
    ),
    _SLOWDOWN_READOUT: (
        "<b>{cost}代价</b>：起始输出 {start:.3f}，{n} 次迭代后为 <b>{end:.4f}</b>"
        "（{other}代价下为 {other_end:.4f}）"
    ),
    "quadratic": "二次",
    "cross-entropy": "交叉熵",
    "iterations": "迭代次数",
    "cost": "代价",
    # The charts' words (shown in Chinese only with a Chinese font).
    "probability p": "概率 p",
    "surprisal (bits)": "自信息（比特）",
    "outcome": "结果",
    "probability": "概率",
    "H(p) = {h:.3f} bits": "H(p) = {h:.3f} 比特",
    "p (truth)": "p（真实分布）",
    "q (model)": "q（模型）",
    "iteration": "迭代次数",
    "output a": "输出 a",
    "cost C": "代价 C",
}

#: Fonts with Chinese characters that matplotlib may find (Linux, macOS, Windows).
_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
)


def _say(english: str, **fields: object) -> str:
    """``english`` (a template) in the explorers' language, filled with ``fields``."""
    template = _ZH.get(english, english) if language() == "zh_CN" else english
    return template.format(**fields)


def _chart_font() -> str | None:
    """A Chinese font matplotlib has, when the explorers speak Chinese; else None."""
    if language() != "zh_CN":
        return None
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in names), None)


def _chart(english: str, **fields: object) -> str:
    """A chart's word: Chinese when a Chinese font is there to draw it, else English."""
    return _say(english, **fields) if _chart_font() else english.format(**fields)


def _subplots(*args: int, **kwargs: object):
    """plt.subplots with the Chinese font first where the chart's words are Chinese."""
    font = _chart_font()
    if font is None:
        return plt.subplots(*args, **kwargs)
    with plt.rc_context({"font.sans-serif": [font, *plt.rcParams["font.sans-serif"]]}):
        return plt.subplots(*args, **kwargs)


__all__ = ["entropy_explorer", "kl_explorer", "slowdown_explorer", "surprisal_explorer"]


def _surprisal_readout(p: float) -> str:
    """Text shown under the surprisal slider."""
    bits = info.surprisal(p, base=2)
    nats = info.surprisal(p, base=np.e)
    return _say(
        "<b>p = {p:.3f}</b>: surprisal = {bits:.3f} bits = {nats:.3f} nats",
        p=p,
        bits=bits,
        nats=nats,
    )


def _plot_layout() -> widgets.Layout:
    """The chart's width: at most 36em (about 580 px), so sliders and chart fit one screen."""
    return widgets.Layout(width="100%", max_width="36em", height="auto")


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
    plot = widgets.Image(format="png", layout=_plot_layout())
    grid = np.linspace(0.001, 1.0, 500)

    def redraw(value: float) -> None:
        readout.value = _surprisal_readout(value)
        fig, ax = _subplots(figsize=(5.5, 3.0))
        ax.plot(grid, info.surprisal(grid), color=PALETTE["blue"])
        ax.plot([value], [info.surprisal(value)], "o", color=PALETTE["vermillion"])
        ax.set(xlabel=_chart("probability p"), ylabel=_chart("surprisal (bits)"), ylim=(0, 10.5))
        plot.value = _png(fig)

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(p)
    return widgets.VBox([slider, readout, plot])


def _weight_sliders(weights: list[float], prefix: str) -> list[widgets.FloatSlider]:
    """One slider per outcome; their values are weights, renormalised into a distribution."""
    return [
        widgets.FloatSlider(
            value=float(w),
            min=0.0,
            max=1.0,
            step=0.01,
            description=f"{prefix}[{i}]",
            readout_format=".2f",
            continuous_update=True,
            layout=widgets.Layout(width="22em"),
        )
        for i, w in enumerate(weights)
    ]


def _normalised(sliders: list[widgets.FloatSlider]) -> np.ndarray | None:
    """The slider values divided by their sum, or None when they are all 0."""
    w = np.array([s.value for s in sliders], dtype=float)
    total = w.sum()
    return None if total <= 0 else w / total


def _start_weights(p: ArrayLike, name: str) -> list[float]:
    """Validate a starting distribution for an explorer (at least 2 outcomes)."""
    probs = check_distribution(p, name)
    if probs.ndim != 1 or probs.size < 2:
        raise ValueError(f"{name} must be one distribution over at least 2 outcomes")
    return [float(v) for v in probs]


def _bits(x: float) -> str:
    return "&infin;" if np.isinf(x) else f"{x:.3f}"


def entropy_explorer(p: ArrayLike = (0.1, 0.1, 0.1, 0.7)) -> widgets.VBox:
    """Sliders over a distribution, a live bar chart and the entropy in bits.

    The sliders hold weights; the distribution is the weights divided by their sum, so any
    setting is a valid distribution and the bars always add up to 1.

    Parameters
    ----------
    p : array_like, default (0.1, 0.1, 0.1, 0.7)
        Starting distribution over ``K >= 2`` outcomes.

    Returns
    -------
    ipywidgets.VBox
        A box of sliders, a text readout and the bar chart; moving a slider updates both.

    Examples
    --------
    >>> box = entropy_explorer([0.25, 0.25, 0.25, 0.25])
    >>> sliders, readout = box.children[0].children, box.children[1]
    >>> "H = 2.000 bits" in readout.value
    True
    >>> sliders[0].value = 0.0
    >>> "H = 1.585 bits" in readout.value  # three equal outcomes left
    True
    """
    start = _start_weights(p, "p")
    k = len(start)
    sliders = _weight_sliders(start, "w")
    readout = widgets.HTML()
    plot = widgets.Image(format="png", layout=_plot_layout())

    def redraw(_change: object = None) -> None:
        probs = _normalised(sliders)
        if probs is None:
            readout.value = _say(
                "<b>All weights are 0</b>: raise one of them to get a distribution."
            )
            return
        h = info.entropy(probs)
        readout.value = _say(
            "<b>H = {h:.3f} bits</b> (at most log2 {k} = {top:.3f}); p = [{probs}]",
            h=h,
            k=k,
            top=np.log2(k),
            probs=", ".join(f"{v:.3f}" for v in probs),
        )
        fig, ax = _subplots(figsize=(5.5, 3.0))
        ax.bar(range(k), probs, color=PALETTE["blue"])
        ax.axhline(1 / k, color=PALETTE["black"], linestyle=":", linewidth=1)
        ax.set(xlabel=_chart("outcome"), ylabel=_chart("probability"), ylim=(0, 1), xticks=range(k))
        ax.set_title(_chart("H(p) = {h:.3f} bits", h=h))
        plot.value = _png(fig)

    for s in sliders:
        s.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.VBox(sliders), readout, plot])


def kl_explorer(
    p: ArrayLike = (0.6, 0.3, 0.1),
    q: ArrayLike = (0.2, 0.3, 0.5),
) -> widgets.VBox:
    """Two sets of sliders for a pair of distributions, their bars, and KL in both directions.

    The readout shows ``H(p)``, ``H(p, q)``, ``D(p || q) = H(p, q) - H(p)`` and ``D(q || p)``,
    in bits, so the asymmetry of KL divergence is visible as the sliders move.

    Parameters
    ----------
    p, q : array_like
        Starting distributions over the same ``K >= 2`` outcomes.

    Returns
    -------
    ipywidgets.VBox
        The two columns of sliders, the readout and the bar chart.

    Examples
    --------
    >>> box = kl_explorer([0.5, 0.5], [0.5, 0.5])
    >>> columns, readout = box.children[0], box.children[1]
    >>> "D(p||q) = 0.000" in readout.value
    True
    >>> columns.children[1].children[1].value = 0.0  # q puts everything on outcome 0
    >>> "D(p||q) = &infin;" in readout.value and "D(q||p) = 1.000" in readout.value
    True
    """
    p_start, q_start = _start_weights(p, "p"), _start_weights(q, "q")
    if len(p_start) != len(q_start):
        raise ValueError(
            f"p and q must have the same number of outcomes; got {len(p_start)} and {len(q_start)}"
        )
    k = len(p_start)
    p_sliders, q_sliders = _weight_sliders(p_start, "p"), _weight_sliders(q_start, "q")
    readout = widgets.HTML()
    plot = widgets.Image(format="png", layout=_plot_layout())

    def redraw(_change: object = None) -> None:
        pp, qq = _normalised(p_sliders), _normalised(q_sliders)
        if pp is None or qq is None:
            readout.value = _say("<b>All weights of p or of q are 0</b>: raise one of them.")
            return
        h, h_pq = info.entropy(pp), info.cross_entropy(pp, qq)
        kl_pq, kl_qp = info.kl_divergence(pp, qq), info.kl_divergence(qq, pp)
        readout.value = _say(
            _KL_READOUT,
            h=_bits(h),
            h_pq=_bits(h_pq),
            kl_pq=_bits(kl_pq),
            kl_qp=_bits(kl_qp),
        )
        fig, ax = _subplots(figsize=(5.5, 3.0))
        x = np.arange(k)
        ax.bar(x - 0.2, pp, width=0.4, color=PALETTE["blue"], label=_chart("p (truth)"))
        ax.bar(x + 0.2, qq, width=0.4, color=PALETTE["orange"], label=_chart("q (model)"))
        ax.set(xlabel=_chart("outcome"), ylabel=_chart("probability"), ylim=(0, 1), xticks=x)
        ax.legend()
        plot.value = _png(fig)

    for s in p_sliders + q_sliders:
        s.observe(redraw, names="value")
    redraw()
    columns = widgets.HBox([widgets.VBox(p_sliders), widgets.VBox(q_sliders)])
    return widgets.VBox([columns, readout, plot])


def _slowdown_readout(run_a: np.ndarray, other_a: np.ndarray, cost: str) -> str:
    """Text shown under the slowdown explorer's controls."""
    other = "cross-entropy" if cost == "quadratic" else "quadratic"
    return _say(
        _SLOWDOWN_READOUT,
        cost=_say(cost.replace("_", "-")),
        start=run_a[0],
        end=run_a[-1],
        n=len(run_a) - 1,
        other=_say(other),
        other_end=other_a[-1],
    )


def slowdown_explorer(
    w: float = 0.6,
    b: float = 0.9,
    eta: float = 0.15,
    epochs: int = 300,
    cost: str = "quadratic",
) -> widgets.VBox:
    """Sliders for the learning-slowdown experiment, with live curves of output and cost.

    One sigmoid neuron with input 1 and target 0 is trained by ``xent.neuron.train`` from the
    chosen ``(w, b)``; the plot shows the output and the cost per iteration for the chosen cost
    (solid) and the other cost (dashed), so the two can be compared at the same rate.

    Parameters
    ----------
    w, b : float, defaults 0.6 and 0.9
        Starting weight and bias, in [-4, 4].
    eta : float, default 0.15
        Learning rate, in [0.005, 1].
    epochs : int, default 300
        Number of iterations, 1 to 1000.
    cost : {"quadratic", "cross_entropy"}, default "quadratic"
        The cost selected at first.

    Returns
    -------
    ipywidgets.VBox
        Children: the ``w``, ``b``, ``eta`` and iterations sliders, the cost buttons, a text
        readout and the plot; every control redraws the readout and the plot.

    Examples
    --------
    >>> box = slowdown_explorer()
    >>> w, b, eta, epochs, cost, readout, plot = box.children
    >>> "0.0940" in readout.value
    True
    >>> w.value, b.value = 2.0, 2.0
    >>> "0.2028" in readout.value
    True
    """
    from . import neuron

    neuron.train(w, b, cost, eta=eta, epochs=epochs)  # validates every argument
    ranges = {"w": (-4.0, 4.0), "b": (-4.0, 4.0), "eta": (0.005, 1.0), "epochs": (1, 1000)}
    for name, value in {"w": w, "b": b, "eta": eta, "epochs": epochs}.items():
        lo, hi = ranges[name]
        if not lo <= value <= hi:
            raise ValueError(f"{name} = {value!r} is outside the explorer's range [{lo}, {hi}]")
    layout = widgets.Layout(width="28em")
    w_slider = widgets.FloatSlider(value=w, min=-4, max=4, step=0.1, description="w", layout=layout)
    b_slider = widgets.FloatSlider(value=b, min=-4, max=4, step=0.1, description="b", layout=layout)
    eta_slider = widgets.FloatSlider(
        value=eta,
        min=0.005,
        max=1.0,
        step=0.005,
        description="η",
        readout_format=".3f",
        layout=layout,
    )
    epochs_slider = widgets.IntSlider(
        value=epochs, min=1, max=1000, description=_say("iterations"), layout=layout
    )
    cost_buttons = widgets.ToggleButtons(
        options=[(_say("quadratic"), "quadratic"), (_say("cross-entropy"), "cross_entropy")],
        value=cost,
        description=_say("cost"),
    )
    readout = widgets.HTML()
    plot = widgets.Image(format="png", layout=_plot_layout())

    def redraw(_change: object = None) -> None:
        chosen = cost_buttons.value
        other = "cross_entropy" if chosen == "quadratic" else "quadratic"
        args = (w_slider.value, b_slider.value)
        kwargs = {"eta": eta_slider.value, "epochs": epochs_slider.value}
        runs = {c: neuron.train(*args, c, **kwargs) for c in (chosen, other)}
        readout.value = _slowdown_readout(runs[chosen].a, runs[other].a, chosen)
        fig, (ax_a, ax_c) = _subplots(1, 2, figsize=(6.4, 3.0))
        for c, style in ((chosen, "-"), (other, "--")):
            colour = PALETTE["blue"] if c == "quadratic" else PALETTE["vermillion"]
            label = _chart(c.replace("_", "-"))
            ax_a.plot(runs[c].a, style, color=colour, label=label)
            ax_c.plot(runs[c].cost, style, color=colour, label=label)
        ax_a.set(xlabel=_chart("iteration"), ylabel=_chart("output a"), ylim=(0, 1))
        ax_c.set(xlabel=_chart("iteration"), ylabel=_chart("cost C"), ylim=(0, None))
        ax_a.legend()
        plot.value = _png(fig)

    for control in (w_slider, b_slider, eta_slider, epochs_slider, cost_buttons):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox(
        [w_slider, b_slider, eta_slider, epochs_slider, cost_buttons, readout, plot]
    )
