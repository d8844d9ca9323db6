"""The kernel-free demos: their HTML, and their scripts driven in a real headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from conftest import open_demo, set_control
from xent import demos, info
from xent.neuron import train

HELPERS = [
    demos.surprisal_demo_html,
    demos.entropy_demo_html,
    demos.kl_demo_html,
    demos.slowdown_demo_html,
]


def test_html_is_small_and_self_contained() -> None:
    html = demos.slowdown_demo_html()
    assert len(html) < 8000
    assert not re.search(r"https?://|//[a-z]|\bsrc=|\bhref=|@import", html)
    assert html.count('type="range"') == 4 and "<select" in html and "<svg" in html


def test_each_demo_gets_its_own_id() -> None:
    ids = {re.search(r'id="(xent-slowdown-\d+)"', demos.slowdown_demo_html())[1] for _ in range(3)}
    assert len(ids) == 3


def test_starting_values_are_set_on_the_controls() -> None:
    html = demos.slowdown_demo_html(w=2.0, b=-1.5, eta=0.005, epochs=120, cost="cross_entropy")
    assert 'name="w" min="-4" max="4" step="0.1" value="2"' in html
    assert 'name="b" min="-4" max="4" step="0.1" value="-1.5"' in html
    assert 'name="eta" min="0.005" max="1" step="0.005" value="0.005"' in html
    assert 'name="epochs" min="1" max="1000" step="1" value="120"' in html
    assert '<option value="cross_entropy" selected>' in html


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cost": "hinge"}, "cost must be one of"),
        ({"w": 9.0}, "outside the demo's slider range"),
        ({"eta": 0.0}, "eta must be positive"),
        ({"eta": 3.0}, "outside the demo's slider range"),
        ({"epochs": 5000}, "outside the demo's slider range"),
        ({"epochs": -1}, "epochs must be 0 or more"),
    ],
)
def test_rejects_bad_starting_values(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        demos.slowdown_demo_html(**kwargs)


def test_notebook_wrapper_returns_displayable_html() -> None:
    shown = demos.slowdown_demo(w=2.0, b=2.0)
    assert "<script>" in shown._repr_html_()


# --- the script, run in a real browser -------------------------------------------------------


@pytest.fixture
def page(offline_page, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Open a demo in a fresh page whose every network request is refused (and recorded)."""

    def show(*args, demo=demos.slowdown_demo_html, **kwargs) -> object:  # type: ignore[no-untyped-def]
        return open_demo(offline_page, tmp_path, demo(*args, **kwargs))

    return show


def readout(pg) -> dict[str, float | str]:  # type: ignore[no-untyped-def]
    el = pg.locator(".readout")
    return {
        "text": el.inner_text(),
        "final": float(el.get_attribute("data-final-a")),
        "other": float(el.get_attribute("data-final-other")),
        "grad0": float(el.get_attribute("data-grad0")),
        "curve": pg.locator("polyline.main").get_attribute("points"),
    }


@pytest.mark.parametrize("start", [(0.6, 0.9), (2.0, 2.0)])
def test_browser_final_outputs_match_python(page, start) -> None:  # type: ignore[no-untyped-def]
    pg = page(w=start[0], b=start[1])
    got = readout(pg)
    quad = train(*start, "quadratic", eta=0.15, epochs=300)
    xent_ = train(*start, "cross_entropy", eta=0.15, epochs=300)
    assert got["final"] == pytest.approx(quad.a[-1], abs=1e-6)
    assert got["other"] == pytest.approx(xent_.a[-1], abs=1e-6)
    assert got["grad0"] == pytest.approx(quad.grad_w[0], abs=1e-6)
    assert f"a = {quad.a[-1]:.4f}" in got["text"]
    assert len(got["curve"].split()) == 301


def test_moving_sliders_changes_curve_and_readout(page) -> None:  # type: ignore[no-untyped-def]
    pg = page()
    before = readout(pg)
    # a real drag: focus the w slider and press the arrow keys (each press is one step of 0.1)
    pg.locator("[name=w]").focus()
    for _ in range(14):
        pg.keyboard.press("ArrowRight")
    assert pg.locator("[name=w]").input_value() == "2"
    assert pg.locator("output[for=w]").inner_text() == "2"
    set_control(pg, "b", "2")
    after = readout(pg)
    assert after["curve"] != before["curve"] and after["text"] != before["text"]
    assert after["final"] == pytest.approx(train(2.0, 2.0, "quadratic").a[-1], abs=1e-6)


def test_cost_rate_and_iterations_controls(page) -> None:  # type: ignore[no-untyped-def]
    pg = page(w=2.0, b=2.0)
    pg.locator("[name=cost]").select_option("cross_entropy")
    got = readout(pg)
    assert got["final"] == pytest.approx(train(2.0, 2.0, "cross_entropy").a[-1], abs=1e-6)
    assert "cross-entropy cost" in pg.locator(".lmain").text_content()
    set_control(pg, "eta", "0.005")
    got = readout(pg)
    ref = train(2.0, 2.0, "cross_entropy", eta=0.005).a[-1]
    assert got["final"] == pytest.approx(ref, abs=1e-6)
    set_control(pg, "epochs", "100")
    got = readout(pg)
    ref = train(2.0, 2.0, "cross_entropy", eta=0.005, epochs=100).a[-1]
    assert got["final"] == pytest.approx(ref, abs=1e-6)
    assert len(got["curve"].split()) == 101
    assert pg.locator(".xmax").text_content() == "100"


def test_demo_on_the_built_page_runs_offline(built_site, offline_page) -> None:  # type: ignore[no-untyped-def]
    """The chapter's demo, as the website serves it, computes train()'s numbers."""
    pg = offline_page
    pg.goto((built_site / "chapters" / "05_learning_slowdown.html").as_uri())
    assert pg.locator(".xent-demo").count() == 1
    assert readout(pg)["final"] == pytest.approx(train(0.6, 0.9, "quadratic").a[-1], abs=1e-6)
    set_control(pg, "w", "2")
    set_control(pg, "b", "2")
    pg.locator("[name=cost]").select_option("cross_entropy")
    ref = train(2.0, 2.0, "cross_entropy").a[-1]
    assert readout(pg)["final"] == pytest.approx(ref, abs=1e-6)


# --- the shared scaffold and the demos of chapters 1 to 3 --------------------------------------


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_every_demo_is_small_and_self_contained(helper) -> None:  # type: ignore[no-untyped-def]
    html = helper()
    # A few KB: 8,000 characters since the demos carry their dark-mode data colours and the
    # layout that keeps their text at least 11 px on a phone (issue 22).
    assert len(html) < 8000
    assert not re.search(r"https?://|//[a-z]|\bsrc=|\bhref=|@import", html)
    assert html.count("<script>") == 1 and "<svg" in html and 'class="readout"' in html
    ids = {re.search(r'<div id="(xent-[a-z]+-\d+)"', helper())[1] for _ in range(3)}
    assert len(ids) == 3, "two demos on one page would share an id"


def test_starting_values_of_the_new_demos() -> None:
    assert 'name="p" min="0.001" max="1" step="0.001" value="0.25"' in demos.surprisal_demo_html()
    html = demos.entropy_demo_html([2, 0, 1, 1])  # renormalised: 0.5, 0, 0.25, 0.25
    assert html.count('type="range"') == 4
    for i, v in enumerate(["0.5", "0", "0.25", "0.25"]):
        assert f'name="w{i}" min="0" max="1" step="0.01" value="{v}"' in html
    html = demos.kl_demo_html([0.6, 0.3, 0.1], [0, 0, 4])
    assert html.count('type="range"') == 6
    assert 'name="p0" min="0" max="1" step="0.01" value="0.6"' in html
    assert 'name="q2" min="0" max="1" step="0.01" value="1"' in html


@pytest.mark.parametrize(
    ("helper", "args", "message"),
    [
        (demos.surprisal_demo_html, (0.0,), "outside the demo's slider range"),
        (demos.surprisal_demo_html, (1.5,), "outside the demo's slider range"),
        (demos.surprisal_demo_html, (float("nan"),), "finite"),
        (demos.surprisal_demo_html, ("0.5",), "single real number"),
        (demos.entropy_demo_html, ([0.5, -0.1, 0.6],), "negative weight"),
        (demos.entropy_demo_html, ([0, 0, 0, 0],), "sum to 0"),
        (demos.entropy_demo_html, ([1.0],), "2 to 6 weights"),
        (demos.entropy_demo_html, ([1] * 7,), "2 to 6 weights"),
        (demos.entropy_demo_html, ([[0.5, 0.5]],), "2 to 6 weights"),
        (demos.entropy_demo_html, ([1, float("inf")],), "infinite"),
        (demos.entropy_demo_html, ([1, float("nan")],), "NaN"),
        (demos.kl_demo_html, ([0.5, 0.5], [0.2, 0.3, 0.5]), "same number of outcomes"),
        (demos.kl_demo_html, ([0.5, 0.5], [-1, 2]), "q has a negative weight"),
        (demos.kl_demo_html, ([0, 0], [1, 2]), "weights p sum to 0"),
    ],
)
def test_new_demos_reject_bad_arguments(helper, args, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        helper(*args)


def test_notebook_wrappers_of_the_new_demos() -> None:
    for shown in (demos.surprisal_demo(0.5), demos.entropy_demo(), demos.kl_demo()):
        assert "<script>" in shown._repr_html_()


def data(pg) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The readout's data-* attributes (full-precision numbers) and its text."""
    return pg.locator(".readout").evaluate("el => ({...el.dataset, text: el.textContent})")


def set_weights(pg, prefix: str, weights) -> None:  # type: ignore[no-untyped-def]
    for i, w in enumerate(weights):
        set_control(pg, f"{prefix}{i}", f"{w:g}")


def test_surprisal_demo_in_the_browser(page) -> None:  # type: ignore[no-untyped-def]
    pg = page(0.25, demo=demos.surprisal_demo_html)
    got = data(pg)
    assert float(got["bits"]) == pytest.approx(2.0, abs=1e-12)
    assert "2.000 bits = 1.386 nats" in got["text"]
    dot = pg.locator(".dot").get_attribute("cy")
    pg.locator("[name=p]").focus()
    pg.keyboard.press("ArrowRight")  # one step: 0.251
    assert data(pg)["text"] != got["text"] and pg.locator(".dot").get_attribute("cy") != dot
    assert pg.locator("output[for=p]").inner_text() == "0.251"
    for p in ["0.001", "0.125", "0.37", "0.5", "0.999", "1"]:
        set_control(pg, "p", p)
        got = data(pg)
        assert float(got["p"]) == float(p)
        assert float(got["bits"]) == pytest.approx(info.surprisal(float(p)), abs=1e-6)
        assert float(got["nats"]) == pytest.approx(info.surprisal(float(p), np.e), abs=1e-6)
        assert f"{info.surprisal(float(p)):.3f} bits" in got["text"]
    assert float(got["bits"]) == 0.0 and "= 0.000 bits" in got["text"]


def test_entropy_demo_in_the_browser(page) -> None:  # type: ignore[no-untyped-def]
    pg = page([0.1, 0.1, 0.1, 0.7], demo=demos.entropy_demo_html)
    start = data(pg)
    assert float(start["h"]) == pytest.approx(info.entropy([0.1, 0.1, 0.1, 0.7]), abs=1e-6)
    assert "log₂ 4 = 2.000" in start["text"]
    pg.locator("[name=w0]").focus()
    pg.keyboard.press("End")
    assert data(pg)["text"] != start["text"]
    rng = np.random.default_rng(5)
    settings = [[1, 1, 1, 1], [0, 0, 0, 1], [0.3, 0, 0.55, 0.2], [0.01, 0, 0, 0.02]]
    settings += [
        list(np.round(rng.uniform(0, 1, 4) * (rng.uniform(size=4) > 0.3), 2)) for _ in range(8)
    ]
    for w in settings:
        if sum(w) == 0:
            continue
        set_weights(pg, "w", w)
        p = np.array(w) / sum(w)
        got = data(pg)
        assert float(got["h"]) == pytest.approx(info.entropy(p), abs=1e-6), w
        assert [float(v) for v in got["p"].split()] == pytest.approx(p, abs=1e-12)
        assert f"H(p) = {info.entropy(p):.3f} bits" in got["text"]
        heights = [
            float(h)
            for h in pg.locator("rect.p").evaluate_all(
                "rs => rs.map(r => r.getAttribute('height'))"
            )
        ]
        assert heights == pytest.approx(180 * p, abs=0.06)
    set_weights(pg, "w", [0, 0, 0, 0])
    got = data(pg)
    assert "h" not in got and "All weights are 0" in got["text"]


def kl_reference(p, q) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {
        "hp": info.entropy(p),
        "hpq": info.cross_entropy(p, q),
        "dpq": info.kl_divergence(p, q),
        "dqp": info.kl_divergence(q, p),
    }


def test_kl_demo_in_the_browser(page) -> None:  # type: ignore[no-untyped-def]
    pg = page(demo=demos.kl_demo_html)
    start = data(pg)
    ref = kl_reference([0.6, 0.3, 0.1], [0.2, 0.3, 0.5])
    for key, value in ref.items():
        assert float(start[key]) == pytest.approx(value, abs=1e-6), key
    set_control(pg, "q1", "0.9")
    assert data(pg)["text"] != start["text"]
    cases = [
        ([0.6, 0.3, 0.1], [0.6, 0.3, 0.1]),  # q = p: both divergences 0
        ([0.5, 0.5, 0], [0.2, 0.3, 0.5]),  # 0 log 0 = 0 in p; D(q || p) infinite
        ([0.2, 0.3, 0.5], [0.5, 0.5, 0]),  # q misses an outcome of p: D(p || q) infinite
        ([1, 0, 0], [0.33, 0.33, 0.34]),
        ([0.07, 0.9, 0.41], [0.8, 0.01, 0.3]),
    ]
    for w_p, w_q in cases:
        set_weights(pg, "p", w_p)
        set_weights(pg, "q", w_q)
        p, q = np.array(w_p) / sum(w_p), np.array(w_q) / sum(w_q)
        got = data(pg)
        for key, value in kl_reference(p, q).items():
            assert float(got[key]) == pytest.approx(value, abs=1e-6), (key, w_p, w_q)
        if np.isinf(info.kl_divergence(p, q)):
            assert "D(p ‖ q) = ∞ bits" in got["text"]
    set_weights(pg, "q", [0, 0, 0])
    got = data(pg)
    assert "dpq" not in got and "All weights of q are 0" in got["text"]


@pytest.mark.parametrize(
    ("chapter", "key", "expected"),
    [
        ("01_information", "bits", info.surprisal(0.25)),
        ("02_entropy", "h", info.entropy([0.1, 0.1, 0.1, 0.7])),
        ("03_kl_and_cross_entropy", "dpq", info.kl_divergence([0.6, 0.3, 0.1], [0.2, 0.3, 0.5])),
    ],
)
def test_chapter_demos_on_the_built_pages(built_site, offline_page, chapter, key, expected) -> None:  # type: ignore[no-untyped-def]
    """Each chapter's demo, as the website serves it, runs offline and computes xent's number."""
    pg = offline_page
    pg.goto((built_site / "chapters" / f"{chapter}.html").as_uri())
    assert pg.locator(".xent-demo").count() == 1
    assert float(data(pg)[key]) == pytest.approx(expected, abs=1e-6)


# --- every demo on a phone: text at least MIN_TEXT_PX px, inside the figure, apart ------------

LOGITS = np.random.default_rng(4).standard_normal((60, 10)) * 4
PHONE_DEMOS = {
    "surprisal": lambda: demos.surprisal_demo_html(0.001),
    "entropy": lambda: demos.entropy_demo_html([1, 2, 3, 4, 5, 6]),
    "kl": lambda: demos.kl_demo_html([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]),
    "kl3": demos.kl_demo_html,
    "slowdown": lambda: demos.slowdown_demo_html(epochs=1000),
    "perplexity": lambda: demos.perplexity_demo_html({"byte trigram": (1.0, 2.36)}),
    "calibration": lambda: demos.calibration_demo_html(LOGITS, LOGITS.argmax(1)),
    "distillation": lambda: demos.distillation_demo_html([5, -2, 0, 1, 3, -4, 2, 0, 1, -1]),
    "preference": lambda: demos.preference_demo_html([0.1] * 10, list(range(10))),
    "sharded": lambda: demos.sharded_demo_html(np.linspace(-3, 3, 10), 9, 6),
}


@pytest.mark.parametrize("name", PHONE_DEMOS)
def test_every_demo_reads_on_a_phone(offline_page, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """At 390 px (a phone; the page's margins as the book's), every chart text is drawn at
    MIN_TEXT_PX px or more, inside its figure, overlapping no other, and the controls are at
    least 24 px tall; in both themes, and with every control at either end. On a desktop the
    figure keeps its 504 units, and its text is not smaller than on the phone."""
    from test_demos_zh import LAYOUT_JS, MOVE_JS

    pg = offline_page
    pg.set_viewport_size({"width": 390, "height": 900})
    path = tmp_path / "phone.html"
    path.write_text(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<body style='margin:0 16px'>{PHONE_DEMOS[name]()}</body>",
        "utf-8",
    )
    pg.goto(path.as_uri())
    assert pg.locator("svg").get_attribute("viewBox").split()[2] != "504"  # laid out narrow
    assert not pg.evaluate(LAYOUT_JS, demos.MIN_TEXT_PX)
    pg.evaluate("document.documentElement.dataset.theme = 'dark'")
    assert not pg.evaluate(LAYOUT_JS, demos.MIN_TEXT_PX)
    controls = pg.locator(".xent-demo input[type=range], .xent-demo select").count()
    for _ in range(2):  # each control to one end, then to the other
        for i in range(controls):
            moved = pg.evaluate(MOVE_JS, i)
            problems = pg.evaluate(LAYOUT_JS, demos.MIN_TEXT_PX)
            assert not problems, f"{name}, {moved} moved: {problems[:5]}"
    readout = pg.locator(".readout").inner_text()
    pg.set_viewport_size({"width": 1280, "height": 900})  # the ResizeObserver lays it out again
    pg.wait_for_function("document.querySelector('svg').getAttribute('viewBox').includes(' 504 ')")
    assert not pg.evaluate(LAYOUT_JS, demos.MIN_TEXT_PX)
    assert pg.locator(".readout").inner_text() == readout  # the same numbers, redrawn
