"""Information content, entropy, cross-entropy and KL divergence of discrete distributions.

Every function takes probabilities as array-likes. For distributions the last axis indexes the
outcomes and any leading axes form a batch. The conventions are the ones information theory
uses: ``0 log 0 = 0``, and a model that gives probability 0 to an outcome that happens is
infinitely surprised (``inf``). ``base=2`` measures in bits, ``base=math.e`` in nats.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import (
    check_base,
    check_distribution,
    check_joint,
    check_probabilities,
    check_same_outcomes,
)

__all__ = [
    "binary_entropy",
    "conditional_entropy",
    "cross_entropy",
    "entropy",
    "kl_divergence",
    "mutual_information",
    "surprisal",
]


def _log(x: NDArray[np.floating], base: float) -> NDArray[np.floating]:
    """Logarithm in ``base``; log(0) is -inf without a warning."""
    with np.errstate(divide="ignore"):
        return np.log(x) / np.log(base)


def _scalar_or_array(x: NDArray[np.floating]) -> float | NDArray[np.floating]:
    """Return a Python float for 0-d results, the array otherwise."""
    return float(x) if np.ndim(x) == 0 else x


def surprisal(p: ArrayLike, base: float = 2) -> float | NDArray[np.floating]:
    """Information content ``-log(p)`` of an event of probability ``p``.

    Parameters
    ----------
    p : array_like
        Probability of the event, in [0, 1]; an array gives one surprisal per entry.
    base : float, default 2
        Base of the logarithm: 2 gives bits, ``math.e`` gives nats.

    Returns
    -------
    float or ndarray
        The surprisal, ``inf`` for an impossible event (``p == 0``).

    Raises
    ------
    ValueError
        If ``p`` is outside [0, 1] or NaN, or ``base`` is not a positive number other than 1.

    Examples
    --------
    >>> surprisal(0.5)
    1.0
    >>> surprisal([1.0, 0.25, 0.125])
    array([0., 2., 3.])
    """
    b = check_base(base)
    probs = check_probabilities(p, "p")
    return _scalar_or_array(-_log(probs, b) + 0.0)  # + 0.0 turns -0.0 into 0.0


def entropy(p: ArrayLike, base: float = 2) -> float | NDArray[np.floating]:
    """Shannon entropy ``H(p) = -sum_i p_i log p_i``: the expected surprisal.

    Parameters
    ----------
    p : array_like
        A distribution over the last axis (entries >= 0 summing to 1); leading axes are a batch.
    base : float, default 2
        Base of the logarithm: 2 gives bits, ``math.e`` gives nats.

    Returns
    -------
    float or ndarray
        The entropy of each distribution (a float for a single one). Outcomes of probability
        0 contribute nothing (``0 log 0 = 0``).

    Raises
    ------
    ValueError
        If ``p`` has a negative entry, NaN, or does not sum to 1, or the base is invalid.

    Examples
    --------
    >>> entropy([0.25, 0.25, 0.25, 0.25])
    2.0
    >>> entropy([[1.0, 0.0], [0.5, 0.5]])
    array([0., 1.])
    """
    b = check_base(base)
    probs = check_distribution(p, "p")
    terms = -probs * _log(np.where(probs > 0, probs, 1.0), b)  # 0 log 0 = 0
    return _scalar_or_array(terms.sum(axis=-1) + 0.0)


def binary_entropy(p: ArrayLike, base: float = 2) -> float | NDArray[np.floating]:
    """Entropy of a coin that lands heads with probability ``p``.

    ``H(p) = -p log p - (1 - p) log(1 - p)``, the entropy of the distribution ``[p, 1 - p]``.

    Parameters
    ----------
    p : array_like
        Probability of one of the two outcomes, in [0, 1]; arrays are handled elementwise.
    base : float, default 2
        Base of the logarithm: 2 gives bits, ``math.e`` gives nats.

    Returns
    -------
    float or ndarray
        The entropy, 0 at ``p`` = 0 or 1 and largest (1 bit) at ``p = 0.5``.

    Raises
    ------
    ValueError
        If ``p`` is outside [0, 1] or NaN, or the base is invalid.

    Examples
    --------
    >>> binary_entropy(0.5)
    1.0
    >>> binary_entropy([0.0, 1.0])
    array([0., 0.])
    """
    probs = check_probabilities(p, "p")
    return entropy(np.stack([probs, 1.0 - probs], axis=-1), base=base)


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float = 2) -> float | NDArray[np.floating]:
    """Cross-entropy ``H(p, q) = -sum_i p_i log q_i`` of a model ``q`` against the truth ``p``.

    It is the average surprisal of someone who believes ``q`` while outcomes are drawn from
    ``p``.

    Parameters
    ----------
    p : array_like
        The true distribution over the last axis.
    q : array_like
        The model's distribution over the same outcomes; batch axes broadcast against ``p``.
    base : float, default 2
        Base of the logarithm: 2 gives bits, ``math.e`` gives nats.

    Returns
    -------
    float or ndarray
        The cross-entropy; ``inf`` if ``q`` gives probability 0 to an outcome that ``p`` does
        not. Terms where ``p_i = 0`` are 0 whatever ``q_i`` is.

    Raises
    ------
    ValueError
        If either input is not a distribution, they cover different numbers of outcomes, or
        the base is invalid.

    Examples
    --------
    >>> cross_entropy([1.0, 0.0, 0.0, 0.0], [0.5, 0.25, 0.125, 0.125])
    1.0
    >>> cross_entropy([0.5, 0.5], [0.5, 0.5])
    1.0
    """
    b = check_base(base)
    pp = check_distribution(p, "p")
    qq = check_distribution(q, "q")
    check_same_outcomes(pp, qq)
    pp, qq = np.broadcast_arrays(pp, qq)
    terms = -pp * _log(np.where(pp > 0, qq, 1.0), b)  # a term with p_i = 0 is 0
    return _scalar_or_array(terms.sum(axis=-1) + 0.0)


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float = 2) -> float | NDArray[np.floating]:
    """Kullback-Leibler divergence ``D(p || q) = sum_i p_i log(p_i / q_i)``.

    The extra surprisal, on average, of using the model ``q`` when outcomes follow ``p``:
    ``D(p || q) = H(p, q) - H(p)``. It is never negative, is 0 only when ``p == q``, and is
    not symmetric.

    Parameters
    ----------
    p : array_like
        The true distribution over the last axis.
    q : array_like
        The model's distribution over the same outcomes; batch axes broadcast against ``p``.
    base : float, default 2
        Base of the logarithm: 2 gives bits, ``math.e`` gives nats.

    Returns
    -------
    float or ndarray
        The divergence; ``inf`` if ``q`` gives probability 0 to an outcome that ``p`` does not.

    Raises
    ------
    ValueError
        If either input is not a distribution, they cover different numbers of outcomes, or
        the base is invalid.

    Examples
    --------
    >>> kl_divergence([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> kl_divergence([1.0, 0.0], [0.5, 0.5])
    1.0
    """
    b = check_base(base)
    pp = check_distribution(p, "p")
    qq = check_distribution(q, "q")
    check_same_outcomes(pp, qq)
    pp, qq = np.broadcast_arrays(pp, qq)
    seen = pp > 0  # a term with p_i = 0 is 0, whatever q_i is
    terms = pp * (_log(np.where(seen, pp, 1.0), b) - _log(np.where(seen, qq, 1.0), b))
    # Rounding can leave a tiny negative total for p == q; the true value is >= 0.
    return _scalar_or_array(np.maximum(terms.sum(axis=-1), 0.0))


def conditional_entropy(joint: ArrayLike, base: float = 2) -> float:
    """Conditional entropy ``H(Y | X) = -sum_{x,y} p(x, y) log p(y | x)`` of a joint table.

    The average surprise left in ``Y`` once ``X`` is known: the entropy of each row's
    distribution ``p(y | x)``, weighted by how often that row ``x`` occurs. It is the smallest
    average cross-entropy that any classifier predicting ``Y`` from ``X`` can reach on data
    drawn from ``joint``.

    Parameters
    ----------
    joint : array_like
        A two-dimensional table ``joint[x, y] = p(x, y)``: rows are the values of ``X``
        (the input), columns the values of ``Y`` (the label); entries >= 0 summing to 1.
    base : float, default 2
        Base of the logarithm: 2 gives bits, ``math.e`` gives nats.

    Returns
    -------
    float
        ``H(Y | X)``, between 0 (``Y`` is a function of ``X``) and ``H(Y)`` (independent).
        A row of zeros (a value of ``X`` that never occurs) contributes nothing.

    Raises
    ------
    ValueError
        If ``joint`` is not two-dimensional, has a negative entry, NaN or an infinite entry,
        or does not sum to 1; or if the base is invalid.

    Examples
    --------
    >>> conditional_entropy([[0.5, 0.0], [0.0, 0.5]])  # Y = X: nothing left to guess
    0.0
    >>> conditional_entropy([[0.25, 0.25], [0.25, 0.25]])  # Y independent of X
    1.0
    """
    b = check_base(base)
    table = check_joint(joint, "joint")
    p_x = table.sum(axis=1, keepdims=True)
    seen = table > 0  # 0 log 0 = 0; a seen cell has p(x) >= p(x, y) > 0
    p_y_given_x = np.where(seen, table / np.where(p_x > 0, p_x, 1.0), 1.0)
    return float(-(table * _log(p_y_given_x, b)).sum() + 0.0)


def mutual_information(joint: ArrayLike, base: float = 2) -> float:
    """Mutual information ``I(X; Y) = H(Y) - H(Y | X)`` of a joint table.

    How much knowing ``X`` lowers the average surprise about ``Y`` (and, symmetrically, the
    other way round). It equals ``D(p(x, y) || p(x) p(y))``, so it is never negative and is 0
    exactly when ``X`` and ``Y`` are independent.

    Parameters
    ----------
    joint : array_like
        A two-dimensional table ``joint[x, y] = p(x, y)``; entries >= 0 summing to 1.
    base : float, default 2
        Base of the logarithm: 2 gives bits, ``math.e`` gives nats.

    Returns
    -------
    float
        ``I(X; Y)``, between 0 and ``min(H(X), H(Y))``.

    Raises
    ------
    ValueError
        If ``joint`` is not two-dimensional, has a negative entry, NaN or an infinite entry,
        or does not sum to 1; or if the base is invalid.

    Examples
    --------
    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]])  # knowing X tells Y: one bit
    1.0
    >>> mutual_information([[0.25, 0.25], [0.25, 0.25]])
    0.0
    """
    b = check_base(base)
    table = check_joint(joint, "joint")
    h_y = entropy(table.sum(axis=0), base=b)
    # Rounding can leave a tiny negative difference for independent X and Y; the truth is >= 0.
    return max(h_y - conditional_entropy(table, base=b), 0.0)
