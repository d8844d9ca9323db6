"""Kernel-free interactive demos for the static website: small self-contained HTML + JavaScript.

Each helper returns a fragment of HTML (a few KB, no external URL, no network) whose script
redoes the computation in the reader's browser as the sliders move. In a notebook, wrap it in
``IPython.display.HTML`` (the ``*_demo`` functions do that) and the same fragment works in
Jupyter and on the built website.

All demos share one scaffold (``_demo``): a ``div`` with a unique id holding the demos' shared
style, a grid of labelled sliders, an inline SVG figure and a readout paragraph (class
``readout``), and one script. The script starts with a small library (querying inside the
demo, reading sliders, renormalising weights, entropy and KL divergence in bits with
``0 log 0 = 0``, bar charts) and ends by redrawing on every ``input`` event. The readout
carries its numbers at full precision in ``data-*`` attributes, so tests can compare them
with ``xent.info``.

The figure is laid out for the width it is drawn at, so that its text is never smaller than
``MIN_TEXT_PX`` CSS px (issue 22). On a desktop the SVG is 504 units wide, drawn at 504 px or
more. Drawn narrower (a phone), the script makes the SVG's units CSS px: its ``viewBox`` takes
the figure's width, the plot's horizontal positions are recomputed from the fractions of the
plot's width stored in ``data-fx``, ``data-fx2``, ``data-fcx`` and ``data-fwidth``, the legend's
entries stack in rows, and the demo redraws; a ``ResizeObserver`` does it again when the width
changes (a phone turned sideways).
"""

from __future__ import annotations

import itertools
import json
from html import escape as html_escape
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from . import neuron
from ._validation import (
    as_float_array,
    check_class_labels,
    check_distribution,
    check_logit_matrix,
)
from .plotting import CYCLE, PALETTE

if TYPE_CHECKING:  # IPython is only needed by the notebook-facing wrappers
    from IPython.display import HTML

__all__ = [
    "DISTILLATION_TEMPERATURE_RANGE",
    "LOG_BETA_RANGE",
    "PERPLEXITY_RANGES",
    "SLOWDOWN_RANGES",
    "SURPRISAL_RANGE",
    "TEMPERATURE_RANGE",
    "WEIGHT_RANGE",
    "calibration_demo",
    "calibration_demo_html",
    "distillation_demo",
    "distillation_demo_html",
    "entropy_demo",
    "entropy_demo_html",
    "kl_demo",
    "kl_demo_html",
    "perplexity_demo",
    "perplexity_demo_html",
    "preference_demo",
    "preference_demo_html",
    "sharded_demo",
    "sharded_demo_html",
    "slowdown_demo",
    "slowdown_demo_html",
    "surprisal_demo",
    "surprisal_demo_html",
]

#: Slider ranges of the slowdown demo: (min, max, step) for each parameter.
SLOWDOWN_RANGES: dict[str, tuple[float, float, float]] = {
    "w": (-4.0, 4.0, 0.1),
    "b": (-4.0, 4.0, 0.1),
    "eta": (0.005, 1.0, 0.005),
    "epochs": (1, 1000, 1),
}
#: Slider range (min, max, step) of the probability in the surprisal demo.
SURPRISAL_RANGE: tuple[float, float, float] = (0.001, 1.0, 0.001)
#: Slider range (min, max, step) of each weight in the entropy and KL demos.
WEIGHT_RANGE: tuple[float, float, float] = (0.0, 1.0, 0.01)
#: Fewest and most outcomes a distribution demo shows.
_MIN_K, _MAX_K = 2, 6

_ids = itertools.count(1)

#: The width of every demo's SVG figure in its own units on a desktop (the plot runs from x 40
#: to 464; the 24 units left of 0 hold the y-axis title, clear of the tick labels). Drawn
#: narrower than 504 px, the figure's width in units is its width in px (see the module's notes).
_VIEW_LEFT, _VIEW_WIDTH = -24, 504
#: The plot's left edge, and its margin on the right (room for half a centred tick label).
_X0, _RIGHT_MARGIN = 40, 16
_PLOT = _VIEW_LEFT + _VIEW_WIDTH - _RIGHT_MARGIN - _X0
#: The size of a demo's text in its SVG's units, and so at least its size in CSS px: the units
#: are CSS px on a phone and at least that on a desktop.
MIN_TEXT_PX = 11
#: The height of a legend's row when the entries stack (phone layout).
_LEGEND_ROW = 16


def _dark(colour: str) -> str:
    """``colour`` as the website's dark mode shows the book's figures.

    The site inverts figures in dark mode (CSS ``invert(0.88) hue-rotate(180deg)``, see
    ``editions/static/xent-site.css``); the demos' bars and lines get the same colours, so a
    demo's blue is the figures' blue.
    """
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    inverted = [v + 0.88 * (1 - 2 * v) for v in rgb]
    rotate = [[-0.574, 1.43, 0.144], [0.426, 0.43, 0.144], [0.426, 1.43, -0.856]]
    out = [
        min(1.0, max(0.0, sum(m * v for m, v in zip(row, inverted, strict=True)))) for row in rotate
    ]
    return "#" + "".join(f"{round(v * 255):02x}" for v in out)


def _dark_palette() -> str:
    """CSS giving the demos' data colours (fills; the blue and vermillion lines' strokes) their
    dark-mode colours."""
    rules = [f"& [fill='{c}']{{fill:{_dark(c)}}}" for c in CYCLE]
    rules += [f"& [stroke='{c}']{{stroke:{_dark(c)}}}" for c in CYCLE[:2]]
    return "".join(rules)


# ---- the shared scaffold ---------------------------------------------------------------------

# Shared by every demo (class xent-demo): the same rules, so several demos can share a page.
_STYLE = (
    ".xent-demo{font:14px/1.4 sans-serif;max-width:40em;border:1px solid #ccc;border-radius:6px;"
    "background:#fff;color:#222;color-scheme:light;container-type:inline-size;"
    "padding:.6em .8em;margin:1em 0}"
    ".xent-demo .ctl{display:grid;grid-template-columns:5.5em minmax(0,1fr) 4em;gap:.4em .5em;"
    "align-items:center}"
    ".xent-demo .ctl.two{grid-template-columns:3em minmax(0,1fr) 3em 3em minmax(0,1fr) 3em}"
    # Controls a finger can use: at least 24 px tall (WCAG 2.5.8), rows apart.
    ".xent-demo input[type=range]{width:100%;min-width:0;height:28px;margin:0}"
    ".xent-demo select{max-width:100%;min-height:28px;font:inherit}"
    ".xent-demo output{font-variant-numeric:tabular-nums}"
    ".xent-demo svg{width:100%;height:auto;display:block}"
    # Text of MIN_TEXT_PX in the SVG's units, which are never smaller than CSS px: on a phone
    # the script lays the figure out for its width (_JS_LIB's layout), issue 22.
    f".xent-demo text{{font-size:{MIN_TEXT_PX}px;fill:#333}}"
    # On a phone the paired p and q sliders take a row each.
    "@container (max-width:30em){.xent-demo .ctl.two{grid-template-columns:3em minmax(0,1fr) 3em}}"
    # The website's dark mode: a card of the figures' background (white inverted by 0.88,
    # editions/static/xent-site.css), light text and axes, the same data colours.
    "[data-theme=dark] .xent-demo{background:#1f1f1f;color:#ddd;border-color:#555;"
    "color-scheme:dark;& text{fill:#ccc}& :is([stroke='#333'],[stroke='#000']){stroke:#bbb}"
    "& [stroke='#ddd']{stroke:#444}" + _dark_palette() + "}"
)

# The library every demo's script starts with (after `root` and the data `D` are defined).
_JS_LIB = (
    "const $=s=>root.querySelector(s),inp=n=>$('[name='+n+']'),num=n=>+inp(n).value;"
    # The layout: the figure's width W in its units (504, or its width in px when drawn
    # narrower), the plot from X0 to X1, X(f) the point at fraction f of the plot's width.
    f"const svg=$('svg'),X0={_X0},NARROW_MIN=200;let W={_VIEW_WIDTH},X1={_X0 + _PLOT};"
    "const X=f=>X0+(X1-X0)*f;"
    # Lay the figure out for the width it is drawn at; true when that width changed.
    "function layout(){const px=svg.getBoundingClientRect().width,"
    f"w=px>0?Math.max(NARROW_MIN,Math.min({_VIEW_WIDTH},px)):{_VIEW_WIDTH};"
    "if(w===W&&svg.dataset.laid)return false;svg.dataset.laid=1;W=w;"
    f"X1=W+{_VIEW_LEFT - _RIGHT_MARGIN};const narrow=W<{_VIEW_WIDTH};"
    "for(const e of svg.querySelectorAll('[data-fx],[data-fx2],[data-fcx],[data-fwidth]')){"
    "const d=e.dataset;for(const a of ['x','x2','cx'])if(d['f'+a]!==undefined)"
    "e.setAttribute(a,X(+d['f'+a]).toFixed(1));"
    "if(d.fwidth!==undefined)e.setAttribute('width',((X1-X0)*d.fwidth).toFixed(1));}"
    # the legend: one row on a desktop, a row per entry on a phone
    "const lg=svg.querySelectorAll('.lg');lg.forEach((g,i)=>g.setAttribute('transform',"
    f"narrow?'translate('+X0+' '+{_LEGEND_ROW}*i+')':'translate('+g.dataset.x+' 0)'));"
    f"const h=+svg.dataset.h+(narrow&&lg.length>1?{_LEGEND_ROW}*(lg.length-1):0);"
    f"svg.setAttribute('viewBox','{_VIEW_LEFT} 0 '+W+' '+h);return true;}}"
    "const vec=(n,k)=>Array.from({length:k},(_,i)=>num(n+i));"
    # weights divided by their sum, or null when they are all 0
    "function norm(w){const s=w.reduce((a,b)=>a+b,0);return s>0?w.map(v=>v/s):null;}"
    # cross-entropy H(p,r) in bits: terms with p_i = 0 are 0, r_i = 0 under p_i > 0 gives inf
    "function xent(p,r){let h=0;for(let i=0;i<p.length;i++)if(p[i]>0)h-=p[i]*Math.log(r[i]);"
    "return h/Math.LN2+0;}"
    "function kl(p,r){let d=0;for(let i=0;i<p.length;i++)"
    "if(p[i]>0)d+=p[i]*(Math.log(p[i])-Math.log(r[i]));return Math.max(d,0)/Math.LN2;}"
    "const fmt=x=>x===Infinity?'∞':x.toFixed(3);"
    # bars of class c (and their value labels) for the probabilities p (null: all empty)
    # (a bar too narrow for its label, as with 6 outcomes of two series on a phone, has none)
    "function bars(c,p){const t=root.querySelectorAll('text.'+c);"
    "root.querySelectorAll('rect.'+c).forEach((e,i)=>{const v=p?p[i]:0,y=190-180*v;"
    "e.setAttribute('y',y.toFixed(1));e.setAttribute('height',(180*v).toFixed(1));"
    "t[i].setAttribute('y',Math.max(y-3,10).toFixed(1));"
    "t[i].textContent=p&&+e.getAttribute('width')>=24?v.toFixed(2):'';});}"
)

# Show every slider's value next to it, then let the demo redraw; on load and on every input.
_JS_TAIL = (
    "function sync(){for(const e of root.querySelectorAll('input[type=range]'))"
    "$('output[for='+e.name+']').value=e.value;}"
    "root.addEventListener('input',()=>{sync();draw();});layout();sync();draw();"
    "new ResizeObserver(()=>{if(layout())draw();}).observe(svg);})();"
)


def _demo(kind: str, controls: str, figure: str, script: str, data: dict, two: bool = False) -> str:
    """Assemble a demo: shared style, controls, SVG figure, readout and script, unique id.

    ``script`` must define ``function draw()``; it can use the library ``_JS_LIB`` and the
    JSON-serialisable ``data`` as ``D``. ``{id}`` anywhere in the HTML becomes the demo's id.
    """
    uid = f"xent-{kind}-{next(_ids)}"
    head = f"(function(){{const root=document.getElementById({json.dumps(uid)}),"
    head += f"D={json.dumps(data, separators=(',', ':'))};"
    html = (
        f'<div id="{{id}}" class="xent-demo"><style>{_STYLE}</style>'
        f'<div class="ctl{" two" if two else ""}">{controls}</div>{figure}'
        # Shown until the script runs: a notebook saved with its outputs (untrusted) never runs it.
        '<p class="readout" aria-live="polite">Run this cell to start the demo.</p></div>'
    ).replace("{id}", uid)
    return f"{html}<script>{head}{_JS_LIB}{script}{_JS_TAIL}</script>"


def _at(f: float, attr: str = "x") -> str:
    """The attribute ``attr`` (x, x2, cx or width) at fraction ``f`` of the plot's width.

    The value is the desktop layout's; ``data-f<attr>`` keeps ``f`` for the script's layout.
    """
    value = f * _PLOT if attr == "width" else _X0 + f * _PLOT
    return f'{attr}="{value:.1f}" data-f{attr}="{f:.6g}"'


def _slider(name: str, label: str, rng: tuple[float, float, float], value: float) -> str:
    """A labelled range input named ``name`` and the output that shows its value."""
    lo, hi, step = rng
    return (
        f'<label for="{{id}}-{name}">{label}</label>'
        f'<input type="range" id="{{id}}-{name}" name="{name}" min="{lo:g}" max="{hi:g}" '
        f'step="{step:g}" value="{value:g}"><output for="{name}">{value:g}</output>'
    )


def _svg(
    label: str,
    yticks: list[float],
    ytop: float,
    ylabel: str,
    xlabel: str,
    body: str,
    height: int = 226,
) -> str:
    """An SVG figure: plot area x 40..464 (on a desktop), y 190 (value 0) up to 10 (``ytop``).

    ``height`` is the desktop height; on a phone a stacked legend adds rows below it.
    """
    grid = ""
    for v in yticks:
        y = round(190 - 180 * v / ytop, 1)
        grid += (
            f'<line x1="40" {_at(1, "x2")} y1="{y:g}" y2="{y:g}" stroke="#ddd"/>'
            f'<text x="34" y="{y + 4:g}" text-anchor="end">{v:g}</text>'
        )
    return (
        f'<svg viewBox="{_VIEW_LEFT} 0 {_VIEW_WIDTH} {height}" data-h="{height}" role="img" '
        f'aria-label="{label}">{grid}<line x1="40" x2="40" y1="10" y2="190" stroke="#333"/>'
        f'<text x="-8" y="100" transform="rotate(-90 -8 100)" text-anchor="middle">{ylabel}</text>'
        f'<text {_at(0.5)} y="222" text-anchor="middle">{xlabel}</text>{body}</svg>'
    )


def _xtick(f: float, label: str, y: int = 204, cls: str = "") -> str:
    """A label under the x axis at fraction ``f`` of the plot's width."""
    c = f' class="{cls}"' if cls else ""
    return f'<text{c} {_at(f)} y="{y}" text-anchor="middle">{label}</text>'


def _baseline() -> str:
    """The x axis: a line along the plot's bottom."""
    return f'<line x1="40" {_at(1, "x2")} y1="190" y2="190" stroke="#333"/>'


def _bar_chart(
    label: str, k: int, series: list[tuple[str, str]], extra: str = "", xlabel: str = "outcome"
) -> str:
    """Empty bars for ``k`` outcomes, one per (class, colour) in ``series``; JS sizes them."""
    slot = 1 / k  # fractions of the plot's width
    width = 0.7 * slot / len(series)
    body = ""
    for i in range(k):
        for j, (cls, colour) in enumerate(series):
            x = slot * (i + 0.15) + j * width
            body += (
                f'<rect class="{cls}" {_at(x)} y="190" {_at(width, "width")} height="0" '
                f'fill="{colour}"/><text class="{cls}" {_at(x + width / 2)} y="187" '
                'text-anchor="middle"></text>'
            )
        body += _xtick(slot * (i + 0.5), str(i))
    ticks = [0, 0.25, 0.5, 0.75, 1]
    return _svg(label, ticks, 1, "probability", xlabel, body + extra, height=246)


def _legend_entry(x: float, swatch: str, text: str) -> str:
    """One legend entry: ``swatch`` (SVG drawn from x 0, y 230 to 240) then ``text``.

    On a desktop the entry starts at ``x`` on the row under the x label; on a phone the
    entries stack, one row each, from the plot's left edge.
    """
    return f'<g class="lg" data-x="{x:g}" transform="translate({x:g} 0)">{swatch}{text}</g>'


def _legend(entries: list[tuple[str, str]]) -> str:
    """A row of coloured swatches and names under the x label."""
    return "".join(
        _legend_entry(
            150 + 110 * i,
            f'<rect x="0" y="230" width="14" height="10" fill="{colour}"/>',
            f'<text x="18" y="239">{name}</text>',
        )
        for i, (name, colour) in enumerate(entries)
    )


def _display(html: str) -> HTML:
    from IPython.display import HTML

    return HTML(html)


def _start_weights(weights: ArrayLike, name: str) -> list[float]:
    """Validate starting weights; return them as a distribution rounded to the slider step."""
    w = as_float_array(weights, name)
    if w.ndim != 1 or not _MIN_K <= w.size <= _MAX_K:
        raise ValueError(
            f"{name} must be a list of {_MIN_K} to {_MAX_K} weights (one per outcome); "
            f"got shape {w.shape}"
        )
    if not np.isfinite(w).all():
        raise ValueError(f"{name} contains an infinite weight; weights must be finite numbers")
    if (w < 0).any():
        raise ValueError(f"{name} has a negative weight ({w.min():g}); weights must be >= 0")
    total = w.sum()
    if total <= 0:
        raise ValueError(f"the weights {name} sum to 0; at least one must be positive")
    return [round(float(v), 2) for v in w / total]


# ---- chapter 1: surprisal ---------------------------------------------------------------------

_SURPRISAL_JS = (
    "const Y=b=>190-b*180/10.5,bits=p=>-Math.log(p)/Math.LN2+0;"
    "function draw(){const p=num('p'),b=bits(p),n=-Math.log(p)+0,x=X(p),y=Y(b),"
    "d=$('.dot'),l=$('.lab'),out=$('.readout'),pts=[];"
    "for(let i=0;i<=120;i++){const q=Math.pow(1000,i/120-1);"
    "pts.push(X(q).toFixed(1)+','+Y(bits(q)).toFixed(1));}"
    "$('.curve').setAttribute('points',pts.join(' '));"
    "d.setAttribute('cx',x.toFixed(1));d.setAttribute('cy',y.toFixed(1));"
    "$('.guide').setAttribute('d','M'+x.toFixed(1)+' 190V'+y.toFixed(1)+'H40');"
    "const left=p>0.78;l.setAttribute('x',(left?x-8:x+8).toFixed(1));"
    "l.setAttribute('y',(y<30?y+16:y-8).toFixed(1));"
    "l.setAttribute('text-anchor',left?'end':'start');l.textContent=b.toFixed(2)+' bits';"
    "out.dataset.p=p;out.dataset.bits=b;out.dataset.nats=n;"
    "out.textContent='p = '+p.toFixed(3)+': surprisal −log₂ p = '+b.toFixed(3)+' bits = '"
    "+n.toFixed(3)+' nats';}"
)


def surprisal_demo_html(p: float = 0.25) -> str:
    """A self-contained HTML/JS demo of the surprisal ``-log2 p``, as a string.

    A slider sets the probability ``p`` of an event (0.001 to 1 in steps of 0.001); an inline
    SVG shows the curve of ``-log2 p`` with the current point on it, and the readout gives the
    surprisal in bits and in nats. The readout element (class ``readout``) carries ``p`` and
    the two surprisals at full precision in its ``data-p``, ``data-bits`` and ``data-nats``
    attributes (they equal ``xent.info.surprisal``). No external URL, no network.

    Parameters
    ----------
    p : float, default 0.25
        Starting probability, in ``SURPRISAL_RANGE`` (0.001 to 1); rounded to the slider's
        step of 0.001.

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``), a few KB long.

    Raises
    ------
    ValueError
        If ``p`` is not a number in [0.001, 1].

    Examples
    --------
    >>> html = surprisal_demo_html(0.125)
    >>> 'name="p" min="0.001" max="1" step="0.001" value="0.125"' in html
    True
    >>> "http" not in html and len(html) < 7000
    True
    """
    lo, hi, _ = SURPRISAL_RANGE
    value = neuron._check_scalar(p, "p")
    if not lo <= value <= hi:
        raise ValueError(
            f"p = {p!r} is outside the demo's slider range [{lo}, {hi}] (a probability; 0 "
            "itself is left out because an impossible event has infinite surprisal)"
        )
    blue, red = PALETTE["blue"], PALETTE["vermillion"]
    xticks = "".join(_xtick(v, f"{v:g}") for v in (0, 0.25, 0.5, 0.75, 1))
    body = (
        f"{xticks}{_baseline()}"
        f'<polyline class="curve" fill="none" stroke="{blue}" stroke-width="2.5"/>'
        '<path class="guide" fill="none" stroke="#888" stroke-dasharray="3 3"/>'
        f'<circle class="dot" r="5" fill="{red}"/><text class="lab"></text>'
    )
    figure = _svg(
        "the surprisal curve -log2 p",
        [0, 2, 4, 6, 8, 10],
        10.5,
        "surprisal (bits)",
        "probability p",
        body,
    )
    controls = _slider("p", "probability p", SURPRISAL_RANGE, round(value, 3))
    return _demo("surprisal", controls, figure, _SURPRISAL_JS, {})


def surprisal_demo(p: float = 0.25) -> HTML:
    """``surprisal_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook.

    Parameters
    ----------
    p : float, default 0.25
        Starting probability, in [0.001, 1].

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> "<script>" in surprisal_demo(0.5).data
    True
    """
    return _display(surprisal_demo_html(p))


# ---- chapter 2: entropy -----------------------------------------------------------------------

_ENTROPY_JS = (
    "function draw(){const p=norm(vec('w',D.k)),out=$('.readout');bars('p',p);"
    "if(!p){delete out.dataset.h;delete out.dataset.p;"
    "out.textContent='All weights are 0: raise one of them to get a distribution.';return;}"
    "const h=xent(p,p);out.dataset.h=h;out.dataset.p=p.join(' ');"
    "out.textContent='H(p) = '+h.toFixed(3)+' bits (at most log₂ '+D.k+' = '"
    "+Math.log2(D.k).toFixed(3)+'); p = ['+p.map(v=>v.toFixed(3)).join(', ')+']';}"
)


def entropy_demo_html(weights: ArrayLike = (0.1, 0.1, 0.1, 0.7)) -> str:
    """A self-contained HTML/JS demo of the entropy of a distribution, as a string.

    One slider per outcome holds a weight (0 to 1); the distribution is the weights divided by
    their sum, so any setting is a distribution. An inline SVG bar chart shows it (with the
    uniform level ``1/K`` dotted) and the readout gives its entropy in bits, with ``log2 K``
    for reference. The readout (class ``readout``) carries the entropy at full precision in
    ``data-h`` and the distribution in ``data-p`` (space-separated); they equal
    ``xent.info.entropy``. No external URL, no network.

    Parameters
    ----------
    weights : array_like, default (0.1, 0.1, 0.1, 0.7)
        Starting weights, 2 to 6 of them, non-negative with a positive sum. They are divided
        by their sum and rounded to the sliders' step of 0.01.

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``), a few KB long.

    Raises
    ------
    ValueError
        For a negative, infinite or NaN weight, weights summing to 0, or fewer than 2 or more
        than 6 of them.

    Examples
    --------
    >>> html = entropy_demo_html([1, 1, 2, 4])
    >>> html.count('type="range"'), 'name="w3" min="0" max="1" step="0.01" value="0.5"' in html
    (4, True)
    >>> entropy_demo_html([0, 0, 0])
    Traceback (most recent call last):
    ...
    ValueError: the weights weights sum to 0; at least one must be positive
    """
    start = _start_weights(weights, "weights")
    k = len(start)
    controls = "".join(
        _slider(f"w{i}", f"weight {i}", WEIGHT_RANGE, v) for i, v in enumerate(start)
    )
    uniform = round(190 - 180 / k, 1)
    extra = f'<line x1="40" {_at(1, "x2")} y1="{uniform:g}" y2="{uniform:g}" stroke="#000" '
    extra += 'stroke-dasharray="2 3"/>' + _legend_entry(
        170,
        '<line x1="0" x2="30" y1="235" y2="235" stroke="#000" stroke-dasharray="2 3"/>',
        f'<text x="36" y="239">uniform distribution, 1/{k}</text>',
    )
    figure = _bar_chart("bar chart of the distribution", k, [("p", PALETTE["blue"])], extra)
    return _demo("entropy", controls, figure, _ENTROPY_JS, {"k": k})


def entropy_demo(weights: ArrayLike = (0.1, 0.1, 0.1, 0.7)) -> HTML:
    """``entropy_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook.

    Parameters
    ----------
    weights : array_like, default (0.1, 0.1, 0.1, 0.7)
        Starting weights, 2 to 6 of them, non-negative with a positive sum.

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> "<svg" in entropy_demo([0.25, 0.25, 0.25, 0.25]).data
    True
    """
    return _display(entropy_demo_html(weights))


# ---- chapter 3: cross-entropy and KL divergence -----------------------------------------------

_KL_JS = (
    "function draw(){const p=norm(vec('p',D.k)),r=norm(vec('q',D.k)),out=$('.readout');"
    "bars('p',p);bars('q',r);"
    "for(const n of ['hp','hpq','dpq','dqp'])delete out.dataset[n];"
    "if(!p||!r){out.textContent='All weights of '+(p?'q':'p')+' are 0: raise one of them.';"
    "return;}"
    "const v={hp:xent(p,p),hpq:xent(p,r),dpq:kl(p,r),dqp:kl(r,p)};Object.assign(out.dataset,v);"
    "out.textContent='H(p) = '+fmt(v.hp)+' bits, H(p, q) = '+fmt(v.hpq)+' bits, D(p ‖ q) = '"
    "+fmt(v.dpq)+' bits, D(q ‖ p) = '+fmt(v.dqp)+' bits';}"
)


def kl_demo_html(p: ArrayLike = (0.6, 0.3, 0.1), q: ArrayLike = (0.2, 0.3, 0.5)) -> str:
    """A self-contained HTML/JS demo of cross-entropy and KL divergence, as a string.

    Two columns of sliders hold weights for the truth ``p`` and the model ``q`` (each
    renormalised to sum to 1); an inline SVG shows their bars side by side and the readout
    gives ``H(p)``, ``H(p, q)``, ``D(p || q)`` and ``D(q || p)`` in bits (∞ when a model gives
    probability 0 to an outcome the other distribution allows). The readout (class
    ``readout``) carries them at full precision in ``data-hp``, ``data-hpq``, ``data-dpq`` and
    ``data-dqp`` ("Infinity" for ∞); they equal ``xent.info``. No external URL, no network.

    Parameters
    ----------
    p, q : array_like, defaults (0.6, 0.3, 0.1) and (0.2, 0.3, 0.5)
        Starting weights over the same 2 to 6 outcomes, non-negative with a positive sum;
        each is divided by its sum and rounded to the sliders' step of 0.01.

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``), a few KB long.

    Raises
    ------
    ValueError
        For a negative, infinite or NaN weight, weights summing to 0, a wrong number of
        outcomes, or ``p`` and ``q`` of different lengths.

    Examples
    --------
    >>> html = kl_demo_html([0.5, 0.5, 0.0], [0.2, 0.3, 0.5])
    >>> html.count('type="range"'), "http" in html
    (6, False)
    >>> kl_demo_html([0.5, 0.5], [0.2, 0.3, 0.5])
    Traceback (most recent call last):
    ...
    ValueError: p and q must have the same number of outcomes: p has 2, q has 3
    """
    ps, qs = _start_weights(p, "p"), _start_weights(q, "q")
    if len(ps) != len(qs):
        raise ValueError(
            f"p and q must have the same number of outcomes: p has {len(ps)}, q has {len(qs)}"
        )
    k = len(ps)
    controls = "".join(
        _slider(f"p{i}", f"p[{i}]", WEIGHT_RANGE, a) + _slider(f"q{i}", f"q[{i}]", WEIGHT_RANGE, b)
        for i, (a, b) in enumerate(zip(ps, qs, strict=True))
    )
    blue, red = PALETTE["blue"], PALETTE["vermillion"]
    figure = _bar_chart(
        "bar charts of p and q",
        k,
        [("p", blue), ("q", red)],
        _legend([("truth p", blue), ("model q", red)]),
    )
    return _demo("kl", controls, figure, _KL_JS, {"k": k}, two=True)


def kl_demo(p: ArrayLike = (0.6, 0.3, 0.1), q: ArrayLike = (0.2, 0.3, 0.5)) -> HTML:
    """``kl_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook.

    Parameters
    ----------
    p, q : array_like, defaults (0.6, 0.3, 0.1) and (0.2, 0.3, 0.5)
        Starting weights over the same 2 to 6 outcomes.

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> "D(q ‖ p)" in kl_demo().data
    True
    """
    return _display(kl_demo_html(p, q))


# ---- chapter 5: the learning slowdown ---------------------------------------------------------

_SLOWDOWN_JS = (
    "const EX=D.x,EY=D.y;"
    "function sig(z){return z>=0?1/(1+Math.exp(-z)):Math.exp(z)/(1+Math.exp(z));}"
    "function cost(a,z,c){return c==='quadratic'?0.5*(a-EY)*(a-EY):"
    "Math.log1p(Math.exp(-Math.abs(z)))+Math.max(z,0)-EY*z;}"
    "function run(w,b,eta,n,c){const a=[];let g0=0;"
    "for(let t=0;t<=n;t++){const z=w*EX+b,s=sig(z),d=c==='quadratic'?(s-EY)*s*(1-s):s-EY;"
    "a.push(s);if(t===0)g0=d*EX;if(t<n){w-=eta*d*EX;b-=eta*d;}}"
    "return {a:a,g0:g0,cost:cost(a[n],w*EX+b,c)};}"
    "function pts(a){const n=a.length-1;"
    "return a.map((v,t)=>X(t/n).toFixed(1)+','+(10+180*(1-v)).toFixed(1)).join(' ');}"
    "function draw(){"
    "const w=num('w'),b=num('b'),eta=num('eta'),n=num('epochs');"
    "const c=inp('cost').value,o=c==='quadratic'?'cross_entropy':'quadratic';"
    "const r=run(w,b,eta,n,c),s=run(w,b,eta,n,o),f=r.a[n];"
    "$('.main').setAttribute('points',pts(r.a));$('.other').setAttribute('points',pts(s.a));"
    "$('.xmid').textContent=Math.round(n/2);$('.xmax').textContent=n;"
    "const nm=k=>k.replace('_','-')+' cost';"
    "$('.lmain').textContent=nm(c);$('.lother').textContent=nm(o);"
    # line style names the cost, as in the chapter's figures: cross-entropy solid, quadratic dashed
    "for(const [e,k] of [['main',c],['lmline',c],['other',o],['loline',o]])"
    "$('.'+e).setAttribute('stroke-dasharray',k==='quadratic'?'5 4':'none');"
    "const out=$('.readout');out.dataset.finalA=f;out.dataset.finalOther=s.a[n];"
    "out.dataset.grad0=r.g0;"
    "out.textContent='Start: a = '+r.a[0].toFixed(3)+', dC/dw = '+r.g0.toFixed(4)+'. After '+n+"
    "' iterations: a = '+f.toFixed(4)+', C = '+r.cost.toPrecision(3)+' (the '+o.replace('_','-')+"
    "' cost would give a = '+s.a[n].toFixed(4)+').';}"
)


def slowdown_demo_html(
    w: float = 0.6,
    b: float = 0.9,
    eta: float = 0.15,
    epochs: int = 300,
    cost: str = "quadratic",
    x: float = 1.0,
    y: float = 0.0,
) -> str:
    """A self-contained HTML/JS demo of the learning slowdown, as a string.

    Sliders set the starting weight ``w`` and bias ``b``, the learning rate ``eta`` and the
    number of iterations; a menu picks the cost. The page's script runs the same gradient
    descent as ``xent.neuron.train`` and redraws an inline SVG plot of the output per iteration
    (the chosen cost in blue, the other in grey; cross-entropy solid and
    quadratic dashed, as in the chapter's figures) and a readout. The readout element (class
    ``readout``) carries the final outputs at full precision in its ``data-final-a`` and
    ``data-final-other`` attributes, and the first ``dC/dw`` in ``data-grad0``, so tests can
    compare them with Python. No external URL, no network.

    Parameters
    ----------
    w, b : float, defaults 0.6 and 0.9
        Starting weight and bias, within ``SLOWDOWN_RANGES`` (-4 to 4).
    eta : float, default 0.15
        Starting learning rate, in [0.005, 1].
    epochs : int, default 300
        Starting number of iterations, 1 to 1000.
    cost : {"quadratic", "cross_entropy"}, default "quadratic"
        The cost selected at first.
    x, y : float, defaults 1.0 and 0.0
        The training example (fixed in the demo).

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``), a few KB long.

    Raises
    ------
    ValueError
        For an unknown cost or a starting value outside the sliders' ranges.

    Examples
    --------
    >>> html = slowdown_demo_html(w=2.0, b=2.0)
    >>> 'type="range"' in html and "http" not in html
    True
    >>> len(html) < 8000
    True
    """
    neuron._check_cost(cost)
    x, y = neuron._check_scalar(x, "x"), neuron._check_target(y)
    epochs = neuron._check_epochs(epochs)
    values = {"w": w, "b": b, "eta": neuron._check_eta(eta), "epochs": epochs}
    for name, value in values.items():
        lo, hi, _ = SLOWDOWN_RANGES[name]
        value = neuron._check_scalar(value, name)
        if not lo <= value <= hi:
            raise ValueError(f"{name} = {value!r} is outside the demo's slider range [{lo}, {hi}]")
    options = "".join(
        f'<option value="{c}"{" selected" if c == cost else ""}>{c.replace("_", "-")}</option>'
        for c in neuron.COSTS
    )
    labels = {"w": "weight w", "b": "bias b", "eta": "rate η", "epochs": "iterations"}
    controls = "".join(_slider(n, labels[n], SLOWDOWN_RANGES[n], values[n]) for n in labels)
    controls += (
        f'<label for="{{id}}-cost">cost</label><select id="{{id}}-cost" name="cost">{options}'
        "</select><span></span>"
    )
    main, other = PALETTE["blue"], "#888"
    body = (
        _xtick(0, "0", 206)
        + _xtick(0.5, "", 206, "xmid")
        + _xtick(1, "", 206, "xmax")
        + f'<polyline class="other" fill="none" stroke="{other}" stroke-width="2"/>'
        f'<polyline class="main" fill="none" stroke="{main}" stroke-width="2.5"/>'
        + _legend_entry(
            120,
            f'<line class="loline" x1="0" x2="20" y1="236" y2="236" stroke="{other}" '
            'stroke-width="2"/>',
            '<text class="lother" x="24" y="239"></text>',
        )
        + _legend_entry(
            300,
            f'<line class="lmline" x1="0" x2="20" y1="236" y2="236" stroke="{main}" '
            'stroke-width="2.5"/>',
            '<text class="lmain" x="24" y="239"></text>',
        )
    )
    figure = _svg(
        "output of the neuron per iteration",
        [0, 0.25, 0.5, 0.75, 1],
        1,
        "output a",
        "iteration",
        body,
        height=246,
    )
    return _demo("slowdown", controls, figure, _SLOWDOWN_JS, {"x": x, "y": y})


def slowdown_demo(**kwargs: float | int | str) -> HTML:
    """``slowdown_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook cell.

    Parameters
    ----------
    **kwargs
        Passed on to ``slowdown_demo_html``.

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> demo = slowdown_demo(cost="cross_entropy")
    >>> "<script>" in demo.data
    True
    """
    return _display(slowdown_demo_html(**kwargs))  # type: ignore[arg-type]


# ---- chapter 9: calibration and temperature ---------------------------------------------------

#: Slider range (min, max, step) of the temperature in the calibration demo.
TEMPERATURE_RANGE: tuple[float, float, float] = (0.25, 4.0, 0.01)

_CALIBRATION_JS = (
    "const M=D.m,E=Array.from({length:M+1},(_,j)=>j/M);"
    "function draw(){const T=num('t'),n=D.y.length,cnt=new Array(M).fill(0),"
    "sc=new Array(M).fill(0),sa=new Array(M).fill(0);let nll=0,right=0,conf=0;"
    "for(let i=0;i<n;i++){const x=D.x[i],y=D.y[i];let mx=-Infinity,k=0;"
    "for(let c=0;c<x.length;c++)if(x[c]>mx){mx=x[c];k=c;}"
    "let s=0;for(let c=0;c<x.length;c++)s+=Math.exp((x[c]-mx)/T);"
    "const p=1/s,ok=k===y?1:0;nll+=Math.log(s)-(x[y]-mx)/T;right+=ok;conf+=p;"
    # the bin ((b - 1) / M, b / M] of p, edges the correctly rounded b / M as in xent.calibration
    "let b=0;while(b<M-1&&p>E[b+1])b++;cnt[b]++;sc[b]+=p;sa[b]+=ok;}"
    "let ece=0;for(let b=0;b<M;b++)ece+=Math.abs(sa[b]-sc[b])/n;"
    "root.querySelectorAll('rect.acc').forEach((e,b)=>{const a=cnt[b]?sa[b]/cnt[b]:0;"
    "e.setAttribute('y',(190-180*a).toFixed(1));e.setAttribute('height',(180*a).toFixed(1));});"
    "root.querySelectorAll('circle.mc').forEach((e,b)=>{const on=cnt[b]>0;"
    "e.setAttribute('visibility',on?'visible':'hidden');if(!on)return;"
    "e.setAttribute('cx',X(sc[b]/cnt[b]).toFixed(1));"
    "e.setAttribute('cy',(190-180*sa[b]/cnt[b]).toFixed(1));});"
    "nll/=n;const out=$('.readout');out.dataset.t=T;out.dataset.ece=ece;out.dataset.nll=nll;"
    "out.dataset.accuracy=right/n;out.dataset.confidence=conf/n;"
    "out.textContent='T = '+T.toFixed(2)+': accuracy '+(100*right/n).toFixed(1)+' %, mean "
    "confidence '+(100*conf/n).toFixed(1)+' %, ECE '+(100*ece).toFixed(2)+' points, NLL '"
    "+nll.toFixed(4)+' nats';}"
)


def calibration_demo_html(
    logits: ArrayLike, labels: ArrayLike, temperature: float = 1.0, n_bins: int = 15
) -> str:
    """A self-contained HTML/JS demo of temperature scaling, as a string.

    The demo carries a classifier's logits (rounded to three decimals) and the true labels. A
    slider sets the temperature ``T``; the page's script recomputes ``softmax(logits / T)``
    and redraws the reliability diagram (accuracy per bin of top-label confidence as bars,
    each bin's mean confidence and accuracy as a dot, the diagonal dashed) and a readout of
    the accuracy, mean confidence, ECE and NLL, exactly as ``xent.calibration`` and
    ``xent.functional.cross_entropy`` compute them on the rounded logits. The readout (class
    ``readout``) carries them at full precision in ``data-t``, ``data-accuracy``,
    ``data-confidence``, ``data-ece`` and ``data-nll``. No external URL, no network.

    Parameters
    ----------
    logits : array_like
        Logits of shape ``(N, C)``, finite. Each number costs about seven bytes of page.
    labels : array_like of int
        The true classes, shape ``(N,)``.
    temperature : float, default 1.0
        Starting temperature, in ``TEMPERATURE_RANGE`` (0.25 to 4); rounded to the slider's
        step of 0.01.
    n_bins : int, default 15
        Number of equal-width confidence bins, 1 to 50.

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``).

    Raises
    ------
    ValueError
        On logits that are not a finite ``(N, C)`` array, bad labels, a temperature outside
        the slider's range or a bad number of bins.

    Examples
    --------
    >>> html = calibration_demo_html([[2.0, 0.0], [0.5, 1.0]], [0, 0], temperature=2.0)
    >>> 'name="t" min="0.25" max="4" step="0.01" value="2"' in html and "http" not in html
    True
    """
    x = check_logit_matrix(logits)
    y = check_class_labels(labels, x.shape[0], x.shape[1])
    if (
        isinstance(n_bins, bool)
        or not isinstance(n_bins, int | np.integer)
        or not 1 <= n_bins <= 50
    ):
        raise ValueError(f"n_bins must be a whole number from 1 to 50; got {n_bins!r}")
    lo, hi, _ = TEMPERATURE_RANGE
    t = neuron._check_scalar(temperature, "temperature")
    if not lo <= t <= hi:
        raise ValueError(f"temperature = {t!r} is outside the demo's slider range [{lo}, {hi}]")
    m = int(n_bins)
    body = "".join(_xtick(v, f"{v:g}") for v in (0, 0.25, 0.5, 0.75, 1)) + _baseline()
    body += "".join(
        f'<rect class="acc" {_at(b / m)} y="190" {_at(1 / m, "width")} height="0" '
        f'fill="{PALETTE["blue"]}" stroke="#fff"/>'
        for b in range(m)
    )
    body += f'<line x1="40" {_at(1, "x2")} y1="190" y2="10" stroke="#333" stroke-dasharray="5 4"/>'
    body += "".join(
        f'<circle class="mc" r="3.5" cx="40" cy="190" fill="{PALETTE["vermillion"]}"/>'
        for _ in range(m)
    )
    body += _legend(
        [("accuracy", PALETTE["blue"]), ("(confidence, accuracy)", PALETTE["vermillion"])]
    )
    figure = _svg(
        "reliability diagram: accuracy against confidence",
        [0, 0.25, 0.5, 0.75, 1],
        1,
        "accuracy",
        "confidence (top-class probability)",
        body,
        height=246,
    )
    controls = _slider("t", "temp. T", TEMPERATURE_RANGE, round(t, 2))
    data = {"x": np.round(x, 3).tolist(), "y": y.astype(int).tolist(), "m": m}
    return _demo("calibration", controls, figure, _CALIBRATION_JS, data)


def calibration_demo(logits: ArrayLike, labels: ArrayLike, **kwargs: float | int) -> HTML:
    """``calibration_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook.

    Parameters
    ----------
    logits, labels
        As in ``calibration_demo_html``.
    **kwargs
        ``temperature`` and ``n_bins``, passed on.

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> "<script>" in calibration_demo([[2.0, 0.0]], [0]).data
    True
    """
    return _display(calibration_demo_html(logits, labels, **kwargs))  # type: ignore[arg-type]


# ---- chapter 8: perplexity and bits per byte ----------------------------------------------------

#: Slider ranges (min, max, step) of the perplexity demo.
PERPLEXITY_RANGES: dict[str, tuple[float, float, float]] = {
    "bpb": (0.5, 4.0, 0.01),
    "bpt": (1.0, 6.0, 0.05),
}
_PPL_TOP = 4.5  # the plot's top: perplexity 10**4.5


def _ppl_xy(bpt: float, log10_ppl: float) -> tuple[float, float]:
    """(Fraction of the plot's width, SVG y) of (bytes per token, log10 perplexity)."""
    return bpt / 6, 190 - 180 * min(log10_ppl, _PPL_TOP) / _PPL_TOP


_PPL_JS = (
    "const XT=t=>X(t/6),Y=l=>190-180*Math.min(l,D.top)/D.top,L2=Math.log10(2);"
    "function draw(){const bpb=num('bpb'),bpt=num('bpt'),bits=bpb*bpt,ppl=Math.pow(2,bits),"
    "x=XT(bpt),y=Y(bits*L2),out=$('.readout');"
    "const xe=Math.min(6,D.top/(bpb*L2));"  # the line ends at the right or at the top
    "$('.line').setAttribute('d','M'+XT(0)+' '+Y(0)+'L'+XT(xe).toFixed(1)+' '"
    "+Y(xe*bpb*L2).toFixed(1));"
    "$('.dot').setAttribute('cx',x.toFixed(1));$('.dot').setAttribute('cy',y.toFixed(1));"
    "$('.guide').setAttribute('d','M'+x.toFixed(1)+' 190V'+y.toFixed(1)+'H40');"
    "out.dataset.bitsPerToken=bits;out.dataset.ppl=ppl;"
    "const big=v=>v<1e4?v.toFixed(2):v.toExponential(2);"
    "out.textContent=bpb.toFixed(2)+' bits per byte × '+bpt.toFixed(2)+' bytes per token = '"
    "+bits.toFixed(2)+' bits per token: perplexity 2^'+bits.toFixed(2)+' = '+big(ppl)"
    "+'. With 1-byte tokens the same model would report '+big(Math.pow(2,bpb))+'.';}"
)


def perplexity_demo_html(
    models: dict[str, tuple[float, float]] | None = None,
    bits_per_byte: float = 2.0,
    bytes_per_token: float = 1.0,
) -> str:
    """A self-contained HTML/JS demo of perplexity against bits per byte, as a string.

    Two sliders set a model's bits per byte and its tokenizer's average bytes per token; the
    readout gives the bits per token (their product) and the perplexity it implies,
    ``2 ** (bits_per_byte * bytes_per_token)``. An inline SVG plots perplexity on a log
    scale against bytes per token: at a fixed bits per byte it is a straight line, which the
    ``bits per byte`` slider tilts; ``models`` are marked as points. The readout (class
    ``readout``) carries ``data-bits-per-token`` and ``data-ppl`` at full precision. No
    external URL, no network.

    Parameters
    ----------
    models : dict, optional
        Up to 6 models to mark, ``{label: (bytes_per_token, bits_per_byte)}``, each number
        finite and positive (points above the plot are drawn at its top).
    bits_per_byte : float, default 2.0
        Starting bits per byte, in ``PERPLEXITY_RANGES["bpb"]`` (0.5 to 4).
    bytes_per_token : float, default 1.0
        Starting bytes per token, in ``PERPLEXITY_RANGES["bpt"]`` (1 to 6).

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``), a few KB long.

    Raises
    ------
    ValueError
        For a starting value outside the sliders' ranges, more than 6 models, or a model
        whose numbers are not finite and positive.

    Examples
    --------
    >>> html = perplexity_demo_html({"words": (4.4, 1.64)}, bits_per_byte=1.5)
    >>> 'name="bpb" min="0.5" max="4" step="0.01" value="1.5"' in html, "http" in html
    (True, False)
    >>> perplexity_demo_html(bytes_per_token=9)
    Traceback (most recent call last):
    ...
    ValueError: bytes_per_token = 9.0 is outside the demo's slider range [1.0, 6.0]
    """
    starts = {"bpb": ("bits_per_byte", bits_per_byte), "bpt": ("bytes_per_token", bytes_per_token)}
    values = {}
    for key, (name, value) in starts.items():
        lo, hi, _ = PERPLEXITY_RANGES[key]
        value = neuron._check_scalar(value, name)
        if not lo <= value <= hi:
            raise ValueError(f"{name} = {value!r} is outside the demo's slider range [{lo}, {hi}]")
        values[key] = value
    models = dict(models or {})
    if len(models) > 6:
        raise ValueError(f"the demo marks at most 6 models; got {len(models)}")
    points = ""
    for i, (label, pair) in enumerate(models.items()):
        bpt, bpb = (neuron._check_scalar(v, f"models[{label!r}]") for v in pair)
        if bpt <= 0 or bpb <= 0:
            raise ValueError(f"models[{label!r}] needs positive bytes per token and bits per byte")
        x, y = _ppl_xy(min(bpt, 6), bpt * bpb * np.log10(2))
        colour = CYCLE[i % len(CYCLE)]
        points += (
            f'<circle {_at(x, "cx")} cy="{y:.1f}" r="4" fill="{colour}" fill-opacity=".8"/>'
            f'<circle cx="52" cy="{20 + 20 * i}" r="4" fill="{colour}"/>'
            f'<text x="60" y="{25 + 20 * i}">'
            f"{html_escape(str(label))}</text>"
        )
    grid = ""
    for k, tick in enumerate(("1", "10", "100", "1k", "10k")):
        y = round(190 - 180 * k / _PPL_TOP, 1)
        grid += (
            f'<line x1="40" {_at(1, "x2")} y1="{y:g}" y2="{y:g}" stroke="#ddd"/>'
            f'<text x="34" y="{y + 4:g}" text-anchor="end">{tick}</text>'
        )
    xticks = "".join(_xtick(t / 6, str(t)) for t in range(7))
    body = (
        f"{grid}{xticks}{_baseline()}"
        f'<path class="line" fill="none" stroke="{PALETTE["blue"]}" stroke-width="2.5"/>'
        '<path class="guide" fill="none" stroke="#888" stroke-dasharray="3 3"/>'
        # The reader's point: a ring, unlike the models' filled dots.
        f'{points}<circle class="dot" r="6" fill="none" stroke="#333" stroke-width="2.5"/>'
    )
    figure = _svg(
        "perplexity against bytes per token at a fixed bits per byte",
        [],
        _PPL_TOP,
        "perplexity (log scale)",
        "bytes per token",
        body,
    )
    controls = _slider("bpb", "bits per byte", PERPLEXITY_RANGES["bpb"], values["bpb"])
    controls += _slider("bpt", "bytes per token", PERPLEXITY_RANGES["bpt"], values["bpt"])
    return _demo("perplexity", controls, figure, _PPL_JS, {"top": _PPL_TOP})


def perplexity_demo(
    models: dict[str, tuple[float, float]] | None = None,
    bits_per_byte: float = 2.0,
    bytes_per_token: float = 1.0,
) -> HTML:
    """``perplexity_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook.

    Parameters
    ----------
    models, bits_per_byte, bytes_per_token
        As in ``perplexity_demo_html``.

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> "bits per token" in perplexity_demo().data
    True
    """
    return _display(perplexity_demo_html(models, bits_per_byte, bytes_per_token))


# ---- chapter 10: distillation's temperature -----------------------------------------------------

#: Slider range (min, max, step) of the temperature in the distillation demo.
DISTILLATION_TEMPERATURE_RANGE: tuple[float, float, float] = (0.5, 20.0, 0.1)
#: Fewest and most classes the distillation and preference demos show.
_MAX_BARS = 10

_DISTILLATION_JS = (
    "const V=D.v,C=V.length,M=Math.max(...V);"
    "function draw(){const T=num('t'),e=V.map(v=>Math.exp((v-M)/T)),"
    "s=e.reduce((a,b)=>a+b,0),p=e.map(v=>v/s),out=$('.readout');bars('p',p);"
    "let h=0;for(const v of p)if(v>0)h-=v*Math.log(v);h=Math.max(h,0);"
    # the soft term's gradient T (q_T - p_T) for a student whose logits are all 0 (q_T uniform)
    "const g=Math.sqrt(p.reduce((a,v)=>a+(T*(1/C-v))**2,0)/C),top=Math.max(...p);"
    "Object.assign(out.dataset,{t:T,top:top,h:h,floor:T*T*h,grad:g,gradKl:g/(T*T)});"
    "out.textContent='T = '+T.toFixed(1)+': the top class gets '+top.toFixed(3)+', the other '"
    "+(C-1)+' share '+(1-top).toFixed(3)+'. H(p_T) = '+h.toFixed(3)+' nats (at most ln '+C+' = '"
    "+Math.log(C).toFixed(3)+'), floor T²·H(p_T) = '+(T*T*h).toFixed(3)+' nats. Gradient size "
    "for a student at 0: '+g.toFixed(4)+' with T², '+(g/(T*T)).toPrecision(3)+' without.';}"
)


def _check_bars(values: ArrayLike, name: str) -> np.ndarray:
    """A finite vector of 2 to ``_MAX_BARS`` numbers, one per bar."""
    try:
        if np.isnan(np.asarray(values, dtype=np.float64)).any():
            raise ValueError(f"{name} must hold finite numbers; it contains NaN")
    except TypeError:
        pass  # not numbers: as_float_array says so
    v = as_float_array(values, name).astype(np.float64)
    if v.ndim != 1 or not 2 <= v.size <= _MAX_BARS:
        raise ValueError(
            f"{name} must be a vector of 2 to {_MAX_BARS} numbers, one per bar; got shape {v.shape}"
        )
    if not np.isfinite(v).all():
        raise ValueError(f"{name} must hold finite numbers")
    return v


def distillation_demo_html(
    teacher_logits: ArrayLike, temperature: float = 1.0, xlabel: str = "class"
) -> str:
    """A self-contained HTML/JS demo of distillation's temperature, as a string.

    The demo holds one example's teacher logits ``v``. A slider sets the temperature ``T``;
    an inline SVG draws the soft targets ``p_T = softmax(v / T)`` as bars (the uniform level
    ``1/C`` dotted), and the readout gives the top class's probability and the share of the
    others (the "dark knowledge"), the entropy ``H(p_T)`` in nats, the floor ``T**2 H(p_T)``
    of the cross-entropy form of the soft loss, and the size (root mean square) of the soft
    term's gradient ``T (q_T - p_T)`` for a student whose logits are all 0, with the factor
    ``T**2`` and without it. The readout (class ``readout``) carries them at full precision
    in ``data-t``, ``data-top``, ``data-h``, ``data-floor``, ``data-grad`` and
    ``data-grad-kl``; they equal ``xent.functional.softmax``, ``xent.info.entropy`` (base e)
    and ``xent.functional.distillation_loss_grad``. No external URL, no network.

    Parameters
    ----------
    teacher_logits : array_like
        The teacher's logits for one example, 2 to 10 finite numbers.
    temperature : float, default 1.0
        Starting temperature, in ``DISTILLATION_TEMPERATURE_RANGE`` (0.5 to 20); rounded to
        the slider's step of 0.1.
    xlabel : str, default "class"
        The x axis's title (what the classes are).

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``), a few KB long.

    Raises
    ------
    ValueError
        For logits that are not 2 to 10 finite numbers, or a temperature outside the slider's
        range.

    Examples
    --------
    >>> html = distillation_demo_html([4.0, 1.0, 0.5, -2.0], temperature=4)
    >>> 'name="t" min="0.5" max="20" step="0.1" value="4"' in html, "http" in html
    (True, False)
    >>> distillation_demo_html([1.0])
    Traceback (most recent call last):
    ...
    ValueError: teacher_logits must be a vector of 2 to 10 numbers, one per bar; got shape (1,)
    """
    v = _check_bars(teacher_logits, "teacher_logits")
    lo, hi, _ = DISTILLATION_TEMPERATURE_RANGE
    t = neuron._check_scalar(temperature, "temperature")
    if not lo <= t <= hi:
        raise ValueError(f"temperature = {t!r} is outside the demo's slider range [{lo}, {hi}]")
    k = v.size
    uniform = round(190 - 180 / k, 1)
    extra = f'<line x1="40" {_at(1, "x2")} y1="{uniform:g}" y2="{uniform:g}" stroke="#000" '
    extra += 'stroke-dasharray="2 3"/>' + _legend_entry(
        150,
        '<line x1="0" x2="30" y1="235" y2="235" stroke="#000" stroke-dasharray="2 3"/>',
        f'<text x="36" y="239">uniform, 1/{k}</text>',
    )
    figure = _bar_chart(
        "bar chart of the soft targets p_T", k, [("p", PALETTE["blue"])], extra, html_escape(xlabel)
    )
    controls = _slider("t", "temp. T", DISTILLATION_TEMPERATURE_RANGE, round(t, 1))
    return _demo("distillation", controls, figure, _DISTILLATION_JS, {"v": v.tolist()})


def distillation_demo(
    teacher_logits: ArrayLike, temperature: float = 1.0, xlabel: str = "class"
) -> HTML:
    """``distillation_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook.

    Parameters
    ----------
    teacher_logits, temperature, xlabel
        As in ``distillation_demo_html``.

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> "<script>" in distillation_demo([2.0, 0.0, -1.0]).data
    True
    """
    return _display(distillation_demo_html(teacher_logits, temperature, xlabel))


# ---- chapter 12: the KL-regularised policy ----------------------------------------------------

#: Slider range (min, max, step) of log10(beta) in the preference demo: beta from 0.05 to 10.
LOG_BETA_RANGE: tuple[float, float, float] = (-1.3, 1.0, 0.01)

_PREFERENCE_JS = (
    "const R=D.r,P0=D.ref,K=R.length;"
    "function draw(){const b=Math.pow(10,num('lb')),out=$('.readout');"
    "$('output[for=lb]').value=b.toFixed(2);"
    # pi* = softmax(log pi_ref + r / beta), as xent.preferences.kl_regularised_policy
    "const l=P0.map((q,i)=>q>0?Math.log(q)+R[i]/b:-Infinity),m=Math.max(...l),"
    "e=l.map(v=>Math.exp(v-m)),s=e.reduce((a,c)=>a+c,0),p=e.map(v=>v/s);"
    "bars('r',P0);bars('s',p);let er=0,e0=0,kl=0;"
    "for(let i=0;i<K;i++){er+=p[i]*R[i];e0+=P0[i]*R[i];if(p[i]>0)kl+=p[i]*Math.log(p[i]/P0[i]);}"
    "kl=Math.max(kl,0);const j=er-b*kl;"
    "Object.assign(out.dataset,{beta:b,reward:er,refReward:e0,kl:kl,j:j,p:p.join(' ')});"
    "out.textContent='β = '+b.toFixed(2)+': expected reward '+er.toFixed(3)+' (reference '"
    "+e0.toFixed(3)+'), KL(π* ‖ π_ref) = '+kl.toFixed(3)+' nats, J = E[r] − β·KL = '"
    "+j.toFixed(3)+'.';}"
)


def preference_demo_html(
    reference: ArrayLike, reward: ArrayLike, beta: float = 1.0, xlabel: str = "response"
) -> str:
    """A self-contained HTML/JS demo of the KL-regularised optimum, as a string.

    The demo holds a reference policy ``pi_ref`` and a reward over the same 2 to 10
    responses. A slider sets ``beta`` on a log scale (0.05 to 10); an inline SVG draws the
    bars of ``pi_ref`` and of the optimum ``pi* = pi_ref exp(r / beta) / Z`` side by side,
    and the readout gives ``pi*``'s expected reward (and the reference's), the KL divergence
    ``KL(pi* || pi_ref)`` in nats and the objective ``J = E[r] - beta KL``. The readout (class
    ``readout``) carries them at full precision in ``data-beta``, ``data-reward``,
    ``data-ref-reward``, ``data-kl``, ``data-j`` and ``data-p`` (``pi*``, space-separated);
    they equal ``xent.preferences.kl_regularised_policy`` and ``xent.info.kl_divergence``
    (base e). No external URL, no network.

    Parameters
    ----------
    reference : array_like
        The reference policy, a distribution over 2 to 10 responses.
    reward : array_like
        One finite reward per response.
    beta : float, default 1.0
        Starting ``beta``, from 0.05 to 10 (``10 ** LOG_BETA_RANGE``); the slider holds
        ``log10(beta)`` rounded to its step of 0.01.
    xlabel : str, default "response"
        The x axis's title (say, how the responses are ordered).

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``), a few KB long.

    Raises
    ------
    ValueError
        If ``reference`` is not a distribution over 2 to 10 responses, the rewards are not
        finite or not one per response, or ``beta`` is outside the slider's range.

    Examples
    --------
    >>> html = preference_demo_html([0.5, 0.3, 0.2], [0.0, 1.0, 2.0], beta=0.1)
    >>> 'name="lb" min="-1.3" max="1" step="0.01" value="-1"' in html, "http" in html
    (True, False)
    >>> preference_demo_html([0.5, 0.5], [0.0, 1.0, 2.0])
    Traceback (most recent call last):
    ...
    ValueError: reward must hold one number per response: reference has 2, reward has 3
    """
    ref = _check_bars(check_distribution(reference, "reference"), "reference")
    r = _check_bars(reward, "reward")
    if r.size != ref.size:
        raise ValueError(
            f"reward must hold one number per response: reference has {ref.size}, "
            f"reward has {r.size}"
        )
    lo, hi, _ = LOG_BETA_RANGE
    b = neuron._check_scalar(beta, "beta")
    if not 10**lo - 1e-12 <= b <= 10**hi + 1e-12:
        raise ValueError(
            f"beta = {b!r} is outside the demo's slider range [{10**lo:.2f}, {10**hi:g}]"
        )
    blue = PALETTE["blue"]
    figure = _bar_chart(
        "bar charts of the reference policy and the optimum",
        ref.size,
        [("r", "#888888"), ("s", blue)],
        _legend([("reference π_ref", "#888888"), ("optimum π*", blue)]),
        html_escape(xlabel),
    )
    controls = _slider("lb", "β", LOG_BETA_RANGE, round(float(np.log10(b)), 2))
    data = {"r": r.tolist(), "ref": ref.tolist()}
    return _demo("preference", controls, figure, _PREFERENCE_JS, data)


def preference_demo(
    reference: ArrayLike, reward: ArrayLike, beta: float = 1.0, xlabel: str = "response"
) -> HTML:
    """``preference_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook.

    Parameters
    ----------
    reference, reward, beta, xlabel
        As in ``preference_demo_html``.

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> "<script>" in preference_demo([0.5, 0.5], [0.0, 1.0]).data
    True
    """
    return _display(preference_demo_html(reference, reward, beta, xlabel))


# ---- chapter 13: one softmax over many processes ------------------------------------------------

#: Most processes the vocabulary-parallel demo splits its vocabulary over.
_MAX_PROCESSES = 6

_SHARDED_JS = (
    "const Z=D.z,V=Z.length,CY=D.c,f2=v=>v.toFixed(2);"
    "function draw(){const P=num('procs'),y=num('y'),b=Math.floor(V/P),x=V%P,out=$('.readout'),"
    "st=r=>r*b+Math.min(r,x),mx=[],sm=[],rg=[];"
    # 1. each process's largest logit, all-reduced with MAX
    "for(let r=0;r<P;r++){let v=-Infinity;for(let c=st(r);c<st(r+1);c++)v=Math.max(v,Z[c]);"
    "mx.push(v);rg.push(st(r)+'–'+(st(r+1)-1));}const m=Math.max(...mx);"
    # 2. each process's sum of exp(z - m), all-reduced with SUM; 3. z_y - m from its owner
    "let s=0,own=0;for(let r=0;r<P;r++){let v=0;for(let c=st(r);c<st(r+1);c++)v+=Math.exp(Z[c]-m);"
    "sm.push(v);s+=v;if(y>=st(r)&&y<st(r+1))own=r;}const zy=Z[y]-m,loss=-zy+Math.log(s);"
    "let one=0;for(const v of Z)one+=Math.exp(v-m);one=Math.log(one)-zy;"
    "bars('p',Z.map(v=>Math.exp(v-m)/s));"
    "root.querySelectorAll('rect.p').forEach((e,c)=>{let r=0;while(c>=st(r+1))r++;"
    "e.setAttribute('fill',CY[r%CY.length]);e.setAttribute('stroke',c===y?'#000':'none');"
    "e.setAttribute('stroke-width',c===y?'2':'0');});"
    "Object.assign(out.dataset,{procs:P,m:m,s:s,zy:zy,loss:loss,one:one,maxima:mx.join(' '),"
    "sums:sm.join(' ')});"
    "out.textContent='P = '+P+', tokens '+rg.join(' | ')+'. Local maxima '+mx.map(f2).join(', ')"
    "+' → m = '+f2(m)+'; local sums of exp(z − m) '+sm.map(f2).join(', ')+' → s = '+f2(s)"
    "+'; the target '+y+' is on process '+own+': z_y − m = '+f2(zy)+'. Loss (m − z_y) + log s = '"
    "+loss.toFixed(4)+' nats; on one process: '+one.toFixed(4)+' nats.';}"
)


def sharded_demo_html(logits: ArrayLike, target: int = 0, processes: int = 2) -> str:
    """A self-contained HTML/JS demo of vocabulary-parallel cross-entropy, as a string.

    The demo holds one position's logits over a small vocabulary. Sliders set the number of
    processes ``P`` the vocabulary is split over (contiguous blocks, as
    ``xent.distributed.shard_bounds``) and the target token; an inline SVG draws the softmax
    as bars coloured by the process that holds each token (the target outlined), and the
    readout gives each process's largest logit and sum of ``exp(z - m)``, the three
    all-reduced numbers ``m``, ``s`` and ``z_y - m``, the loss ``(m - z_y) + log s`` and the
    loss computed on one process. The readout (class ``readout``) carries them at full
    precision in ``data-procs``, ``data-m``, ``data-s``, ``data-zy``, ``data-loss``,
    ``data-one``, ``data-maxima`` and ``data-sums`` (space-separated, one per process); they
    equal ``xent.distributed.sharded_cross_entropy`` and ``xent.functional.cross_entropy``.
    No external URL, no network.

    Parameters
    ----------
    logits : array_like
        One position's logits, 2 to 10 finite numbers (the vocabulary).
    target : int, default 0
        Starting target token, ``0 <= target < len(logits)``.
    processes : int, default 2
        Starting number of processes, 1 to ``min(6, len(logits))``.

    Returns
    -------
    str
        An HTML fragment (a ``div`` with a unique id and one ``script``), a few KB long.

    Raises
    ------
    ValueError
        For logits that are not 2 to 10 finite numbers, or a target or number of processes
        that is not a whole number in its range.

    Examples
    --------
    >>> html = sharded_demo_html([2.0, -1.0, 0.5, 3.0, 1.0, 0.0], target=3, processes=3)
    >>> 'name="procs" min="1" max="6" step="1" value="3"' in html, "http" in html
    (True, False)
    >>> sharded_demo_html([1.0, 2.0], processes=3)
    Traceback (most recent call last):
    ...
    ValueError: processes must be a whole number from 1 to 2 (at least one token each); got 3
    """
    z = _check_bars(logits, "logits")
    v = z.size
    most = min(_MAX_PROCESSES, v)
    for name, value, top, why in (
        ("target", target, v - 1, "a token of the vocabulary"),
        ("processes", processes, most, "at least one token each"),
    ):
        low = 0 if name == "target" else 1
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or not low <= value <= top
        ):
            raise ValueError(
                f"{name} must be a whole number from {low} to {top} ({why}); got {value!r}"
            )
    controls = _slider("procs", "proc. P", (1, most, 1), int(processes))
    controls += _slider("y", "target y", (0, v - 1, 1), int(target))
    figure = _bar_chart(
        "softmax of the logits, coloured by the process that holds each token",
        v,
        [("p", PALETTE["blue"])],
        "",
        "token (colour: its process)",
    )
    data = {"z": z.tolist(), "c": CYCLE}
    return _demo("sharded", controls, figure, _SHARDED_JS, data)


def sharded_demo(logits: ArrayLike, target: int = 0, processes: int = 2) -> HTML:
    """``sharded_demo_html`` wrapped in ``IPython.display.HTML``, to display in a notebook.

    Parameters
    ----------
    logits, target, processes
        As in ``sharded_demo_html``.

    Returns
    -------
    IPython.display.HTML
        Displays the demo when it is the last value of a cell.

    Examples
    --------
    >>> "<script>" in sharded_demo([1.0, 2.0, 3.0]).data
    True
    """
    return _display(sharded_demo_html(logits, target, processes))
