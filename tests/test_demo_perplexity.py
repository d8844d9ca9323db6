"""Chapter 8's kernel-free perplexity demo: its HTML, and its script in a headless Chromium."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from conftest import open_demo, set_control
from xent import demos

MODELS = {"byte trigram": (1.0, 2.36), "word trigram": (2.3, 2.14)}


def test_html_is_small_and_self_contained() -> None:
    html = demos.perplexity_demo_html(MODELS)
    assert len(html) < 8000
    assert not re.search(r"https?://|//[a-z]|\bsrc=|\bhref=|@import", html)
    assert html.count('type="range"') == 2 and html.count("<script>") == 1
    assert 'name="bpb" min="0.5" max="4" step="0.01" value="2"' in html
    assert 'name="bpt" min="1" max="6" step="0.05" value="1"' in html
    assert "byte trigram" in html and "word trigram" in html
    assert "<b>" not in demos.perplexity_demo_html({"<b>": (1.0, 1.0)})  # labels are escaped


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bits_per_byte": 0.1}, "outside the demo's slider range"),
        ({"bytes_per_token": 7}, "outside the demo's slider range"),
        ({"bits_per_byte": float("nan")}, "finite"),
        ({"models": {"a": (0.0, 1.0)}}, "positive"),
        ({"models": {str(i): (1.0, 1.0) for i in range(7)}}, "at most 6"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        demos.perplexity_demo_html(**kwargs)


def test_notebook_wrapper() -> None:
    assert "<script>" in demos.perplexity_demo(MODELS)._repr_html_()


def test_sliders_give_two_to_the_bits_per_token(offline_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pg = open_demo(offline_page, tmp_path, demos.perplexity_demo_html(MODELS))
    readout = pg.locator(".readout")
    assert float(readout.get_attribute("data-ppl")) == pytest.approx(4.0)
    line = pg.locator("path.line").get_attribute("d")
    for bpb, bpt in [(2.36, 1.0), (2.14, 2.3), (1.64, 4.4), (4.0, 6.0), (0.5, 1.0)]:
        set_control(pg, "bpb", f"{bpb}")
        set_control(pg, "bpt", f"{bpt}")
        assert float(readout.get_attribute("data-bits-per-token")) == pytest.approx(bpb * bpt)
        assert float(readout.get_attribute("data-ppl")) == pytest.approx(2 ** (bpb * bpt))
        assert f"{bpb * bpt:.2f} bits per token" in readout.inner_text()
    # the bits-per-byte slider tilts the line; the model at 4.4 bytes/token and 1.64 bpb: 2^7.2
    assert pg.locator("path.line").get_attribute("d") != line
    set_control(pg, "bpb", "1.64")
    set_control(pg, "bpt", "4.4")
    assert math.log2(float(readout.get_attribute("data-ppl"))) == pytest.approx(1.64 * 4.4)


def test_chapter_demo_on_the_built_page(built_site, offline_page) -> None:  # type: ignore[no-untyped-def]
    pg = offline_page
    pg.goto((built_site / "chapters" / "08_language_models.html").as_uri())
    assert pg.locator(".xent-demo").count() == 1
    assert float(pg.locator(".readout").get_attribute("data-ppl")) == pytest.approx(4.0)
