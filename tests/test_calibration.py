"""xent.calibration: ECE and reliability curves against a direct loop, and temperature fitting."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xent import calibration as cal
from xent import functional as xf

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def direct_ece(probs, labels, n_bins):
    """Guo et al.'s definition, written as plainly as possible: one loop over the bins."""
    probs = np.asarray(probs, dtype=float)
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for m in range(n_bins):
        lo, hi = edges[m], edges[m + 1]
        inside = (conf > lo) & (conf <= hi) if m > 0 else (conf >= lo) & (conf <= hi)
        if inside.any():
            gap = abs(correct[inside].mean() - conf[inside].mean())
            total += inside.sum() / len(conf) * gap
    return total


@st.composite
def predictions(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 60))
    c = draw(st.integers(1, 8))
    scale = draw(st.sampled_from([0.0, 0.5, 2.0, 10.0, 50.0]))
    probs = xf.softmax(rng.standard_normal((n, c)) * scale, dim=1)
    labels = rng.integers(0, c, size=n)
    return probs, labels


@SETTINGS
@given(data=predictions(), n_bins=st.integers(1, 30))
def test_ece_matches_a_direct_loop(data, n_bins) -> None:
    probs, labels = data
    ece = cal.expected_calibration_error(probs, labels, n_bins)
    assert ece == pytest.approx(direct_ece(probs, labels, n_bins), abs=1e-12)
    assert 0.0 <= ece <= 1.0


@SETTINGS
@given(data=predictions(), n_bins=st.integers(1, 30))
def test_reliability_curve_properties(data, n_bins) -> None:
    probs, labels = data
    curve = cal.reliability_curve(probs, labels, n_bins)
    assert curve.count.sum() == len(labels)
    assert all(len(a) == n_bins for a in curve)
    empty = curve.count == 0
    assert np.isnan(curve.confidence[empty]).all() and np.isnan(curve.accuracy[empty]).all()
    edges = np.linspace(0, 1, n_bins + 1)
    seen = ~empty
    # each bin's mean confidence lies inside the bin (up to rounding)
    assert (curve.confidence[seen] <= edges[1:][seen] + 1e-12).all()
    assert (curve.confidence[seen] >= edges[:-1][seen] - 1e-12).all()
    assert ((curve.accuracy[seen] >= 0) & (curve.accuracy[seen] <= 1)).all()
    # the count-weighted accuracy is the overall accuracy
    acc = np.sum(curve.accuracy[seen] * curve.count[seen]) / len(labels)
    assert acc == pytest.approx(np.mean(probs.argmax(1) == labels), abs=1e-12)


@SETTINGS
@given(data=predictions())
def test_ece_is_invariant_to_permuting_examples(data) -> None:
    probs, labels = data
    order = np.random.default_rng(0).permutation(len(labels))
    a = cal.expected_calibration_error(probs, labels)
    assert cal.expected_calibration_error(probs[order], labels[order]) == pytest.approx(a)


def test_perfectly_calibrated_bins_give_zero_and_overconfidence_the_gap() -> None:
    # ten examples at confidence 0.8 of which eight are right: calibrated
    probs = np.tile([0.8, 0.2], (10, 1))
    labels = np.array([0] * 8 + [1] * 2)
    assert cal.expected_calibration_error(probs, labels) == pytest.approx(0.0, abs=1e-12)
    # all ten wrong but 0.8 confident: ECE 0.8
    assert cal.expected_calibration_error(probs, np.ones(10, int)) == pytest.approx(0.8)


def test_boundaries_go_to_the_lower_bin() -> None:
    # confidence exactly 0.5 belongs to (0, 0.5] with two bins, as in Guo et al.
    curve = cal.reliability_curve([[0.5, 0.5], [1.0, 0.0]], [0, 0], n_bins=2)
    assert list(curve.count) == [1, 1]


def nll(logits, labels, t):
    return float(xf.cross_entropy(np.asarray(logits) / t, labels))


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(20, 200),
    c=st.integers(2, 10),
    sharpness=st.sampled_from([0.3, 1.0, 3.0, 10.0]),
)
def test_fit_temperature_minimises_the_nll(seed, n, c, sharpness) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, size=n)
    logits = rng.standard_normal((n, c))
    logits[np.arange(n), labels] += 1.5  # informative, but with mistakes
    logits *= sharpness
    try:
        t = cal.fit_temperature(logits, labels)
    except ValueError as err:  # only when the optimum is outside the searched range
        assert "no finite temperature" in str(err) or "infinite" in str(err)
        return
    lo, hi = cal.TEMPERATURE_RANGE
    assert lo <= t <= hi
    best = nll(logits, labels, t)
    for factor in (0.9, 0.99, 1.01, 1.1):
        assert best <= nll(logits, labels, t * factor) + 1e-12
    # the same temperature as torch's optimiser finds on log T
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    x, y = torch.tensor(logits), torch.tensor(labels)
    opt = torch.optim.LBFGS(
        [log_t], lr=1, max_iter=200, tolerance_grad=1e-12, line_search_fn="strong_wolfe"
    )

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    t_torch = float(log_t.detach().exp())
    assert best <= nll(logits, labels, t_torch) + 1e-12  # at least as good as torch's optimum
    assert t == pytest.approx(t_torch, rel=1e-3)  # flat minima: the same T to a few digits


def test_temperature_never_changes_the_predicted_class() -> None:
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((50, 5)) * 4
    labels = rng.integers(0, 5, size=50)
    logits[np.arange(50), labels] += 2
    t = cal.fit_temperature(logits, labels)
    assert (xf.softmax(logits / t, 1).argmax(1) == logits.argmax(1)).all()


def test_fit_temperature_recovers_a_known_temperature() -> None:
    # labels drawn from softmax(z): the logits 3 * z are overconfident by exactly T = 3
    rng = np.random.default_rng(2)
    z = rng.standard_normal((20000, 4)) * 2
    p = xf.softmax(z, dim=1)
    labels = (rng.random((20000, 1)) > p.cumsum(axis=1)).sum(axis=1)
    assert cal.fit_temperature(3 * z, labels) == pytest.approx(3.0, rel=0.05)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cal.expected_calibration_error([[0.6, 0.6]], [0]), "sum to 1"),
        (lambda: cal.expected_calibration_error([[0.5, 0.5]], [2]), "class index 2"),
        (lambda: cal.expected_calibration_error([[0.5, 0.5]], [0.0]), "integer"),
        (lambda: cal.expected_calibration_error([[0.5, 0.5]], [0, 1]), "shape \\(1,\\)"),
        (lambda: cal.expected_calibration_error([0.5, 0.5], [0]), "shape \\(N, C\\)"),
        (lambda: cal.expected_calibration_error(np.zeros((0, 3)), []), "no examples"),
        (lambda: cal.expected_calibration_error([[0.5, 0.5]], [0], n_bins=0), "n_bins"),
        (lambda: cal.reliability_curve([[0.5, 0.5]], [0], n_bins=2.5), "n_bins"),
        (lambda: cal.reliability_curve([[1.5, -0.5]], [0]), "negative"),
        (lambda: cal.reliability_curve([[np.nan, 1.0]], [0]), "NaN"),
        (lambda: cal.fit_temperature([[1.0, 0.0]], [0, 1]), "shape \\(1,\\)"),
        (lambda: cal.fit_temperature([1.0, 0.0], [0]), "shape \\(N, C\\)"),
        (lambda: cal.fit_temperature([[np.inf, 0.0]], [0]), "finite"),
        (lambda: cal.fit_temperature([[5.0, 0.0], [0.0, 5.0]], [0, 1]), "no finite temperature"),
        (lambda: cal.fit_temperature([[5.0, 0.0], [0.0, 5.0]], [1, 0]), "infinite"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()
