"""Part V's kernel-free demos: distillation's temperature (chapter 10), the KL-regularised
optimum over beta (chapter 12) and vocabulary-parallel cross-entropy (chapter 13). Their HTML,
and their scripts driven in headless Chromium, compared with xent's functions."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from conftest import open_demo, set_control
from xent import demos, info
from xent import distributed as xd
from xent import functional as xf
from xent import preferences as pref

TEACHER = [-7.3, -3.9, -0.6, -3.5, -3.8, -0.9, -7.6, 6.8, -2.9, -2.6]  # a digit's logits
REFERENCE = [0.05, 0.2, 0.1, 0.15, 0.1, 0.05, 0.1, 0.15, 0.05, 0.05]
REWARD = [-1.3, -1.0, -0.7, -0.3, 0.0, 0.2, 0.5, 0.9, 1.2, 1.6]
LOGITS = [1.5, -0.8, 0.3, 2.9, 0.7, -1.9, 1.1, 0.2, -0.4, 2.2]
SELF_CONTAINED = re.compile(r"https?://|//[a-z]|\bsrc=|\bhref=|@import")


def data(pg) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The readout's data-* attributes (full-precision numbers) and its text."""
    return pg.locator(".readout").evaluate("el => ({...el.dataset, text: el.textContent})")


def bar_heights(pg, cls: str) -> list[float]:  # type: ignore[no-untyped-def]
    return pg.locator(f"rect.{cls}").evaluate_all("rs => rs.map(r => +r.getAttribute('height'))")


# --- HTML and arguments ----------------------------------------------------------------------


def test_distillation_html() -> None:
    html = demos.distillation_demo_html(TEACHER, temperature=4.0, xlabel="digit")
    # A few KB: ten bars, each with its label and the plot fractions of the phone layout.
    assert not SELF_CONTAINED.search(html) and len(html) < 12000
    assert html.count("<script>") == 1 and html.count('type="range"') == 1
    assert 'name="t" min="0.5" max="20" step="0.1" value="4"' in html
    assert html.count('<rect class="p"') == 10 and ">digit</text>" in html
    ids = {re.search(r'id="(xent-distillation-\d+)"', demos.distillation_demo_html(TEACHER))[1]}
    ids.add(re.search(r'id="(xent-distillation-\d+)"', demos.distillation_demo_html(TEACHER))[1])
    assert len(ids) == 2
    assert "<script>" in demos.distillation_demo(TEACHER)._repr_html_()
    assert "<b>" not in demos.distillation_demo_html(TEACHER, xlabel="<b>")  # escaped


def test_preference_html() -> None:
    html = demos.preference_demo_html(REFERENCE, REWARD, beta=0.1)
    assert not SELF_CONTAINED.search(html) and len(html) < 12000  # twenty bars
    assert html.count("<script>") == 1 and html.count('type="range"') == 1
    assert 'name="lb" min="-1.3" max="1" step="0.01" value="-1"' in html
    assert html.count('<rect class="r"') == 10 and html.count('<rect class="s"') == 10
    assert "<script>" in demos.preference_demo(REFERENCE, REWARD)._repr_html_()


@pytest.mark.parametrize(
    ("helper", "args", "kwargs", "message"),
    [
        (demos.distillation_demo_html, ([1.0],), {}, "2 to 10 numbers"),
        (demos.distillation_demo_html, ([1.0] * 11,), {}, "2 to 10 numbers"),
        (demos.distillation_demo_html, ([[1.0, 2.0]],), {}, "2 to 10 numbers"),
        (demos.distillation_demo_html, ([1.0, np.inf],), {}, "finite"),
        (demos.distillation_demo_html, ([1.0, 2.0],), {"temperature": 0.1}, "slider range"),
        (demos.distillation_demo_html, ([1.0, 2.0],), {"temperature": 30}, "slider range"),
        (demos.distillation_demo_html, ([1.0, 2.0],), {"temperature": "4"}, "real number"),
        (demos.preference_demo_html, ([0.5, 0.6], [0.0, 1.0]), {}, "sum to 1"),
        (demos.preference_demo_html, ([1.2, -0.2], [0.0, 1.0]), {}, "negative"),
        (demos.preference_demo_html, ([1.0], [0.0]), {}, "2 to 10 numbers"),
        (demos.preference_demo_html, ([0.5, 0.5], [0.0, 1.0, 2.0]), {}, "one number per"),
        (demos.preference_demo_html, ([0.5, 0.5], [0.0, np.nan]), {}, "finite"),
        (demos.preference_demo_html, ([0.5, 0.5], [0.0, 1.0]), {"beta": 0.01}, "slider range"),
        (demos.preference_demo_html, ([0.5, 0.5], [0.0, 1.0]), {"beta": 20}, "slider range"),
        (demos.preference_demo_html, ([0.5, 0.5], [0.0, 1.0]), {"beta": -1}, "slider range"),
        (demos.sharded_demo_html, ([1.0, 2.0, 3.0],), {"target": 3}, "target must be"),
        (demos.sharded_demo_html, ([1.0, 2.0, 3.0],), {"target": 1.0}, "target must be"),
        (demos.sharded_demo_html, ([1.0, 2.0, 3.0],), {"processes": 0}, "processes must be"),
        (demos.sharded_demo_html, ([1.0, 2.0, 3.0],), {"processes": 4}, "from 1 to 3"),
        (demos.sharded_demo_html, (LOGITS,), {"processes": 7}, "from 1 to 6"),
        (demos.sharded_demo_html, ([1.0, np.inf],), {}, "finite"),
    ],
)
def test_bad_arguments_are_refused(helper, args, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        helper(*args, **kwargs)


# --- the scripts, in a real browser ------------------------------------------------------------


def distillation_reference(v, t: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """What the readout must show, from xent: softmax, entropy in nats, the soft term's gradient."""
    p = xf.softmax(np.asarray(v) / t)
    zero = np.zeros((1, len(v)))
    grad = xf.distillation_loss_grad(zero, np.asarray([v]), temperature=t)
    h = float(info.entropy(p, base=np.e))
    # the floor: the cross-entropy form minus the KL form, T^2 H(p_T, q_T) - T^2 KL(p_T || q_T)
    ce_form = t**2 * float(xf.cross_entropy(zero / t, p[None, :]))
    floor = ce_form - float(xf.distillation_loss(zero, np.asarray([v]), temperature=t))
    assert floor == pytest.approx(t**2 * h, rel=1e-9)
    rms = float(np.sqrt(np.mean(grad**2)))
    return {"top": float(p.max()), "h": h, "floor": floor, "grad": rms, "gradKl": rms / t**2}


def test_distillation_demo_matches_xent(offline_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pg = open_demo(offline_page, tmp_path, demos.distillation_demo_html(TEACHER, 1.0))
    start = data(pg)["text"]
    for t in ["1", "0.5", "2", "4", "7.3", "20"]:
        set_control(pg, "t", t)
        got, want = data(pg), distillation_reference(TEACHER, float(t))
        assert float(got["t"]) == float(t)
        for key, value in want.items():
            assert float(got[key]) == pytest.approx(value, rel=1e-9, abs=1e-12), (t, key)
        p = xf.softmax(np.asarray(TEACHER) / float(t))
        assert bar_heights(pg, "p") == pytest.approx(180 * p, abs=0.06)
        assert f"H(p_T) = {want['h']:.3f} nats" in got["text"]
    assert got["text"] != start
    # the lesson: T^2 keeps the gradient's size, without it it falls as 1/T^2
    low, high = distillation_reference(TEACHER, 2.0), distillation_reference(TEACHER, 20.0)
    assert high["gradKl"] < low["gradKl"] / 50 and high["grad"] > low["grad"] / 2


def preference_reference(ref, reward, beta: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    star = pref.kl_regularised_policy(ref, reward, beta)
    kl = float(info.kl_divergence(star, ref, base=np.e))
    er = float(star @ np.asarray(reward))
    log_z = float(np.log(np.asarray(ref) @ np.exp(np.asarray(reward) / beta)))
    assert er - beta * kl == pytest.approx(beta * log_z, abs=1e-9)  # J(pi*) = beta log Z
    return {"reward": er, "kl": kl, "j": beta * log_z, "refReward": float(np.dot(ref, reward))}


def test_preference_demo_matches_xent(offline_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pg = open_demo(offline_page, tmp_path, demos.preference_demo_html(REFERENCE, REWARD, 1.0))
    start = data(pg)
    assert pg.locator("output[for=lb]").inner_text() == "1.00"  # beta, not its logarithm
    for lb in ["0", "-1.3", "-0.52", "0.5", "1"]:
        set_control(pg, "lb", lb)
        got = data(pg)
        beta = float(got["beta"])
        assert beta == pytest.approx(10 ** float(lb), rel=1e-12)
        for key, value in preference_reference(REFERENCE, REWARD, beta).items():
            assert float(got[key]) == pytest.approx(value, rel=1e-9, abs=1e-12), (lb, key)
        star = pref.kl_regularised_policy(REFERENCE, REWARD, beta)
        assert [float(x) for x in got["p"].split()] == pytest.approx(star, abs=1e-12)
        assert bar_heights(pg, "s") == pytest.approx(180 * star, abs=0.06)
        assert bar_heights(pg, "r") == pytest.approx(180 * np.asarray(REFERENCE), abs=0.06)
        assert pg.locator("output[for=lb]").inner_text() == f"{beta:.2f}"
    assert got["text"] != start["text"]


def test_sharded_html() -> None:
    html = demos.sharded_demo_html(LOGITS, target=3, processes=3)
    assert not SELF_CONTAINED.search(html) and len(html) < 12000
    assert html.count("<script>") == 1 and html.count('type="range"') == 2
    assert 'name="procs" min="1" max="6" step="1" value="3"' in html
    assert 'name="y" min="0" max="9" step="1" value="3"' in html
    assert "<script>" in demos.sharded_demo(LOGITS)._repr_html_()


def test_sharded_demo_matches_xent(offline_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """At every P and target, the demo's all-reduced numbers and loss are those of
    xent.distributed.sharded_cross_entropy on the blocks of shard_bounds, and its loss on one
    process is xent.functional.cross_entropy."""
    z = np.asarray(LOGITS)
    pg = open_demo(offline_page, tmp_path, demos.sharded_demo_html(LOGITS, 3, 1))
    start = data(pg)["text"]
    for procs in range(1, 7):
        set_control(pg, "procs", str(procs))
        blocks = [z[slice(*xd.shard_bounds(z.size, procs, r))] for r in range(procs)]
        m = max(b.max() for b in blocks)
        for y in (0, 3, 6, 9):
            set_control(pg, "y", str(y))
            got = data(pg)
            loss, _ = xd.sharded_cross_entropy([b[None, :] for b in blocks], [y])
            assert int(got["procs"]) == procs
            assert [float(v) for v in got["maxima"].split()] == [b.max() for b in blocks]
            sums = [np.exp(b - m).sum() for b in blocks]
            assert [float(v) for v in got["sums"].split()] == pytest.approx(sums, rel=1e-12)
            assert float(got["m"]) == m and float(got["zy"]) == pytest.approx(z[y] - m)
            assert float(got["s"]) == pytest.approx(sum(sums), rel=1e-12)
            assert float(got["loss"]) == pytest.approx(loss[0], rel=1e-12)
            one = float(xf.cross_entropy(z[None, :], [y]))
            assert float(got["one"]) == pytest.approx(one, rel=1e-12)
            owner = next(r for r in range(procs) if y < xd.shard_bounds(z.size, procs, r)[1])
            assert f"the target {y} is on process {owner}:" in got["text"]
            heights = bar_heights(pg, "p")
            assert heights == pytest.approx(180 * xf.softmax(z), abs=0.06)
    assert got["text"] != start


# --- the chapters' demos, as the website serves them --------------------------------------------


def test_distillation_demo_on_the_built_chapter(built_site, offline_page) -> None:  # type: ignore[no-untyped-def]
    """Chapter 10's demo holds the teacher of its figure: at T = 1 and 4 its top probability
    is the one the chapter prints for that image."""
    pg = offline_page
    pg.goto((built_site / "chapters" / "10_distillation.html").as_uri())
    assert pg.locator(".xent-demo").count() == 1
    # "For this image of a 7, the teacher's probability of the right digit is 0.99.. at T = 1
    # and 0.5.. at T = 4": the glued numbers of that sentence
    glued = pg.locator("p", has_text="probability of the right digit is").locator(".pasted-text")
    _, p1, p4 = glued.all_inner_texts()
    assert float(data(pg)["top"]) == pytest.approx(float(p1), abs=5e-5)
    set_control(pg, "t", "4")
    assert float(data(pg)["top"]) == pytest.approx(float(p4), abs=5e-3)


def test_preference_demo_on_the_built_chapter(built_site, offline_page) -> None:  # type: ignore[no-untyped-def]
    """Chapter 12's demo holds the chapter's problem (sorted by reward) and computes xent's pi*."""
    results = json.loads(files("xent").joinpath("data/ch12_preferences.json").read_text("utf-8"))
    reward, ref = np.array(results["reward"]), np.array(results["reference"])
    order = np.argsort(reward)
    pg = offline_page
    pg.goto((built_site / "chapters" / "12_preferences.html").as_uri())
    assert pg.locator(".xent-demo").count() == 1
    for lb in ["0", "-0.5", "1"]:
        set_control(pg, "lb", lb)
        got = data(pg)
        want = preference_reference(ref[order], reward[order], float(got["beta"]))
        for key, value in want.items():
            assert float(got[key]) == pytest.approx(value, rel=1e-9, abs=1e-12), (lb, key)


def test_sharded_demo_on_the_built_chapter(built_site, offline_page) -> None:  # type: ignore[no-untyped-def]
    """Chapter 13's demo: the same loss on one process and on six."""
    pg = offline_page
    pg.goto((built_site / "chapters" / "13_distributed.html").as_uri())
    assert pg.locator(".xent-demo").count() == 1
    one = float(data(pg)["one"])
    set_control(pg, "procs", "6")
    assert float(data(pg)["loss"]) == pytest.approx(one, rel=1e-12)
    assert float(data(pg)["one"]) == one
