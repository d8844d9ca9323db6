"""Cross-entropy as maximum likelihood: sample data, count it, and fit a categorical model.

The model is a softmax over ``K`` logits, ``q = softmax(z)``. Its average cross-entropy on a
sample ``x_1, ..., x_n`` is ``-(1/n) sum_i log q[x_i]``: minus the average log-likelihood, and
also the cross-entropy ``H(p_data, q)`` against the empirical distribution ``p_data`` of the
sample. Everything here measures in nats (natural logarithms), like PyTorch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, check_distribution
from .functional import log_softmax, softmax
from .info import cross_entropy

__all__ = [
    "CategoricalFit",
    "average_cross_entropy",
    "empirical_distribution",
    "fit_categorical",
    "log_likelihood",
    "sample_categorical",
]


def _check_num_outcomes(num_outcomes: int) -> int:
    if isinstance(num_outcomes, bool) or not isinstance(num_outcomes, int | np.integer):
        raise ValueError(f"num_outcomes must be a whole number; got {num_outcomes!r}")
    if num_outcomes < 1:
        raise ValueError(f"num_outcomes must be at least 1; got {num_outcomes}")
    return int(num_outcomes)


def _check_samples(samples: ArrayLike, num_outcomes: int, name: str = "samples") -> NDArray:
    """Return ``samples`` as a 1-d integer array of outcome indices in ``[0, num_outcomes)``."""
    arr = as_float_array(samples, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a flat list of outcome indices; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; a sample needs at least one observation")
    if not np.isfinite(arr).all() or not np.array_equal(arr, np.round(arr)):
        raise ValueError(f"{name} must hold whole numbers (outcome indices 0, 1, 2, ...)")
    if arr.min() < 0 or arr.max() >= num_outcomes:
        raise ValueError(
            f"{name} must hold outcome indices from 0 to {num_outcomes - 1}; "
            f"found {arr.min():g} to {arr.max():g}"
        )
    return arr.astype(np.intp)


def sample_categorical(p: ArrayLike, n: int, seed: int) -> NDArray[np.intp]:
    """Draw ``n`` independent outcomes (indices ``0 .. K-1``) from the distribution ``p``.

    Parameters
    ----------
    p : array_like
        A single distribution over ``K`` outcomes.
    n : int
        How many outcomes to draw (at least 1).
    seed : int
        Seed of the random generator, so that the same call always gives the same sample.

    Returns
    -------
    ndarray of int
        The ``n`` outcome indices.

    Raises
    ------
    ValueError
        If ``p`` is not a single distribution or ``n`` is not a positive whole number.

    Examples
    --------
    >>> x = sample_categorical([0.5, 0.5], n=1000, seed=0)
    >>> x.shape, sorted(set(x.tolist()))
    ((1000,), [0, 1])
    """
    probs = check_distribution(p, "p")
    if probs.ndim != 1:
        raise ValueError(f"p must be one distribution (a vector); got shape {probs.shape}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive whole number; got {n!r}")
    rng = np.random.default_rng(seed)
    return rng.choice(probs.size, size=int(n), p=probs / probs.sum())


def empirical_distribution(samples: ArrayLike, num_outcomes: int) -> NDArray[np.float64]:
    """The relative frequency of each outcome in a sample: ``count(k) / n``.

    Parameters
    ----------
    samples : array_like of int
        Observed outcome indices, each in ``0 .. num_outcomes - 1``.
    num_outcomes : int
        The number ``K`` of possible outcomes (outcomes never seen get frequency 0).

    Returns
    -------
    ndarray
        A distribution of length ``num_outcomes``.

    Raises
    ------
    ValueError
        If the sample is empty, holds something other than whole numbers, or an index is out of
        range.

    Examples
    --------
    >>> empirical_distribution([0, 2, 2, 1], num_outcomes=4)
    array([0.25, 0.25, 0.5 , 0.  ])
    """
    k = _check_num_outcomes(num_outcomes)
    x = _check_samples(samples, k)
    return np.bincount(x, minlength=k) / x.size


def _model_log_probs(q: ArrayLike) -> NDArray[np.floating]:
    probs = check_distribution(q, "q")
    if probs.ndim != 1:
        raise ValueError(f"q must be one distribution (a vector); got shape {probs.shape}")
    with np.errstate(divide="ignore"):
        return np.log(probs)


def log_likelihood(q: ArrayLike, samples: ArrayLike) -> float:
    """Log-likelihood ``sum_i ln q[x_i]`` of i.i.d. samples under the model ``q`` (in nats).

    Parameters
    ----------
    q : array_like
        The model's distribution over ``K`` outcomes.
    samples : array_like of int
        Observed outcome indices, each in ``0 .. K - 1``.

    Returns
    -------
    float
        The log-likelihood, at most 0; ``-inf`` if ``q`` gives probability 0 to an observation.

    Raises
    ------
    ValueError
        If ``q`` is not a distribution or the samples are not valid outcome indices.

    Examples
    --------
    >>> log_likelihood([0.5, 0.5], [0, 1, 1])  # three fair coin tosses: ln(1/8)
    -2.0794415416798357
    """
    log_q = _model_log_probs(q)
    x = _check_samples(samples, log_q.size)
    return float(log_q[x].sum())


def average_cross_entropy(q: ArrayLike, samples: ArrayLike, base: float = math.e) -> float:
    """Average surprisal ``-(1/n) sum_i log q[x_i]`` of the model ``q`` on a sample.

    This is the training loss of a classifier with no inputs, minus the average
    log-likelihood, and the cross-entropy ``H(p_data, q)`` against the sample's empirical
    distribution ``p_data``.

    Parameters
    ----------
    q : array_like
        The model's distribution over ``K`` outcomes.
    samples : array_like of int
        Observed outcome indices, each in ``0 .. K - 1``.
    base : float, default e
        Base of the logarithm: ``math.e`` gives nats (as in PyTorch), 2 gives bits.

    Returns
    -------
    float
        The average cross-entropy, ``inf`` if ``q`` gives probability 0 to an observation.

    Raises
    ------
    ValueError
        If ``q`` is not a distribution, the samples are not valid outcome indices, or the base
        is invalid.

    Examples
    --------
    >>> average_cross_entropy([0.5, 0.25, 0.25], [0, 1, 2, 0], base=2)
    1.5
    """
    log_q = _model_log_probs(q)
    p_data = empirical_distribution(samples, log_q.size)
    return float(cross_entropy(p_data, q, base=base))


@dataclass(frozen=True)
class CategoricalFit:
    """The result of :func:`fit_categorical`.

    Attributes
    ----------
    logits : ndarray
        The fitted logits ``z`` (defined up to an added constant).
    probabilities : ndarray
        The fitted model ``q = softmax(z)``.
    train_loss : ndarray
        Average cross-entropy on the training sample (nats) before each step and after the
        last one: ``steps + 1`` values.
    heldout_loss : ndarray or None
        The same on the held-out sample, if one was given.
    """

    logits: NDArray[np.float64]
    probabilities: NDArray[np.float64]
    train_loss: NDArray[np.float64]
    heldout_loss: NDArray[np.float64] | None


def fit_categorical(
    samples: ArrayLike,
    num_outcomes: int,
    *,
    learning_rate: float = 1.0,
    steps: int = 200,
    heldout: ArrayLike | None = None,
    init_logits: ArrayLike | None = None,
) -> CategoricalFit:
    """Fit ``q = softmax(z)`` to a sample by gradient descent on the average cross-entropy.

    The loss is ``L(z) = -(1/n) sum_i log softmax(z)[x_i] = H(p_data, softmax(z))`` and its
    gradient is ``softmax(z) - p_data``, so each step is
    ``z <- z - learning_rate * (softmax(z) - p_data)``. The minimum is at ``q = p_data``.

    Parameters
    ----------
    samples : array_like of int
        The training sample: outcome indices in ``0 .. num_outcomes - 1``.
    num_outcomes : int
        The number ``K`` of outcomes (classes) of the model.
    learning_rate : float, default 1.0
        Step size of gradient descent (positive).
    steps : int, default 200
        Number of gradient steps (0 or more).
    heldout : array_like of int, optional
        A second sample, never used for fitting, on which the loss is also recorded.
    init_logits : array_like, optional
        Starting logits (length ``num_outcomes``); the default, all zeros, is the uniform model.

    Returns
    -------
    CategoricalFit
        Fitted logits and probabilities, and the loss curves in nats.

    Raises
    ------
    ValueError
        If a sample is invalid, or ``learning_rate``, ``steps`` or ``init_logits`` is.

    Examples
    --------
    >>> fit = fit_categorical([0, 0, 0, 1], num_outcomes=2, steps=500)
    >>> fit.probabilities.round(3)
    array([0.75, 0.25])
    >>> bool(fit.train_loss[-1] < fit.train_loss[0])
    True
    """
    k = _check_num_outcomes(num_outcomes)
    p_data = empirical_distribution(samples, k)
    p_heldout = None if heldout is None else empirical_distribution(heldout, k)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, int | float | np.number):
        raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}")
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0; got {steps!r}")
    if init_logits is None:
        z = np.zeros(k)
    else:
        z = as_float_array(init_logits, "init_logits").astype(np.float64)
        if z.shape != (k,) or not np.isfinite(z).all():
            raise ValueError(f"init_logits must be {k} finite numbers; got shape {z.shape}")
        z = z.copy()

    def loss(p: NDArray[np.float64], log_q: NDArray[np.float64]) -> float:
        return float(-(p * log_q).sum())  # H(p, q) in nats; softmax never gives exact 0 here

    train, held = [], []
    for step in range(steps + 1):
        log_q = log_softmax(z)
        train.append(loss(p_data, log_q))
        if p_heldout is not None:
            held.append(loss(p_heldout, log_q))
        if step < steps:
            z -= learning_rate * (np.exp(log_q) - p_data)
    return CategoricalFit(
        logits=z,
        probabilities=softmax(z),
        train_loss=np.array(train),
        heldout_loss=None if p_heldout is None else np.array(held),
    )
