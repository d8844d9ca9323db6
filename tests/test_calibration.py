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
    total = 0.0
    for m in range(n_bins):
        lo, hi = m / n_bins, (m + 1) / n_bins
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
    edges = np.arange(n_bins + 1) / n_bins
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


def row_with_confidence(conf: float) -> np.ndarray:
    """A distribution whose largest probability is exactly the float conf."""
    n_classes = int(np.ceil(1 / conf))
    rest = min((1 - conf) / max(n_classes - 1, 1), conf)  # rounding must not exceed conf
    row = np.full(max(n_classes, 2), rest)
    row[0] = conf
    if n_classes == 1:
        row[1] = 0.0
    return row


@pytest.mark.parametrize("n_bins", [3, 5, 6, 7, 10, 12, 15, 20, 30, 49])
def test_a_confidence_of_exactly_k_over_m_is_in_the_bin_below(n_bins) -> None:
    # np.linspace(0, 1, 7)[5] is 0.8333333333333333, one rounding step below 5/6, which put a
    # confidence of 5/6 in the bin above against the documented (lo, hi]; the edges are now
    # the correctly rounded k / M
    assert (cal.bin_edges([], n_bins) == np.array([k / n_bins for k in range(n_bins + 1)])).all()
    for k in range(1, n_bins + 1):
        row = row_with_confidence(k / n_bins)
        assert row.max() == k / n_bins
        curve = cal.reliability_curve(row[None, :], [0], n_bins)
        assert curve.count[k - 1] == 1, (k, n_bins)
        assert cal.expected_calibration_error(row[None, :], [0], n_bins) == pytest.approx(
            1 - k / n_bins
        )


def test_linspace_edges_would_have_failed() -> None:
    # the reason for the test above: for M = 6 linspace's edge is one rounding step low
    assert np.linspace(0, 1, 7)[5] < 5 / 6


@SETTINGS
@given(data=predictions(), n_bins=st.integers(1, 20))
def test_equal_mass_bins_match_scikit_learn(data, n_bins) -> None:
    from sklearn.calibration import calibration_curve

    probs, labels = data
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(int)
    curve = cal.reliability_curve(probs, labels, n_bins, strategy="mass")
    assert curve.count.sum() == len(labels)
    seen = curve.count > 0
    # scikit-learn's quantile levels come from linspace, so an edge that falls on a confidence
    # may be one rounding step to either side of ours; compare where that cannot matter
    ours = cal.bin_edges(conf, n_bins, "mass")
    theirs = np.percentile(conf, np.linspace(0, 1, n_bins + 1) * 100)
    differ = ours != theirs
    lo, hi = np.minimum(ours, theirs)[differ], np.maximum(ours, theirs)[differ]
    ambiguous = ((conf[:, None] >= lo) & (conf[:, None] <= hi)).any()
    if 0 < correct.sum() < len(correct) and not ambiguous:  # scikit-learn needs both outcomes
        acc, mean_conf = calibration_curve(correct, conf, n_bins=n_bins, strategy="quantile")
        np.testing.assert_allclose(curve.accuracy[seen], acc, atol=1e-12)
        np.testing.assert_allclose(curve.confidence[seen], mean_conf, atol=1e-12)
    ece = cal.expected_calibration_error(probs, labels, n_bins, strategy="mass")
    gaps = np.abs(curve.accuracy[seen] - curve.confidence[seen])
    assert ece == pytest.approx(np.sum(curve.count[seen] * gaps) / len(labels), abs=1e-12)


def test_equal_mass_bins_hold_equal_numbers_of_distinct_confidences() -> None:
    conf = np.linspace(0.5, 1.0, 100, endpoint=False) + 0.001
    probs = np.stack([conf, 1 - conf], axis=1)
    curve = cal.reliability_curve(probs, np.zeros(100, int), n_bins=4, strategy="mass")
    assert list(curve.count) == [25, 25, 25, 25]
    width = cal.reliability_curve(probs, np.zeros(100, int), n_bins=4)
    assert list(width.count) == [0, 0, 50, 50]


def test_ece_of_a_calibrated_model_is_biased_upwards() -> None:
    # labels drawn from the confidences themselves: calibrated by construction, but the ECE of
    # a finite sample is above 0, and larger with more bins (the docstring's warning)
    rng = np.random.default_rng(5)
    conf = rng.uniform(0.5, 1.0, size=(200, 500))
    right = rng.random(conf.shape) < conf
    probs = np.stack([conf, 1 - conf], axis=-1)
    ece = {
        m: np.mean(
            [
                cal.expected_calibration_error(p, np.where(r, 0, 1), m)
                for p, r in zip(probs, right, strict=True)
            ]
        )
        for m in (5, 30)
    }
    assert 0.01 < ece[5] < ece[30]


@SETTINGS
@given(data=predictions())
def test_brier_score_matches_scikit_learn(data) -> None:
    from sklearn.metrics import brier_score_loss

    probs, labels = data
    c = probs.shape[1]
    score = cal.brier_score(probs, labels)
    assert 0 <= score <= 2
    each = cal.brier_score(probs, labels, reduction="none")
    assert each.shape == (len(labels),) and np.mean(each) == pytest.approx(score, abs=1e-12)
    if c == 2:  # scikit-learn scores the probability of class 1 alone: half of ours
        assert score == pytest.approx(2 * brier_score_loss(labels, probs[:, 1]), abs=1e-12)
    elif c > 2:
        expected = brier_score_loss(labels, probs, labels=list(range(c)))
        assert score == pytest.approx(expected, abs=1e-12)


def test_brier_score_is_proper() -> None:
    # expected score under a true distribution is smallest at that distribution
    true = np.array([0.6, 0.3, 0.1])

    def expected(q):
        return sum(pt * cal.brier_score([q], [c]) for c, pt in enumerate(true))

    best = expected(true)
    rng = np.random.default_rng(0)
    for q in rng.dirichlet(np.ones(3), size=200):
        assert expected(q) >= best - 1e-12


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
    except ValueError as err:  # exactly when no T in the range minimises the NLL, saying why
        if (logits.argmax(axis=1) == labels).all():
            assert "rank every label first" in str(err)
        else:
            assert "outside the temperatures" in str(err)
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
        (lambda: cal.fit_temperature([[-np.inf, -np.inf]], [0]), "entirely -inf"),
        (
            lambda: cal.fit_temperature([[-np.inf, 0.0], [0.0, 1.0]], [0, 1]),
            "label's logit is -inf",
        ),
        (lambda: cal.reliability_curve([[0.5, 0.5]], [0], strategy="quantile"), "strategy"),
        (lambda: cal.brier_score([[0.5, 0.5]], [3]), "class index 3"),
        (lambda: cal.brier_score([[0.5, 0.5]], [0], reduction="sum"), "reduction"),
        (lambda: cal.brier_score([0.5, 0.5], [0]), "shape \\(N, C\\)"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def one_percent_wrong(scale: float, wrong: float, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Two-class logits (scale, 0) whose label is class 1 for a share `wrong` of the rows."""
    logits = np.tile([scale, 0.0], (n, 1))
    labels = (np.arange(n) < wrong * n).astype(int)
    return logits, labels


MESSAGES = {
    "flat": "does not depend on T",
    "uninformative": "the best temperature is infinite",
    "separable": "rank every label first",
    "out of range": "outside the temperatures fit_temperature returns",
}


@pytest.mark.parametrize(
    ("logits", "labels", "kind", "detail"),
    [
        (np.zeros((4, 3)), [0, 1, 2, 0], "flat", ""),
        (np.tile([1.0, 1.0, 1.0], (3, 1)), [0, 1, 2], "flat", ""),
        (np.array([[5.0, 0.0], [0.0, 5.0]]), [1, 0], "uninformative", ""),
        (np.array([[5.0, 0.0], [0.0, 5.0]]), [0, 1], "separable", ""),
        (np.array([[5.0, 5.0, 0.0], [0.0, 5.0, 5.0]]), [0, 2], "separable", ""),
        # informative logits of scale 1e4 with 1 % mistakes: the minimum is at T = ln(99)... no:
        # at sigma(1e4 / T) = 0.99, T = 1e4 / ln 99 = 2176, above the range
        (*one_percent_wrong(1e4, 0.01), "out of range", "T = 2176"),
        # scale 1e-4 with 30 % mistakes: T = 1e-4 / ln(7 / 3) = 1.18e-4, below the range
        (*one_percent_wrong(1e-4, 0.3), "out of range", "multiply them"),
    ],
)
def test_fit_temperature_says_the_one_right_reason(logits, labels, kind, detail) -> None:
    with pytest.raises(ValueError) as info:
        cal.fit_temperature(logits, labels)
    message = str(info.value)
    for other, phrase in MESSAGES.items():
        assert (phrase in message) == (other == kind), (kind, message)
    assert detail in message


def test_fit_temperature_finds_minima_near_the_ends_of_its_range() -> None:
    # inside the range, however large or small the logits: T = scale / ln(p / (1 - p))
    for scale, wrong in ((1e3, 0.01), (2e-3, 0.3), (1.0, 0.3)):
        logits, labels = one_percent_wrong(scale, wrong)
        expected = scale / np.log((1 - wrong) / wrong)
        assert cal.fit_temperature(logits, labels) == pytest.approx(expected, rel=1e-9)


def test_fit_temperature_accepts_masked_classes() -> None:
    # a logit of -inf is a class with probability 0 at every T: the fit ignores it, as
    # focal_loss and cross_entropy do
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((200, 3)) * 3
    labels = rng.integers(0, 3, size=200)
    logits[np.arange(200), labels] += 2
    masked = np.concatenate([logits, np.full((200, 1), -np.inf)], axis=1)
    assert cal.fit_temperature(masked, labels) == pytest.approx(
        cal.fit_temperature(logits, labels), rel=1e-10
    )


@pytest.mark.parametrize("n_class", [10, 3, 1])
def test_load_digits_is_scikit_learns_data(n_class):
    from sklearn.datasets import load_digits

    images, labels = cal.load_digits(n_class)
    expected_images, expected_labels = load_digits(n_class=n_class, return_X_y=True)
    assert images.dtype == expected_images.dtype and labels.dtype == expected_labels.dtype
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)


def test_load_digits_does_not_import_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from xent.calibration import load_digits\n"
        "images, labels = load_digits()\n"
        "assert images.shape == (1797, 64) and sorted(set(labels.tolist())) == list(range(10))\n"
        "print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("n_class", [0, 11, -1, 2.0, True, "10"])
def test_load_digits_rejects_a_bad_number_of_classes(n_class):
    with pytest.raises(ValueError, match="n_class must be a whole number of digits from 1 to 10"):
        cal.load_digits(n_class)


def test_load_digits_explains_a_missing_scikit_learn(monkeypatch):
    monkeypatch.setattr(cal.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="install the package scikit-learn"):
        cal.load_digits()
