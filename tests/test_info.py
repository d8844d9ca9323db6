"""xent.info: known values, the laws of information theory, scipy agreement, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from xent import info

# ---------------------------------------------------------------- strategies


@st.composite
def distributions(draw, k: int | None = None, min_k: int = 1, max_k: int = 12, zeros: bool = True):
    """A probability vector, possibly with exact zeros and with very small or very large entries."""
    k = k if k is not None else draw(st.integers(min_k, max_k))
    weights = draw(
        hnp.arrays(
            np.float64,
            k,
            elements=st.one_of(
                st.floats(0.0 if zeros else 1e-12, 1.0),
                st.sampled_from([1e-300, 1e-12, 1.0, 1e6] + ([0.0] if zeros else [])),
            ),
        )
    )
    if weights.sum() == 0:
        weights[draw(st.integers(0, k - 1))] = 1.0
    return weights / weights.sum()


@st.composite
def pairs(draw, zeros_in_q: bool = True):
    k = draw(st.integers(1, 12))
    return draw(distributions(k=k)), draw(distributions(k=k, zeros=zeros_in_q))


# ---------------------------------------------------------------- known values


def test_known_values() -> None:
    assert info.surprisal(0.5) == 1.0
    assert info.surprisal(1.0) == 0.0
    assert info.surprisal(0.0) == math.inf
    assert info.surprisal(math.exp(-3), base=math.e) == pytest.approx(3.0)
    assert info.entropy([0.25] * 4) == pytest.approx(2.0)
    assert info.entropy([0.1, 0.1, 0.1, 0.7]) == pytest.approx(1.3567796494470394)
    assert info.entropy([1.0]) == 0.0
    assert info.binary_entropy(0.5) == pytest.approx(1.0)
    assert info.binary_entropy(0.11) == pytest.approx(0.4999, abs=1e-4)
    assert info.cross_entropy([1, 0, 0, 0], [0.7, 0.1, 0.1, 0.1]) == pytest.approx(-math.log2(0.7))
    assert info.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(1.0)


def test_zero_conventions() -> None:
    # 0 log 0 = 0: a zero-probability outcome contributes nothing, even where q is 0 too.
    assert info.entropy([0.0, 1.0]) == 0.0
    assert info.cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert info.kl_divergence([0.0, 1.0], [0.0, 1.0]) == 0.0
    # q = 0 where p > 0: infinitely surprised.
    assert info.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert info.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf


def test_batches_and_return_types() -> None:
    p = np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]])
    h = info.entropy(p)
    assert isinstance(h, np.ndarray) and h.shape == (3,)
    assert isinstance(info.entropy(p[0]), float)
    np.testing.assert_allclose(h, [info.entropy(row) for row in p])
    # One true distribution against a batch of models broadcasts.
    q = np.array([[0.5, 0.5], [0.9, 0.1]])
    np.testing.assert_allclose(
        info.cross_entropy([0.5, 0.5], q), [1.0, info.cross_entropy([0.5, 0.5], [0.9, 0.1])]
    )
    assert info.surprisal([[0.5, 0.25]]).shape == (1, 2)


def test_units_convert_by_ln2() -> None:
    p = [0.2, 0.3, 0.5]
    assert info.entropy(p, base=math.e) == pytest.approx(info.entropy(p) * math.log(2))


# ---------------------------------------------------------------- properties


@given(distributions())
def test_entropy_is_nonnegative_and_at_most_log_k(p) -> None:
    h = info.entropy(p)
    assert h >= 0
    assert h <= math.log2(len(p)) + 1e-9


@given(st.integers(1, 64))
def test_uniform_reaches_log_k(k) -> None:
    assert info.entropy(np.full(k, 1 / k)) == pytest.approx(math.log2(k), abs=1e-12)


@given(distributions(min_k=2))
def test_only_uniform_reaches_log_k(p) -> None:
    k = len(p)
    if not np.allclose(p, 1 / k, atol=1e-6):
        assert info.entropy(p) < math.log2(k)


def check_gibbs(p, q) -> None:
    """Gibbs' inequality on the sum itself: kl_divergence returns max(sum, 0), which would pass
    any check against 0 whatever the sum (so the check adds up kl_terms instead)."""
    total = float(info.kl_terms(p, q).sum())
    assert total >= -1e-12 * max(1.0, float(np.abs(info.kl_terms(p, q)).sum())), total


@given(pairs())
def test_gibbs_inequality(pq) -> None:
    check_gibbs(*pq)


def test_kl_terms_sum_to_the_divergence_and_can_be_negative() -> None:
    terms = info.kl_terms([0.5, 0.5], [0.25, 0.75])
    assert terms[1] < 0 < terms.sum()
    assert terms.sum() == pytest.approx(info.kl_divergence([0.5, 0.5], [0.25, 0.75]))


def test_the_gibbs_check_fails_on_a_broken_divergence(monkeypatch: pytest.MonkeyPatch) -> None:
    """With terms weighted by the wrong distribution, sum q log(p / q) = -D(q || p) < 0: the
    check of the sum fails, while the old check through kl_divergence's clamp still passes."""
    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    correct = info.kl_terms

    def broken(p, q, base=2):
        return correct(q, p, base) * -1.0  # q_i log(p_i / q_i), a classic slip

    monkeypatch.setattr(info, "kl_terms", broken)
    with pytest.raises(AssertionError):
        check_gibbs(p, q)
    assert info.kl_divergence(p, q) >= 0  # the clamp hides the broken sum


@given(distributions())
def test_kl_of_a_distribution_with_itself_is_zero(p) -> None:
    assert info.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-12)


@given(pairs(zeros_in_q=False))
def test_kl_is_positive_when_distributions_differ(pq) -> None:
    p, q = pq
    if np.abs(p - q).max() > 1e-3:
        assert info.kl_divergence(p, q) > 0


@given(pairs(zeros_in_q=False))
def test_cross_entropy_is_entropy_plus_kl(pq) -> None:
    p, q = pq
    h_pq = info.cross_entropy(p, q)
    assert h_pq == pytest.approx(info.entropy(p) + info.kl_divergence(p, q), rel=1e-9, abs=1e-9)


@given(pairs())
def test_agrees_with_scipy(pq) -> None:
    p, q = pq
    assert info.entropy(p, base=math.e) == pytest.approx(
        scipy.stats.entropy(p), rel=1e-9, abs=1e-12
    )
    expected_kl = scipy.special.rel_entr(p, q).sum()
    got_kl = info.kl_divergence(p, q, base=math.e)
    if math.isinf(expected_kl):
        assert got_kl == math.inf
    else:
        assert got_kl == pytest.approx(max(expected_kl, 0.0), rel=1e-9, abs=1e-12)


@given(hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(0.0, 1.0)))
def test_surprisal_and_binary_entropy_elementwise(p) -> None:
    s = info.surprisal(p)
    assert np.all(s >= 0)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(s, -np.log2(p))
    h = info.binary_entropy(p)
    assert np.all((h >= 0) & (h <= 1 + 1e-12))
    np.testing.assert_allclose(h, scipy.stats.entropy(np.stack([p, 1 - p]), base=2), atol=1e-12)


@settings(max_examples=50)
@given(distributions(), st.sampled_from([2, math.e, 10, 0.5]))
def test_results_are_never_nan(p, base) -> None:
    for value in (
        info.entropy(p, base),
        info.cross_entropy(p, p, base),
        info.kl_divergence(p, p, base),
        info.surprisal(p, base),
    ):
        assert not np.isnan(value).any()


# ---------------------------------------------------------------- bad input


BAD_DISTRIBUTIONS = {
    "negative entry": [0.5, -0.1, 0.6],
    "NaN": [0.5, float("nan"), 0.5],
    "infinite": [float("inf"), 0.0],
    "sum off 1 (the widely copied example)": [0.001, 0.001, 0.001, 0.999],
    "sum well below 1": [0.2, 0.2],
    "a single number": 0.5,
    "no outcomes": [],
    "text": ["a", "b"],
}


@pytest.mark.parametrize("bad", BAD_DISTRIBUTIONS.values(), ids=BAD_DISTRIBUTIONS.keys())
@pytest.mark.parametrize(
    "fn",
    [
        info.entropy,
        lambda p: info.cross_entropy(p, [0.5, 0.5]),
        lambda q: info.kl_divergence([0.5, 0.5], q),
    ],
    ids=["entropy", "cross_entropy", "kl_divergence"],
)
def test_bad_distribution_raises(fn, bad) -> None:
    with pytest.raises(ValueError):
        fn(bad)


def test_error_messages_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"sums to 1\.002"):
        info.entropy([0.001, 0.001, 0.001, 0.999])
    with pytest.raises(ValueError, match="negative"):
        info.entropy([1.1, -0.1])
    with pytest.raises(ValueError, match="NaN"):
        info.surprisal(float("nan"))
    with pytest.raises(ValueError, match="same number of outcomes"):
        info.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])


@pytest.mark.parametrize("bad", [1.5, -0.2, float("nan"), [0.3, 2.0]])
@pytest.mark.parametrize("fn", [info.surprisal, info.binary_entropy])
def test_bad_probability_raises(fn, bad) -> None:
    with pytest.raises(ValueError):
        fn(bad)


def test_mismatched_shapes_raise() -> None:
    with pytest.raises(ValueError):
        info.cross_entropy([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError):
        info.kl_divergence(np.full((3, 2), 0.5), np.full((4, 2), 0.5))


@pytest.mark.parametrize("base", [0, -2, 1, 1.0, float("nan"), float("inf"), "2", True, None])
def test_bad_base_raises(base) -> None:
    for call in (
        lambda: info.surprisal(0.5, base),
        lambda: info.entropy([0.5, 0.5], base),
        lambda: info.binary_entropy(0.5, base),
        lambda: info.cross_entropy([1.0], [1.0], base),
        lambda: info.kl_divergence([1.0], [1.0], base),
    ):
        with pytest.raises(ValueError, match="base"):
            call()


# ---------------------------------------------------------------- conditional entropy, MI


def conditional_entropy_by_definition(joint: np.ndarray, base: float) -> float:
    """H(Y|X) = sum_x p(x) H(Y | X = x), each row's entropy written out with scipy."""
    total = 0.0
    for row in joint:
        p_x = row.sum()
        if p_x > 0:
            total += p_x * scipy.stats.entropy(row / p_x, base=base)
    return total


def mutual_information_by_definition(joint: np.ndarray, base: float) -> float:
    """I(X;Y) = sum p(x,y) log(p(x,y) / (p(x) p(y))), the KL divergence from independence.

    Written with logarithms (p(x) p(y) itself can underflow for tiny entries).
    """
    p_x, p_y = joint.sum(axis=1), joint.sum(axis=0)
    total = 0.0
    for (i, j), p_xy in np.ndenumerate(joint):
        if p_xy > 0:
            total += p_xy * (math.log(p_xy) - math.log(p_x[i]) - math.log(p_y[j]))
    return total / math.log(base)


@st.composite
def joints(draw):
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    return draw(distributions(k=rows * cols)).reshape(rows, cols)


def test_conditional_entropy_and_mutual_information_known_values() -> None:
    copy = [[0.5, 0.0], [0.0, 0.5]]  # Y = X
    independent = np.outer([0.3, 0.7], [0.2, 0.8])
    assert info.conditional_entropy(copy) == 0.0
    assert info.mutual_information(copy) == pytest.approx(1.0)
    assert info.conditional_entropy(independent) == pytest.approx(info.entropy([0.2, 0.8]))
    assert info.mutual_information(independent) == pytest.approx(0.0, abs=1e-12)
    # A row that never occurs contributes nothing.
    assert info.conditional_entropy([[0.5, 0.5], [0.0, 0.0]]) == pytest.approx(1.0)
    assert isinstance(info.conditional_entropy(copy, base=math.e), float)


@given(joints(), st.sampled_from([2, math.e, 10]))
def test_conditional_entropy_and_mutual_information_match_their_definitions(joint, base) -> None:
    h_cond = info.conditional_entropy(joint, base)
    mi = info.mutual_information(joint, base)
    assert h_cond == pytest.approx(conditional_entropy_by_definition(joint, base), abs=1e-9)
    assert mi == pytest.approx(max(mutual_information_by_definition(joint, base), 0.0), abs=1e-9)
    # The chain rule H(X, Y) = H(X) + H(Y|X), and 0 <= I <= min(H(X), H(Y)).
    h_joint = info.entropy(joint.ravel(), base)
    assert h_joint == pytest.approx(info.entropy(joint.sum(axis=1), base) + h_cond, abs=1e-9)
    assert (
        0.0
        <= mi
        <= min(info.entropy(joint.sum(axis=0), base), info.entropy(joint.sum(axis=1), base)) + 1e-9
    )
    assert not math.isnan(h_cond) and not math.isnan(mi)


BAD_JOINTS = {
    "negative entry": ([[0.6, -0.1], [0.25, 0.25]], "negative"),
    "total off 1": ([[0.3, 0.3], [0.3, 0.3]], "sum to 1"),
    "one-dimensional": ([0.5, 0.5], "two-dimensional"),
    "three-dimensional": (np.full((2, 2, 2), 0.125), "two-dimensional"),
    "NaN": ([[0.5, float("nan")], [0.25, 0.25]], "NaN"),
    "infinite": ([[float("inf"), 0.0], [0.0, 0.0]], "infinite"),
    "empty": (np.zeros((0, 3)), "no cells"),
}


@pytest.mark.parametrize("bad,message", BAD_JOINTS.values(), ids=BAD_JOINTS.keys())
@pytest.mark.parametrize("fn", [info.conditional_entropy, info.mutual_information])
def test_bad_joint_raises(fn, bad, message) -> None:
    with pytest.raises(ValueError, match=message):
        fn(bad)


def test_bad_base_raises_for_joint_tables() -> None:
    for fn in (info.conditional_entropy, info.mutual_information):
        with pytest.raises(ValueError, match="base"):
            fn([[1.0]], base=1)
