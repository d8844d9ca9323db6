"""Learning from preferences on a problem small enough to solve exactly (chapter 12).

A *policy* here is a categorical distribution over ``K`` responses to one prompt, and a
*reward* is one number per response. Preferences between two responses follow the
Bradley-Terry model, ``P(a preferred to b) = sigmoid(r_a - r_b)``. The module samples such
preferences, fits a reward model to them with ``xent.functional.bradley_terry_loss`` and a
policy with ``xent.functional.dpo_loss`` (both with their gradients, by BFGS), and gives the
closed form both should approach: the KL-regularised optimum
``pi*(y) = pi_ref(y) exp(r(y) / beta) / Z``.

Preferences are kept as a ``(K, K)`` matrix of counts, ``counts[a, b]`` the number of times
response ``a`` was preferred to response ``b``: the losses take them as weights, so a fit costs
the same for ten comparisons as for ten thousand.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize

from . import functional as xf
from ._validation import as_float_array, check_distribution

__all__ = [
    "comparison_counts",
    "fit_dpo_policy",
    "fit_reward_model",
    "kl_regularised_policy",
    "preference_cross_entropy",
    "sample_comparisons",
]

FloatArray = NDArray[np.floating]


def _rewards(reward: ArrayLike, name: str = "reward") -> FloatArray:
    r = as_float_array(reward, name).astype(np.float64)
    if r.ndim != 1 or r.size < 2:
        raise ValueError(f"{name} must be a vector with one entry per response (at least 2)")
    if not np.isfinite(r).all():
        raise ValueError(f"{name} must be finite")
    return r


def kl_regularised_policy(reference: ArrayLike, reward: ArrayLike, beta: float) -> FloatArray:
    """The policy that maximises ``E_pi[r] - beta * KL(pi || pi_ref)``.

    It is ``pi*(y) = pi_ref(y) * exp(r(y) / beta) / Z``, computed as
    ``softmax(log pi_ref + r / beta)`` so that no exponential overflows, however small
    ``beta``. Adding a constant to every reward leaves it unchanged.

    Parameters
    ----------
    reference : array_like
        The reference policy ``pi_ref``, a distribution over the ``K`` responses.
    reward : array_like
        One reward per response, finite.
    beta : float
        Positive. Small ``beta`` puts nearly all the probability on the best responses the
        reference can produce; large ``beta`` stays near the reference.

    Returns
    -------
    ndarray
        The distribution ``pi*``, shape ``(K,)``. A response the reference never produces
        (probability 0) gets probability 0.

    Raises
    ------
    ValueError
        If ``reference`` is not a distribution, the shapes differ, a reward is not finite or
        ``beta`` is not a positive number.

    Examples
    --------
    >>> print(kl_regularised_policy([0.5, 0.5], [0.0, 1.0], beta=1.0).round(4))
    [0.2689 0.7311]
    >>> print(kl_regularised_policy([0.5, 0.5], [0.0, 1.0], beta=1e-3).round(4))  # greedy
    [0. 1.]
    """
    ref = check_distribution(reference, "reference").astype(np.float64)
    r = _rewards(reward)
    if ref.shape != r.shape:
        raise ValueError(
            f"reference and reward need one entry per response each; got shapes {ref.shape} "
            f"and {r.shape}"
        )
    b = xf._check_beta(beta)
    with np.errstate(divide="ignore"):
        logits = np.log(ref) + r / b
    return xf.softmax(logits)


def sample_comparisons(
    reward: ArrayLike, pairs: ArrayLike, n: int, rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Draw ``n`` Bradley-Terry preferences between pairs of responses.

    Each comparison picks one of ``pairs`` uniformly at random, shows the two responses in a
    random order, and the first one wins with probability ``sigmoid(r_first - r_second)``.

    Parameters
    ----------
    reward : array_like
        The true (hidden) reward of each response.
    pairs : array_like of int
        Shape ``(P, 2)``: the pairs of distinct responses that may be compared.
    n : int
        The number of comparisons, at least 0.
    rng : numpy.random.Generator
        The source of randomness (seed it).

    Returns
    -------
    (ndarray, ndarray)
        ``chosen`` and ``rejected``: the indices of the preferred and of the other response of
        each comparison.

    Raises
    ------
    ValueError
        If ``pairs`` is not a list of pairs of distinct valid indices, or ``n`` is negative.

    Examples
    --------
    >>> import numpy as np
    >>> chosen, rejected = sample_comparisons([0.0, 5.0], [[0, 1]], 4, np.random.default_rng(0))
    >>> print(chosen, rejected)  # response 1 wins with probability sigmoid(5) = 0.993
    [1 1 1 1] [0 0 0 0]
    """
    r = _rewards(reward)
    p = _pairs(pairs, r.size)
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a whole number of comparisons, at least 0; got {n!r}")
    which = p[rng.integers(0, len(p), size=int(n))]
    flip = rng.random(int(n)) < 0.5
    first = np.where(flip, which[:, 1], which[:, 0])
    second = np.where(flip, which[:, 0], which[:, 1])
    first_wins = rng.random(int(n)) < 1 / (1 + np.exp(r[second] - r[first]))
    return np.where(first_wins, first, second), np.where(first_wins, second, first)


def _pairs(pairs: ArrayLike, k: int) -> NDArray[np.intp]:
    p = np.asarray(pairs)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0 or not np.issubdtype(p.dtype, np.integer):
        raise ValueError("pairs must be an integer array of shape (P, 2), one pair per row")
    if (p < 0).any() or (p >= k).any() or (p[:, 0] == p[:, 1]).any():
        raise ValueError(f"each pair must hold two different responses, numbered 0 to {k - 1}")
    return p.astype(np.intp)


def comparison_counts(chosen: ArrayLike, rejected: ArrayLike, n_items: int) -> FloatArray:
    """The ``(K, K)`` matrix whose entry ``[a, b]`` counts the times ``a`` was preferred to ``b``.

    Examples
    --------
    >>> print(comparison_counts([1, 1, 0], [0, 0, 1], 2))
    [[0. 1.]
     [2. 0.]]
    """
    c, r = np.asarray(chosen), np.asarray(rejected)
    if c.shape != r.shape or c.ndim != 1:
        raise ValueError("chosen and rejected must be index vectors of the same length")
    if len(c) and (min(c.min(), r.min()) < 0 or max(c.max(), r.max()) >= n_items):
        raise ValueError(f"indices must lie between 0 and n_items - 1 = {n_items - 1}")
    if (c == r).any():
        raise ValueError("a response cannot be preferred to itself")
    counts = np.zeros((n_items, n_items))
    np.add.at(counts, (c, r), 1.0)
    return counts


def _counts(counts: ArrayLike) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray, int]:
    w = as_float_array(counts, "counts").astype(np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] < 2:
        raise ValueError("counts must be a square (K, K) matrix of comparison counts, K >= 2")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("counts must be finite and >= 0")
    a, b = np.nonzero(w)
    return a, b, w[a, b], w.shape[0]


def _check_penalty(penalty: float) -> float:
    value = float(penalty)
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"penalty must be a finite number >= 0; got {penalty!r}")
    return value


_OPTIONS = {"maxiter": 5000, "gtol": 1e-9}


def fit_reward_model(counts: ArrayLike, penalty: float = 0.0) -> FloatArray:
    """Fit one reward per response to preference counts with the Bradley-Terry loss.

    Minimises ``sum over comparisons of -log sigmoid(r_chosen - r_rejected)`` plus
    ``penalty / 2 * ||r - mean(r)||^2`` by BFGS, with ``bradley_terry_loss`` and its
    gradient. Rewards are identified only up to a constant, so the result is centred (mean 0).
    Without a penalty the fit is finite only when no response (or group of responses) won
    every comparison it took part in; a small penalty always gives a finite answer.

    Parameters
    ----------
    counts : array_like
        ``(K, K)`` comparison counts, as ``comparison_counts`` returns them.
    penalty : float, default 0.0
        Non-negative strength of the quadratic penalty on the centred rewards.

    Returns
    -------
    ndarray
        The centred rewards, shape ``(K,)``.

    Raises
    ------
    ValueError
        If ``counts`` is not a square matrix of non-negative numbers or ``penalty`` is negative.

    Examples
    --------
    >>> print(fit_reward_model([[0, 3], [1, 0]]).round(4))  # sigmoid(r0 - r1) = 3/4
    [ 0.5493 -0.5493]
    """
    a, b, w, k = _counts(counts)
    lam = _check_penalty(penalty)

    def objective(r: FloatArray) -> tuple[float, FloatArray]:
        centred = r - r.mean()
        loss = xf.bradley_terry_loss(r[a], r[b], weight=w, reduction="sum")
        g_a, g_b = xf.bradley_terry_loss_grad(r[a], r[b], weight=w, reduction="sum")
        grad = np.bincount(a, g_a, k) + np.bincount(b, g_b, k) + lam * centred
        return float(loss) + lam / 2 * float(centred @ centred), grad

    r = minimize(objective, np.zeros(k), jac=True, method="BFGS", options=_OPTIONS).x
    return r - r.mean()


def fit_dpo_policy(
    counts: ArrayLike, reference: ArrayLike, beta: float, penalty: float = 0.0
) -> FloatArray:
    """Fit a categorical policy to preference counts with the DPO loss.

    The policy is ``softmax(theta)`` with one free logit per response, started at the
    reference. BFGS minimises the summed ``dpo_loss`` of the comparisons plus
    ``penalty / 2 * ||u - mean(u)||^2`` on the implicit rewards
    ``u = beta * (log pi - log pi_ref)`` (the same penalty ``fit_reward_model`` puts on its
    rewards), with ``dpo_loss_grad`` chained through the log-softmax:
    ``dL/dtheta = g - pi * sum(g)`` for ``g = dL/dlog pi``.

    Parameters
    ----------
    counts : array_like
        ``(K, K)`` comparison counts.
    reference : array_like
        The reference policy, a distribution over the ``K`` responses with no zero entry.
    beta : float
        Positive, as in ``dpo_loss``.
    penalty : float, default 0.0
        Non-negative strength of the penalty on the centred implicit rewards.

    Returns
    -------
    ndarray
        The fitted policy, a distribution of shape ``(K,)``.

    Raises
    ------
    ValueError
        If ``counts`` or ``reference`` is malformed, the reference gives a response probability
        0, or ``beta`` or ``penalty`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> pi = fit_dpo_policy([[0, 3], [1, 0]], [0.5, 0.5], beta=1.0)
    >>> print(pi.round(4))  # pi_ref * exp(r / beta) with r0 - r1 = log 3: (3/4, 1/4)
    [0.75 0.25]
    """
    a, b, w, k = _counts(counts)
    ref = check_distribution(reference, "reference").astype(np.float64)
    if ref.shape != (k,) or (ref == 0).any():
        raise ValueError(
            f"reference must give each of the {k} responses a probability above 0 (DPO divides "
            "by it)"
        )
    bt = xf._check_beta(beta)
    lam = _check_penalty(penalty)
    log_ref = np.log(ref)

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        log_pi = xf.log_softmax(theta)
        u = bt * (log_pi - log_ref)
        centred = u - u.mean()
        args = (log_pi[a], log_pi[b], log_ref[a], log_ref[b], bt)
        loss = xf.dpo_loss(*args, weight=w, reduction="sum")
        g_a, g_b = xf.dpo_loss_grad(*args, weight=w, reduction="sum")
        g = np.bincount(a, g_a, k) + np.bincount(b, g_b, k) + lam * bt * centred
        grad = g - np.exp(log_pi) * g.sum()
        return float(loss) + lam / 2 * float(centred @ centred), grad

    theta = minimize(objective, log_ref.copy(), jac=True, method="BFGS", options=_OPTIONS).x
    return xf.softmax(theta)


def preference_cross_entropy(
    true_reward: ArrayLike, model_reward: ArrayLike, pairs: ArrayLike
) -> tuple[float, float]:
    """Exact cross-entropy of a reward model's preferences on a set of pairs, and its floor.

    For each pair ``(a, b)`` the true preference is Bernoulli with ``p = sigmoid(r_a - r_b)``
    and the model predicts ``q = sigmoid(m_a - m_b)``; the expected binary cross-entropy
    ``H(p, q)`` is computed exactly (no sampled labels), averaged over the pairs, together
    with the average entropy ``H(p)``, the floor it reaches only when ``q = p``.

    Returns
    -------
    (float, float)
        The mean cross-entropy and the mean entropy, in nats per comparison.

    Examples
    --------
    >>> h, floor = preference_cross_entropy([0.0, 1.0], [0.0, 1.0], [[0, 1]])
    >>> print(round(h, 4), round(floor, 4))  # a perfect model reaches the floor
    0.5822 0.5822
    """
    r, m = _rewards(true_reward, "true_reward"), _rewards(model_reward, "model_reward")
    if r.shape != m.shape:
        raise ValueError("true_reward and model_reward need one entry per response each")
    p = _pairs(pairs, r.size)
    d_true, d_model = r[p[:, 0]] - r[p[:, 1]], m[p[:, 0]] - m[p[:, 1]]
    prob = 1 / (1 + np.exp(-d_true))
    ones = np.ones_like(d_true)
    # H(p, q) = p * (-log q) + (1 - p) * (-log(1 - q)), each a Bradley-Terry loss
    cross = prob * xf.bradley_terry_loss(d_model, 0 * ones, reduction="none") + (
        1 - prob
    ) * xf.bradley_terry_loss(-d_model, 0 * ones, reduction="none")
    entropy = prob * xf.bradley_terry_loss(d_true, 0 * ones, reduction="none") + (
        1 - prob
    ) * xf.bradley_terry_loss(-d_true, 0 * ones, reduction="none")
    return float(cross.mean()), float(entropy.mean())
