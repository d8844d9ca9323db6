"""Chapter 9's kernel-free temperature demo: its HTML, and its script in headless Chromium."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import open_demo, set_control
from xent import calibration as cal
from xent import demos
from xent import functional as xf

RNG = np.random.default_rng(4)
LOGITS = RNG.standard_normal((300, 10)) * 4
LABELS = np.where(RNG.random(300) < 0.8, LOGITS.argmax(axis=1), RNG.integers(0, 10, 300))


def reference(logits, labels, t: float, n_bins: int = 15) -> dict[str, float]:
    """What the demo must show: xent's numbers on the logits rounded as the demo rounds them."""
    x = np.round(np.asarray(logits, dtype=float), 3) / t
    p = xf.softmax(x, dim=1)
    return {
        "accuracy": float(np.mean(p.argmax(axis=1) == labels)),
        "confidence": float(p.max(axis=1).mean()),
        "ece": cal.expected_calibration_error(p, labels, n_bins),
        "nll": float(xf.cross_entropy(x, labels)),
    }


def test_html_is_self_contained_and_starts_where_asked() -> None:
    html = demos.calibration_demo_html(LOGITS, LABELS, temperature=1.5, n_bins=10)
    assert not re.search(r"https?://|//[a-z]|\bsrc=|\bhref=|@import", html)
    assert html.count("<script>") == 1 and html.count('type="range"') == 1
    assert 'name="t" min="0.25" max="4" step="0.01" value="1.5"' in html
    assert html.count('class="acc"') == 10 and 'class="readout"' in html
    ids = {
        re.search(r'<div id="(xent-calibration-\d+)"', demos.calibration_demo_html(LOGITS, LABELS))[
            1
        ]
        for _ in range(3)
    }
    assert len(ids) == 3
    assert "<script>" in demos.calibration_demo(LOGITS, LABELS)._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"logits": np.zeros(5)}, "shape \\(N, C\\)"),
        ({"logits": np.zeros((3, 1)), "labels": np.zeros(3, int)}, "shape \\(N, C\\)"),
        ({"logits": np.full((2, 3), np.inf), "labels": np.zeros(2, int)}, "finite"),
        ({"labels": np.zeros(299, int)}, "one per row"),
        ({"labels": np.zeros(300)}, "integer"),
        ({"labels": np.full(300, 10)}, "class indices in 0..9"),
        ({"temperature": 0.1}, "outside the demo's slider range"),
        ({"temperature": 5.0}, "outside the demo's slider range"),
        ({"n_bins": 0}, "n_bins"),
        ({"n_bins": 2.5}, "n_bins"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message) -> None:  # type: ignore[no-untyped-def]
    args = {"logits": LOGITS, "labels": LABELS, **kwargs}
    with pytest.raises(ValueError, match=message):
        demos.calibration_demo_html(**args)


def readout(pg) -> dict[str, float]:  # type: ignore[no-untyped-def]
    got = pg.locator(".readout").evaluate("el => ({...el.dataset})")
    return {key: float(value) for key, value in got.items()}


def set_temperature(pg, value: str) -> None:  # type: ignore[no-untyped-def]
    set_control(pg, "t", value)


def test_browser_numbers_match_xent_at_every_temperature(offline_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    open_demo(offline_page, tmp_path, demos.calibration_demo_html(LOGITS, LABELS))
    start = offline_page.locator(".readout").inner_text()
    for t in ["1", "0.25", "0.5", "1.37", "2", "4"]:
        set_temperature(offline_page, t)
        got, want = readout(offline_page), reference(LOGITS, LABELS, float(t))
        assert got["t"] == float(t)
        for key, value in want.items():
            assert got[key] == pytest.approx(value, abs=1e-9), (t, key)
        heights = offline_page.locator("rect.acc").evaluate_all(
            "rs => rs.map(r => +r.getAttribute('height'))"
        )
        curve = cal.reliability_curve(xf.softmax(np.round(LOGITS, 3) / float(t), 1), LABELS)
        assert heights == pytest.approx(180 * np.nan_to_num(curve.accuracy), abs=0.06)
    assert offline_page.locator(".readout").inner_text() != start
    # the accuracy never moves with the temperature
    assert got["accuracy"] == reference(LOGITS, LABELS, 1.0)["accuracy"]


def test_demo_on_the_built_chapter(built_site, offline_page) -> None:  # type: ignore[no-untyped-def]
    """The chapter's demo, as the website serves it, shows the numbers the chapter prints."""
    offline_page.goto((built_site / "chapters" / "09_calibration.html").as_uri())
    assert offline_page.locator(".xent-demo").count() == 1
    printed = offline_page.locator("pre", has_text="'accuracy'").first.inner_text()
    before = ast.literal_eval(printed.strip())  # the chapter's scores at T = 1, 4 decimals
    got = readout(offline_page)
    for key in ("accuracy", "confidence", "nll", "ece"):
        assert got[key] == pytest.approx(before[key], abs=6e-5), key
    text = offline_page.locator(".readout").inner_text()
    set_temperature(offline_page, "1.8")
    moved = readout(offline_page)
    assert moved["nll"] < got["nll"] and moved["accuracy"] == got["accuracy"]
    assert offline_page.locator(".readout").inner_text() != text
