"""The learning-slowdown experiment: the quoted figures, the gradients, numpy vs torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xent import neuron
from xent.neuron import COSTS, gradients, train, train_torch

MILD, BAD = (0.6, 0.9), (2.0, 2.0)


def test_trajectory_shape_and_start() -> None:
    run = train(*MILD, "quadratic", eta=0.15, epochs=300)
    for arr in (run.w, run.b, run.a, run.cost, run.grad_w, run.grad_b):
        assert arr.shape == (301,)
    assert (run.w[0], run.b[0]) == MILD
    assert run.a[0] == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert run.epochs == 300
    assert train(*MILD, "quadratic", epochs=0).a.shape == (1,)


def test_quoted_starting_outputs() -> None:
    assert round(float(train(*MILD, "quadratic", epochs=0).a[0]), 2) == 0.82
    assert round(float(train(*BAD, "quadratic", epochs=0).a[0]), 2) == 0.98


def test_quoted_quadratic_finals_at_eta_015() -> None:
    """Nielsen's figures: 0.82 falls to about 0.09, 0.98 only reaches about 0.20."""
    assert round(float(train(*MILD, "quadratic", eta=0.15).a[-1]), 2) == 0.09
    assert round(float(train(*BAD, "quadratic", eta=0.15).a[-1]), 2) == 0.20


def test_cross_entropy_finals_at_eta_015_are_near_zero() -> None:
    mild = train(*MILD, "cross_entropy", eta=0.15).a[-1]
    bad = train(*BAD, "cross_entropy", eta=0.15).a[-1]
    assert mild < 0.02 and bad < 0.02


def test_true_gradient_descent_at_nielsens_cross_entropy_rate() -> None:
    """At eta = 0.005 the outputs after 300 iterations are near 0.42 and 0.78, not near 0."""
    assert round(float(train(*MILD, "cross_entropy", eta=0.005).a[-1]), 2) == 0.42
    assert round(float(train(*BAD, "cross_entropy", eta=0.005).a[-1]), 2) == 0.78


def test_badly_wrong_start_has_smaller_quadratic_gradient_but_larger_xent_one() -> None:
    gq_mild, _ = gradients(*MILD, "quadratic")
    gq_bad, _ = gradients(*BAD, "quadratic")
    gx_mild, _ = gradients(*MILD, "cross_entropy")
    gx_bad, _ = gradients(*BAD, "cross_entropy")
    assert gq_bad < gq_mild
    assert gx_bad > gx_mild


def test_cross_entropy_learns_fastest_when_most_wrong() -> None:
    """The first step moves z most for the worst start with cross-entropy, least with quadratic."""

    def first_z_step(start: tuple[float, float], cost: str) -> float:
        z = train(*start, cost, epochs=1).z
        return float(z[0] - z[1])

    assert first_z_step(BAD, "cross_entropy") > first_z_step(MILD, "cross_entropy")
    assert first_z_step(BAD, "quadratic") < first_z_step(MILD, "quadratic")


@pytest.mark.parametrize("cost", COSTS)
def test_gradients_match_finite_differences(cost: str) -> None:
    w, b, x, y, h = 0.7, -0.3, 1.7, 0.25, 1e-6
    gw, gb = gradients(w, b, cost, x=x, y=y)

    def c(w_: float, b_: float) -> float:
        return float(neuron.cost_value(w_ * x + b_, y, cost))

    assert gw == pytest.approx((c(w + h, b) - c(w - h, b)) / (2 * h), rel=1e-6)
    assert gb == pytest.approx((c(w, b + h) - c(w, b - h)) / (2 * h), rel=1e-6)


def test_cross_entropy_gradient_has_no_sigma_prime() -> None:
    a = float(neuron.sigmoid(2.0 * 1.5 + 0.5))
    gw, gb = gradients(2.0, 0.5, "cross_entropy", x=1.5, y=0.0)
    assert gw == pytest.approx(1.5 * a) and gb == pytest.approx(a)


def test_cost_matches_definition() -> None:
    z = np.linspace(-5, 5, 11)
    a = 1 / (1 + np.exp(-z))
    y = 0.3
    np.testing.assert_allclose(neuron.cost_value(z, y, "quadratic"), 0.5 * (a - y) ** 2)
    np.testing.assert_allclose(
        neuron.cost_value(z, y, "cross_entropy"), -(y * np.log(a) + (1 - y) * np.log(1 - a))
    )
    assert np.isfinite(neuron.cost_value(800.0, 0.0, "cross_entropy"))


@pytest.mark.parametrize("cost", COSTS)
def test_grid_training_equals_one_by_one(cost: str) -> None:
    ws = np.array([[0.6, 2.0], [-1.0, 3.5]])
    bs = np.array([0.9, 2.0])
    grid = train(ws, bs, cost, epochs=50)
    assert grid.a.shape == (51, 2, 2)
    for i in range(2):
        for j in range(2):
            single = train(ws[i, j], bs[j], cost, epochs=50)
            np.testing.assert_array_equal(grid.a[:, i, j], single.a)


@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("start", [MILD, BAD])
def test_torch_reproduces_numpy_trajectory(cost: str, start: tuple[float, float]) -> None:
    pytest.importorskip("torch")
    ref = train(*start, cost, eta=0.15, epochs=300)
    got = train_torch(*start, cost, eta=0.15, epochs=300)
    for name in ("w", "b", "a", "cost", "grad_w", "grad_b"):
        np.testing.assert_allclose(getattr(got, name), getattr(ref, name), rtol=0, atol=1e-6)


@pytest.mark.parametrize("start", [MILD, BAD])
def test_torch_bce_on_probabilities_agrees(start: tuple[float, float]) -> None:
    pytest.importorskip("torch")
    ref = train(*start, "cross_entropy", eta=0.005)
    got = train_torch(*start, "cross_entropy", eta=0.005, loss="probabilities")
    np.testing.assert_allclose(got.a, ref.a, rtol=0, atol=1e-6)


def test_torch_trains_a_grid() -> None:
    pytest.importorskip("torch")
    ws, bs = np.array([0.6, 2.0, -1.0]), np.array([0.9, 2.0, 0.5])
    for cost in COSTS:
        ref, got = train(ws, bs, cost, epochs=40), train_torch(ws, bs, cost, epochs=40)
        np.testing.assert_allclose(got.a, ref.a, rtol=0, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    w=st.floats(-6, 6),
    b=st.floats(-6, 6),
    eta=st.floats(0.001, 2.0),
    cost=st.sampled_from(COSTS),
)
def test_output_moves_monotonically_towards_zero_target(w, b, eta, cost) -> None:
    """With y = 0 every gradient step lowers z, so the output never rises and stays in (0, 1)."""
    run = train(w, b, cost, eta=eta, epochs=60)
    assert np.all(np.diff(run.z) <= 0)
    assert np.all((run.a >= 0) & (run.a <= 1)) and np.all(np.isfinite(run.cost))


def test_iterations_to_reach() -> None:
    run = train(np.array([0.6, 2.0]), np.array([0.9, 2.0]), "quadratic")
    steps = neuron.iterations_to_reach(run, 0.1)
    assert steps[0] == np.argmax(run.a[:, 0] < 0.1) and run.a[int(steps[0]), 0] < 0.1
    assert np.isinf(steps[1])


def test_learning_rate_to_reach() -> None:
    eta = neuron.learning_rate_to_reach(*BAD, "quadratic", target=0.2, epochs=100)
    assert train(*BAD, "quadratic", eta=eta, epochs=100).a[-1] <= 0.2 + 1e-9
    assert train(*BAD, "quadratic", eta=eta * 0.999, epochs=100).a[-1] > 0.2
    with pytest.raises(ValueError, match="strictly between"):
        neuron.learning_rate_to_reach(*BAD, "quadratic", target=0.99, epochs=100)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eta": 0.0}, "eta must be positive"),
        ({"eta": -0.1}, "eta must be positive"),
        ({"epochs": -1}, "epochs must be 0 or more"),
        ({"epochs": 2.5}, "whole number"),
        ({"cost": "hinge"}, "cost must be one of"),
        ({"y": 1.5}, r"target y must lie in \[0, 1\]"),
        ({"w": float("nan")}, "w contains NaN"),
        ({"b": [1.0, float("inf")]}, "b must hold finite numbers"),
        ({"w": "abc"}, "w must hold real numbers"),
    ],
)
def test_train_rejects_bad_input(kwargs: dict, message: str) -> None:
    args = {"w": 0.6, "b": 0.9, "cost": "quadratic"} | kwargs
    with pytest.raises(ValueError, match=message):
        train(**args)


def test_train_torch_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="eta must be positive"):
        train_torch(0.6, 0.9, "quadratic", eta=0)
    with pytest.raises(ValueError, match="loss must be"):
        train_torch(0.6, 0.9, "cross_entropy", loss="hinge")


def test_built_chapter_quotes_the_trajectory_numbers(built_site) -> None:  # type: ignore[no-untyped-def]
    """The glued figures on the built page are the ones train() computes."""
    from bs4 import BeautifulSoup

    html = (built_site / "chapters" / "05_learning_slowdown.html").read_text(encoding="utf-8")
    text = " ".join(BeautifulSoup(html, "html.parser").get_text().split())
    final = {
        (s, c): float(train(*start, c).a[-1])
        for s, start in {"mild": MILD, "bad": BAD}.items()
        for c in COSTS
    }
    assert f"ends at {final['mild', 'quadratic']:.2f} after 300 iterations" in text
    assert f"it ends at only {final['bad', 'quadratic']:.2f}" in text
    mild_x, bad_x = final["mild", "cross_entropy"], final["bad", "cross_entropy"]
    assert f"the outputs are {mild_x:.4f} and {bad_x:.4f}" in text
    small = [float(train(*s, "cross_entropy", eta=0.005).a[-1]) for s in (MILD, BAD)]
    assert f"cross-entropy outputs are {small[0]:.2f} (mild start) and {small[1]:.2f}" in text
    gq = [float(gradients(*s, "quadratic")[0]) for s in (MILD, BAD)]
    assert f" {gq[0]:.4f}" in text and f" {gq[1]:.4f}" in text
