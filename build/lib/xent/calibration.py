"""Calibration of a classifier's probabilities: reliability curves, ECE and temperature scaling.

A classifier is **calibrated** when, among the examples to which it gives its top class a
probability of about 0.8, about 80 % are right. These functions measure that the way Guo et al.
(2017) do, from the top-label confidence: the examples are sorted into ``n_bins`` equal-width
bins of confidence, ``((m - 1) / M, m / M]``, and each bin's mean confidence is compared with its
accuracy. ``fit_temperature`` fits the one-parameter fix of the same paper, dividing the logits
by a temperature ``T`` chosen to minimise the negative log-likelihood of held-out labels.

Probabilities come as an array of shape ``(N, C)`` (one distribution per row, for example the
softmax of a model's logits) and labels as ``N`` class indices.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from ._validation import check_class_labels, check_distribution, check_logit_matrix

__all__ = [
    "TEMPERATURE_RANGE",
    "ReliabilityCurve",
    "expected_calibration_error",
    "fit_temperature",
    "reliability_curve",
]

#: The temperatures ``fit_temperature`` searches, (lowest, highest).
TEMPERATURE_RANGE: tuple[float, float] = (1e-3, 1e3)


class ReliabilityCurve(NamedTuple):
    """Per-bin statistics of a reliability diagram (arrays of length ``n_bins``).

    Attributes
    ----------
    confidence : ndarray
        Mean top-label confidence of the examples in each bin (NaN for an empty bin).
    accuracy : ndarray
        Fraction of them whose top class is the label (NaN for an empty bin).
    count : ndarray of int
        Number of examples in each bin.
    """

    confidence: NDArray[np.float64]
    accuracy: NDArray[np.float64]
    count: NDArray[np.intp]


def _check_n_bins(n_bins: int) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive whole number of bins; got {n_bins!r}")
    return int(n_bins)


def _top_label(probs: ArrayLike, labels: ArrayLike) -> tuple[NDArray, NDArray]:
    """Validated top-label confidence and correctness (0/1) of every example."""
    p = check_distribution(probs, "probs")
    if p.ndim != 2:
        raise ValueError(
            f"probs must have shape (N, C), one row of class probabilities per example; got "
            f"shape {p.shape}"
        )
    if p.shape[0] == 0:
        raise ValueError("probs holds no examples; calibration needs at least one")
    y = check_class_labels(labels, p.shape[0], p.shape[1])
    top = p.argmax(axis=1)
    return p.max(axis=1).astype(np.float64), (top == y).astype(np.float64)


def _bin_index(confidence: NDArray, n_bins: int) -> NDArray[np.intp]:
    """The bin ``((m - 1) / M, m / M]`` of each confidence (0 goes to the first bin)."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)


def reliability_curve(probs: ArrayLike, labels: ArrayLike, n_bins: int = 15) -> ReliabilityCurve:
    """Mean confidence, accuracy and count of the examples in each confidence bin.

    Each example's **confidence** is the probability of its top class, ``max_c probs[n, c]``;
    the example is correct when that class is its label. The examples are sorted into
    ``n_bins`` equal-width bins ``((m - 1) / M, m / M]`` of confidence. A calibrated model has
    accuracy equal to mean confidence in every bin: its reliability diagram is the diagonal.

    Parameters
    ----------
    probs : array_like
        Class probabilities, shape ``(N, C)``, each row summing to 1.
    labels : array_like of int
        The true classes, shape ``(N,)``, in ``0..C-1``.
    n_bins : int, default 15
        Number of bins of width ``1 / n_bins`` on [0, 1].

    Returns
    -------
    ReliabilityCurve
        A named tuple ``(confidence, accuracy, count)`` of arrays of length ``n_bins``. An
        empty bin has count 0 and NaN confidence and accuracy (there is nothing to average);
        plotting libraries skip NaN.

    Raises
    ------
    ValueError
        If ``probs`` is not a batch of distributions, the labels are not class indices, there
        are no examples, or ``n_bins`` is not a positive integer.

    Examples
    --------
    >>> probs = [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]]
    >>> curve = reliability_curve(probs, [0, 1, 1, 0], n_bins=2)
    >>> curve.count  # every top-class probability is above 0.5
    array([0, 4])
    >>> print(round(float(curve.confidence[1]), 4), curve.accuracy[1])
    0.75 0.5
    """
    conf, correct = _top_label(probs, labels)
    m = _check_n_bins(n_bins)
    bins = _bin_index(conf, m)
    count = np.bincount(bins, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):  # empty bins: 0/0 = NaN, documented
        mean_conf = np.bincount(bins, weights=conf, minlength=m) / count
        accuracy = np.bincount(bins, weights=correct, minlength=m) / count
    return ReliabilityCurve(mean_conf, accuracy, count)


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, n_bins: int = 15) -> float:
    """Expected calibration error (ECE): the count-weighted mean gap of the reliability curve.

    ``ECE = sum_m (|B_m| / N) * |accuracy(B_m) - confidence(B_m)|`` over the equal-width bins
    ``B_m`` of top-label confidence used by ``reliability_curve`` (Guo et al., 2017). It is 0
    for a calibrated model and at most 1; empty bins contribute nothing. With few examples per
    bin it is a noisy, biased estimate: report the number of bins and examples with it.

    Parameters
    ----------
    probs : array_like
        Class probabilities, shape ``(N, C)``, each row summing to 1.
    labels : array_like of int
        The true classes, shape ``(N,)``.
    n_bins : int, default 15
        Number of bins.

    Returns
    -------
    float
        The ECE, in [0, 1].

    Raises
    ------
    ValueError
        As ``reliability_curve``.

    Examples
    --------
    >>> probs = [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]]
    >>> round(expected_calibration_error(probs, [0, 1, 1, 0], n_bins=2), 6)  # |0.5 - 0.75|
    0.25
    >>> expected_calibration_error([[0.5, 0.5], [0.5, 0.5]], [0, 1], n_bins=10)  # 1 of 2 right
    0.0
    """
    curve = reliability_curve(probs, labels, n_bins)
    seen = curve.count > 0
    gaps = np.abs(curve.accuracy[seen] - curve.confidence[seen])
    return float(np.sum(curve.count[seen] * gaps) / np.sum(curve.count))


def _nll_slope(beta: float, x: NDArray, y: NDArray) -> float:
    """Derivative in ``beta = 1 / T`` of the mean NLL of ``beta * x``: E_p[x] - x_y, averaged."""
    z = beta * x
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return float(np.mean(np.sum(p * x, axis=1) - x[np.arange(len(y)), y]))


def fit_temperature(logits: ArrayLike, labels: ArrayLike) -> float:
    """The temperature ``T > 0`` that minimises the mean NLL of ``softmax(logits / T)``.

    Temperature scaling (Guo et al., 2017) divides every logit by one number ``T``, fitted on
    held-out data: ``T > 1`` softens overconfident probabilities, ``T < 1`` sharpens
    underconfident ones, and the predicted class (the argmax) never changes. As a function of
    ``beta = 1 / T`` the NLL is convex, with derivative ``mean_n(E_p[x_n] - x_{n, y_n})``;
    the root of that derivative is found with ``scipy.optimize.brentq`` in float64.

    Parameters
    ----------
    logits : array_like
        Logits of held-out examples, shape ``(N, C)``.
    labels : array_like of int
        Their true classes, shape ``(N,)``.

    Returns
    -------
    float
        The fitted temperature, within ``TEMPERATURE_RANGE``.

    Raises
    ------
    ValueError
        On bad shapes, non-finite logits or bad labels; or when the NLL has no minimum inside
        ``TEMPERATURE_RANGE``. That happens when the logits rank every label first with a
        margin (the NLL keeps falling as ``T`` goes to 0, so no finite temperature is best)
        or when they carry no information about the labels (it falls as ``T`` grows).

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.array([[4.0, 0.0], [4.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    >>> T = fit_temperature(logits, [0, 0, 1, 1])  # 3 of 4 right: p should be 0.75, not 0.98
    >>> print(f"{T:.4f} = 4 / ln 3")
    3.6410 = 4 / ln 3
    >>> from xent.functional import softmax
    >>> print(softmax(logits[0] / T).round(4))
    [0.75 0.25]
    """
    x = check_logit_matrix(logits).astype(np.float64)
    y = check_class_labels(labels, x.shape[0], x.shape[1])
    t_lo, t_hi = TEMPERATURE_RANGE
    beta_lo, beta_hi = 1.0 / t_hi, 1.0 / t_lo
    if _nll_slope(beta_hi, x, y) <= 0:  # 0: the softmax is one-hot, every label first
        raise ValueError(
            f"the NLL still falls at T = {t_lo:g}: the logits put every label first by a wide "
            "margin, so sharpening them always helps and no finite temperature is best. Fit "
            "the temperature on held-out data, where the model makes mistakes"
        )
    if _nll_slope(beta_lo, x, y) > 0:
        raise ValueError(
            f"the NLL still falls at T = {t_hi:g}: the logits carry no information about the "
            "labels (or point away from them), so the best temperature is infinite"
        )
    beta = brentq(_nll_slope, beta_lo, beta_hi, args=(x, y), xtol=1e-12, rtol=1e-12)
    return float(1.0 / beta)
