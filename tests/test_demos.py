"""The kernel-free slowdown demo: its HTML, and its script driven in a real headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from xent import demos
from xent.neuron import train


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
def page(browser, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Open a fresh page whose every network request is refused (and recorded)."""
    context = browser.new_context()
    requests: list[str] = []

    def refuse(route) -> None:  # type: ignore[no-untyped-def]
        requests.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:).*"), refuse)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda err: errors.append(str(err)))

    def open_demo(**kwargs) -> object:  # type: ignore[no-untyped-def]
        path = tmp_path / "demo.html"
        body = demos.slowdown_demo_html(**kwargs)
        path.write_text(f"<!doctype html><meta charset=utf-8><body>{body}</body>", "utf-8")
        pg.goto(path.as_uri())
        return pg

    yield open_demo
    assert not errors, f"the demo's script raised: {errors}"
    assert not requests, f"the demo tried to reach the network: {requests}"
    context.close()


def readout(pg) -> dict[str, float | str]:  # type: ignore[no-untyped-def]
    el = pg.locator(".readout")
    return {
        "text": el.inner_text(),
        "final": float(el.get_attribute("data-final-a")),
        "other": float(el.get_attribute("data-final-other")),
        "grad0": float(el.get_attribute("data-grad0")),
        "curve": pg.locator("polyline.main").get_attribute("points"),
    }


def set_value(pg, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Set a control the way a reader does: change its value and fire the input event."""
    pg.locator(f"[name={name}]").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        value,
    )


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
    set_value(pg, "b", "2")
    after = readout(pg)
    assert after["curve"] != before["curve"] and after["text"] != before["text"]
    assert after["final"] == pytest.approx(train(2.0, 2.0, "quadratic").a[-1], abs=1e-6)


def test_cost_rate_and_iterations_controls(page) -> None:  # type: ignore[no-untyped-def]
    pg = page(w=2.0, b=2.0)
    pg.locator("[name=cost]").select_option("cross_entropy")
    got = readout(pg)
    assert got["final"] == pytest.approx(train(2.0, 2.0, "cross_entropy").a[-1], abs=1e-6)
    assert "cross-entropy cost" in pg.locator(".lmain").text_content()
    set_value(pg, "eta", "0.005")
    got = readout(pg)
    ref = train(2.0, 2.0, "cross_entropy", eta=0.005).a[-1]
    assert got["final"] == pytest.approx(ref, abs=1e-6)
    set_value(pg, "epochs", "100")
    got = readout(pg)
    ref = train(2.0, 2.0, "cross_entropy", eta=0.005, epochs=100).a[-1]
    assert got["final"] == pytest.approx(ref, abs=1e-6)
    assert len(got["curve"].split()) == 101
    assert pg.locator(".xmax").text_content() == "100"


def test_demo_on_the_built_page_runs_offline(built_site, browser) -> None:  # type: ignore[no-untyped-def]
    """The chapter's demo, as the website serves it, computes train()'s numbers."""
    context = browser.new_context()
    outside: list[str] = []
    context.route(re.compile(r"^(?!file:).*"), lambda r: (outside.append(r.request.url), r.abort()))
    pg = context.new_page()
    pg.goto((built_site / "chapters" / "05_learning_slowdown.html").as_uri())
    assert pg.locator(".xent-demo").count() == 1
    assert readout(pg)["final"] == pytest.approx(train(0.6, 0.9, "quadratic").a[-1], abs=1e-6)
    set_value(pg, "w", "2")
    set_value(pg, "b", "2")
    pg.locator("[name=cost]").select_option("cross_entropy")
    ref = train(2.0, 2.0, "cross_entropy").a[-1]
    assert readout(pg)["final"] == pytest.approx(ref, abs=1e-6)
    assert not outside, f"the page tried to reach the network: {outside}"
    context.close()
