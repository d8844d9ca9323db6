"""Kernel-free interactive demos for the static website: small self-contained HTML + JavaScript.

Each helper returns a fragment of HTML (a few KB, no external URL, no network) whose script
redoes the computation in the reader's browser as the sliders move. In a notebook, wrap it in
``IPython.display.HTML`` (the ``*_demo`` functions do that) and the same fragment works in
Jupyter and on the built website.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING

from . import neuron
from .plotting import PALETTE

if TYPE_CHECKING:  # IPython is only needed by the notebook-facing wrapper
    from IPython.display import HTML

__all__ = ["SLOWDOWN_RANGES", "slowdown_demo", "slowdown_demo_html"]

#: Slider ranges of the slowdown demo: (min, max, step) for each parameter.
SLOWDOWN_RANGES: dict[str, tuple[float, float, float]] = {
    "w": (-4.0, 4.0, 0.1),
    "b": (-4.0, 4.0, 0.1),
    "eta": (0.005, 1.0, 0.005),
    "epochs": (1, 1000, 1),
}

_ids = itertools.count(1)

_STYLE = """
#{id}{{font:14px/1.4 sans-serif;max-width:40em;border:1px solid #ccc;border-radius:6px;
padding:.6em .8em;margin:1em 0}}
#{id} .ctl{{display:grid;grid-template-columns:5.5em 1fr 4em;gap:.15em .5em;align-items:center}}
#{id} output{{font-variant-numeric:tabular-nums}}
#{id} svg{{width:100%;height:auto;display:block}}
#{id} text{{font-size:11px;fill:#333}}
"""

_SCRIPT = """
(function(){
const root=document.getElementById(%(id)s),X=%(x)s,Y=%(y)s;
const q=s=>root.querySelector(s),inp=n=>q('[name='+n+']');
function sig(z){return z>=0?1/(1+Math.exp(-z)):Math.exp(z)/(1+Math.exp(z));}
function cost(a,z,c){return c==='quadratic'?0.5*(a-Y)*(a-Y):
 Math.log1p(Math.exp(-Math.abs(z)))+Math.max(z,0)-Y*z;}
function run(w,b,eta,n,c){const a=[];let g0=0;
 for(let t=0;t<=n;t++){const z=w*X+b,s=sig(z),d=c==='quadratic'?(s-Y)*s*(1-s):s-Y;
  a.push(s);if(t===0)g0=d*X;if(t<n){w-=eta*d*X;b-=eta*d;}}
 return {a:a,g0:g0,cost:cost(a[n],w*X+b,c)};}
function pts(a){const n=a.length-1;
 return a.map((v,t)=>(40+430*t/n).toFixed(1)+','+(10+180*(1-v)).toFixed(1)).join(' ');}
function draw(){
 const w=+inp('w').value,b=+inp('b').value,eta=+inp('eta').value,n=+inp('epochs').value;
 const c=inp('cost').value,o=c==='quadratic'?'cross_entropy':'quadratic';
 for(const k of ['w','b','eta','epochs'])q('output[for='+k+']').value=inp(k).value;
 const r=run(w,b,eta,n,c),s=run(w,b,eta,n,o),f=r.a[n];
 q('.main').setAttribute('points',pts(r.a));q('.other').setAttribute('points',pts(s.a));
 q('.xmid').textContent=Math.round(n/2);q('.xmax').textContent=n;
 const nm=k=>k.replace('_','-')+' cost';
 q('.lmain').textContent=nm(c);q('.lother').textContent=nm(o);
 const out=q('.readout');out.dataset.finalA=f;out.dataset.finalOther=s.a[n];out.dataset.grad0=r.g0;
 out.textContent='Start: a = '+r.a[0].toFixed(3)+', dC/dw = '+r.g0.toFixed(4)+'. After '+n+
  ' iterations: a = '+f.toFixed(4)+', C = '+r.cost.toPrecision(3)+' (the '+o.replace('_','-')+
  ' cost would give a = '+s.a[n].toFixed(4)+').';}
root.addEventListener('input',draw);draw();})();
"""


def _slider(name: str, label: str, value: float) -> str:
    lo, hi, step = SLOWDOWN_RANGES[name]
    return (
        f'<label for="{{id}}-{name}">{label}</label>'
        f'<input type="range" id="{{id}}-{name}" name="{name}" min="{lo:g}" max="{hi:g}" '
        f'step="{step:g}" value="{value:g}"><output for="{name}">{value:g}</output>'
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
    (the chosen cost solid, the other one dashed) and a readout. The readout element (class
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
    uid = f"xent-slowdown-{next(_ids)}"
    options = "".join(
        f'<option value="{c}"{" selected" if c == cost else ""}>{c.replace("_", "-")}</option>'
        for c in neuron.COSTS
    )
    sliders = "".join(
        _slider(n, label, values[n])
        for n, label in [
            ("w", "weight w"),
            ("b", "bias b"),
            ("eta", "rate η"),
            ("epochs", "iterations"),
        ]
    )
    ticks = "".join(
        f'<line x1="40" x2="470" y1="{10 + 180 * (1 - v):g}" y2="{10 + 180 * (1 - v):g}" '
        f'stroke="#ddd"/><text x="34" y="{14 + 180 * (1 - v):g}" text-anchor="end">{v:g}</text>'
        for v in (0, 0.25, 0.5, 0.75, 1)
    )
    main, other = PALETTE["blue"], PALETTE["vermillion"]
    svg = (
        '<svg viewBox="0 0 480 246" role="img" aria-label="output of the neuron per iteration">'
        f'{ticks}<line x1="40" x2="40" y1="10" y2="190" stroke="#333"/>'
        '<text x="40" y="206" text-anchor="middle">0</text>'
        '<text class="xmid" x="255" y="206" text-anchor="middle"></text>'
        '<text class="xmax" x="470" y="206" text-anchor="middle"></text>'
        '<text x="255" y="222" text-anchor="middle">iteration</text>'
        '<text x="12" y="100" transform="rotate(-90 12 100)" text-anchor="middle">output a</text>'
        f'<polyline class="other" fill="none" stroke="{other}" stroke-width="2" '
        'stroke-dasharray="5 4"/>'
        f'<polyline class="main" fill="none" stroke="{main}" stroke-width="2.5"/>'
        f'<line x1="300" x2="320" y1="236" y2="236" stroke="{main}" stroke-width="2.5"/>'
        '<text class="lmain" x="324" y="239"></text>'
        f'<line x1="120" x2="140" y1="236" y2="236" stroke="{other}" stroke-width="2" '
        'stroke-dasharray="5 4"/><text class="lother" x="144" y="239"></text></svg>'
    )
    script = _SCRIPT % {"id": json.dumps(uid), "x": repr(x), "y": repr(y)}
    return (
        f'<div id="{uid}" class="xent-demo"><style>{_STYLE.format(id=uid)}</style>'
        f'<div class="ctl">{sliders.replace("{id}", uid)}'
        f'<label for="{uid}-cost">cost</label><select id="{uid}-cost" name="cost">{options}'
        f"</select><span></span></div>{svg}"
        f'<p class="readout" aria-live="polite"></p></div><script>{script}</script>'
    )


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
    from IPython.display import HTML

    return HTML(slowdown_demo_html(**kwargs))  # type: ignore[arg-type]
