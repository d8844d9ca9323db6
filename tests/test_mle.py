"""xent.mle: sampling, counting, likelihood, and the softmax fit that recovers the frequencies."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xent import info, mle

P_TRUE = [0.4, 0.3, 0.2, 0.1]


# ---------------------------------------------------------------- sampling and counting


def test_sample_is_reproducible_and_follows_p() -> None:
    a = mle.sample_categorical(P_TRUE, n=20_000, seed=1)
    b = mle.sample_categorical(P_TRUE, n=20_000, seed=1)
    np.testing.assert_array_equal(a, b)
    assert a.dtype.kind == "i" and a.min() >= 0 and a.max() <= 3
    np.testing.assert_allclose(mle.empirical_distribution(a, 4), P_TRUE, atol=0.015)


def test_empirical_distribution_counts() -> None:
    np.testing.assert_allclose(mle.empirical_distribution([0, 2, 2, 1], 4), [0.25, 0.25, 0.5, 0])
    np.testing.assert_allclose(mle.empirical_distribution(np.array([1.0, 1.0]), 2), [0.0, 1.0])


@given(st.lists(st.integers(0, 5), min_size=1, max_size=50))
def test_empirical_distribution_is_a_distribution(xs) -> None:
    p = mle.empirical_distribution(xs, 6)
    assert p.shape == (6,) and math.isclose(p.sum(), 1.0)
    assert np.all(p * len(xs) == np.round(p * len(xs)))


# ---------------------------------------------------------------- likelihood and cross-entropy


def test_log_likelihood_and_average_cross_entropy() -> None:
    assert mle.log_likelihood([0.5, 0.5], [0, 1, 1]) == pytest.approx(3 * math.log(0.5))
    assert mle.average_cross_entropy([0.5, 0.25, 0.25], [0, 1, 2, 0], base=2) == 1.5
    assert mle.log_likelihood([1.0, 0.0], [0, 1]) == -math.inf
    assert mle.average_cross_entropy([1.0, 0.0], [0, 1]) == math.inf


@settings(max_examples=50)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=40), st.integers(0, 10_000))
def test_average_cross_entropy_is_minus_mean_log_likelihood(xs, seed) -> None:
    q = np.random.default_rng(seed).dirichlet(np.ones(4))
    avg = mle.average_cross_entropy(q, xs)
    assert avg == pytest.approx(-mle.log_likelihood(q, xs) / len(xs), rel=1e-9, abs=1e-12)
    # ... and it is H(p_data, q) = H(p_data) + KL(p_data || q), never below H(p_data).
    p_data = mle.empirical_distribution(xs, 4)
    assert avg == pytest.approx(
        info.entropy(p_data, math.e) + info.kl_divergence(p_data, q, math.e), rel=1e-9
    )
    assert avg >= info.entropy(p_data, math.e) - 1e-12


# ---------------------------------------------------------------- fitting


def test_fit_approaches_the_empirical_frequencies() -> None:
    x = mle.sample_categorical(P_TRUE, n=300, seed=0)
    p_data = mle.empirical_distribution(x, 4)
    fit = mle.fit_categorical(x, 4, learning_rate=2.0, steps=2000)
    np.testing.assert_allclose(fit.probabilities, p_data, atol=1e-6)
    # The training loss falls to the empirical entropy: the KL gap closes.
    assert fit.train_loss[-1] == pytest.approx(info.entropy(p_data, math.e), abs=1e-9)
    assert np.all(np.diff(fit.train_loss) <= 1e-12), "gradient descent should never go up here"
    assert fit.train_loss.shape == (2001,) and fit.heldout_loss is None


def test_fit_records_heldout_loss() -> None:
    train = mle.sample_categorical(P_TRUE, n=50, seed=2)
    test = mle.sample_categorical(P_TRUE, n=5000, seed=3)
    fit = mle.fit_categorical(train, 4, steps=300, heldout=test)
    assert fit.heldout_loss is not None and fit.heldout_loss.shape == fit.train_loss.shape
    assert fit.heldout_loss[-1] == pytest.approx(mle.average_cross_entropy(fit.probabilities, test))
    # The uniform start gives ln 4 on any sample.
    assert fit.train_loss[0] == pytest.approx(math.log(4))
    assert fit.heldout_loss[0] == pytest.approx(math.log(4))


def test_fit_with_zero_steps_and_custom_start() -> None:
    fit = mle.fit_categorical([0, 1], 2, steps=0, init_logits=[math.log(3), 0.0])
    np.testing.assert_allclose(fit.probabilities, [0.75, 0.25])
    assert fit.train_loss.shape == (1,)


def test_unseen_outcome_is_pushed_towards_zero() -> None:
    fit = mle.fit_categorical([0, 0, 1], 3, steps=2000, learning_rate=2.0)
    assert fit.probabilities[2] < 1e-3
    assert np.isfinite(fit.train_loss).all()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=30))
def test_fit_never_increases_loss_and_never_nan(xs) -> None:
    fit = mle.fit_categorical(xs, 5, steps=50)
    assert np.isfinite(fit.train_loss).all()
    assert fit.train_loss[-1] <= fit.train_loss[0] + 1e-12
    assert fit.train_loss[-1] >= info.entropy(mle.empirical_distribution(xs, 5), math.e) - 1e-12


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "bad",
    [[], [0, 4], [-1, 0], [0.5, 1], [[0, 1]], ["a"], [float("nan")]],
    ids=["empty", "too large", "negative", "fraction", "2-d", "text", "nan"],
)
def test_bad_samples_raise(bad) -> None:
    with pytest.raises(ValueError):
        mle.empirical_distribution(bad, 4)
    with pytest.raises(ValueError):
        mle.fit_categorical(bad, 4)
    with pytest.raises(ValueError):
        mle.average_cross_entropy([0.25] * 4, bad)


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="num_outcomes"):
        mle.empirical_distribution([0], 0)
    with pytest.raises(ValueError, match="sum to 1"):
        mle.sample_categorical([0.5, 0.6], 10, seed=0)
    with pytest.raises(ValueError, match="n must"):
        mle.sample_categorical([0.5, 0.5], 0, seed=0)
    with pytest.raises(ValueError, match="one distribution"):
        mle.log_likelihood([[0.5, 0.5]], [0])
    for kwargs in ({"learning_rate": 0}, {"learning_rate": -1.0}, {"steps": -1}, {"steps": 1.5}):
        with pytest.raises(ValueError):
            mle.fit_categorical([0, 1], 2, **kwargs)
    with pytest.raises(ValueError, match="init_logits"):
        mle.fit_categorical([0, 1], 2, init_logits=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="outcome indices from 0 to 1"):
        mle.fit_categorical([0, 1], 2, heldout=[2])
