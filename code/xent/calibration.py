"""Calibration of a classifier's probabilities: reliability curves, ECE, Brier score, temperature.

A classifier is **calibrated** (in its top label) when, among the examples to which it gives its
top class a probability of about 0.8, about 80 % are right. These functions measure that the way
Guo et al. (2017) do, from the top-label confidence: the examples are sorted into ``n_bins``
bins of confidence, ``(lo, hi]``, and each bin's mean confidence is compared with its accuracy.
The bins are equal-width, ``((m - 1) / M, m / M]`` with every edge exactly ``m / M``, or
equal-mass (``strategy="mass"``: each holds about the same number of examples, as Nixon et al.
(2019) recommend). ``brier_score`` is the mean squared distance between the predicted
distribution and the one-hot label, a proper scoring rule that needs no bins.
``fit_temperature`` fits the one-parameter fix of Guo et al., dividing the logits by a
temperature ``T`` chosen to minimise the negative log-likelihood of held-out labels.
``load_digits`` reads the handwritten digits that chapters 9 and 10 calibrate a network on.

Probabilities come as an array of shape ``(N, C)`` (one distribution per row, for example the
softmax of a model's logits) and labels as ``N`` class indices.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from ._validation import as_float_array, check_class_labels, check_distribution

__all__ = [
    "BIN_STRATEGIES",
    "TEMPERATURE_RANGE",
    "ReliabilityCurve",
    "bin_edges",
    "brier_score",
    "expected_calibration_error",
    "fit_temperature",
    "load_digits",
    "reliability_curve",
]

#: The temperatures ``fit_temperature`` returns, (lowest, highest).
TEMPERATURE_RANGE: tuple[float, float] = (1e-3, 1e3)

_TINY = float(np.finfo(np.float64).tiny)  # the bracket's low end: beta = 0 would turn -inf into NaN

#: How ``reliability_curve`` places its bins: equal width, or equal numbers of examples.
BIN_STRATEGIES: tuple[str, ...] = ("width", "mass")


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


def _check_strategy(strategy: str) -> str:
    if strategy not in BIN_STRATEGIES:
        raise ValueError(
            f"strategy must be 'width' (equal-width bins) or 'mass' (bins with equal numbers "
            f"of examples); got {strategy!r}"
        )
    return strategy


def _top_label(probs: ArrayLike, labels: ArrayLike) -> tuple[NDArray, NDArray]:
    """Validated top-label confidence and correctness (0/1) of every example."""
    p = _probability_rows(probs)
    y = check_class_labels(labels, p.shape[0], p.shape[1])
    top = p.argmax(axis=1)
    return p.max(axis=1).astype(np.float64), (top == y).astype(np.float64)


def _probability_rows(probs: ArrayLike) -> NDArray:
    p = check_distribution(probs, "probs")
    if p.ndim != 2:
        raise ValueError(
            f"probs must have shape (N, C), one row of class probabilities per example; got "
            f"shape {p.shape}"
        )
    if p.shape[0] == 0:
        raise ValueError("probs holds no examples; calibration needs at least one")
    return p


def bin_edges(confidence: ArrayLike, n_bins: int = 15, strategy: str = "width") -> NDArray:
    """The ``n_bins + 1`` bin edges ``reliability_curve`` uses for these confidences.

    With ``strategy="width"`` the edges are ``m / M`` for ``m = 0..M``, each computed as one
    correctly rounded division, so a confidence of exactly ``m / M`` (as a float) lies on an
    edge and belongs to the bin below it, ``((m - 1) / M, m / M]``. (``np.linspace(0, 1, M +
    1)`` computes ``m * (1 / M)``, which for many ``M`` lands one rounding step away from ``m /
    M``: for ``M = 6`` its edge 5 is below 5/6, so a confidence of 5/6 went to the bin above.)
    With ``strategy="mass"`` the inner edges are the ``m / M`` quantiles of
    the confidences (``np.quantile``'s default, linear interpolation, as scikit-learn's
    ``calibration_curve(strategy="quantile")``), so each bin holds about ``N / M`` examples; the
    outer edges are 0 and 1. Ties can leave a bin empty.

    Parameters
    ----------
    confidence : array_like
        The top-label confidences, numbers in [0, 1] (used only by ``strategy="mass"``).
    n_bins : int, default 15
        Number of bins, ``M``.
    strategy : {'width', 'mass'}, default 'width'
        Equal-width or equal-mass bins.

    Returns
    -------
    ndarray
        Increasing edges, ``edges[0] = 0`` and ``edges[-1] = 1``, shape ``(n_bins + 1,)``.

    Raises
    ------
    ValueError
        If ``n_bins`` is not a positive integer, ``strategy`` is unknown or a confidence is not
        a number in [0, 1].

    Examples
    --------
    >>> print(bin_edges([], n_bins=6)[5] == 5 / 6, np.linspace(0, 1, 7)[5] == 5 / 6)
    True False
    >>> print(bin_edges([0.1, 0.2, 0.3, 0.9], n_bins=2, strategy="mass"))
    [0.   0.25 1.  ]
    """
    m = _check_n_bins(n_bins)
    if _check_strategy(strategy) == "width":
        return np.arange(m + 1) / m
    conf = as_float_array(confidence, "confidence").ravel()
    if conf.size == 0 or (conf < 0).any() or (conf > 1).any():
        raise ValueError(
            "equal-mass bins need at least one confidence, and confidences are numbers in [0, 1]"
        )
    inner = np.quantile(conf.astype(np.float64), np.arange(1, m) / m)
    return np.concatenate([[0.0], inner, [1.0]])


def _bin_index(confidence: NDArray, edges: NDArray) -> NDArray[np.intp]:
    """The bin ``(edges[m], edges[m + 1]]`` of each confidence (0 goes to the first bin)."""
    return np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, len(edges) - 2)


def reliability_curve(
    probs: ArrayLike, labels: ArrayLike, n_bins: int = 15, strategy: str = "width"
) -> ReliabilityCurve:
    """Mean confidence, accuracy and count of the examples in each confidence bin.

    Each example's **confidence** is the probability of its top class, ``max_c probs[n, c]``;
    the example is correct when that class is its label (this is *top-label* calibration;
    *classwise* calibration would ask the same of every class's probability). The examples are
    sorted into ``n_bins`` bins ``(lo, hi]`` of confidence, with the edges of ``bin_edges``:
    equal-width bins ``((m - 1) / M, m / M]`` by default, or equal-mass bins. A calibrated
    model has accuracy equal to mean confidence in every bin: its reliability diagram is the
    diagonal.

    Parameters
    ----------
    probs : array_like
        Class probabilities, shape ``(N, C)``, each row summing to 1.
    labels : array_like of int
        The true classes, shape ``(N,)``, in ``0..C-1``.
    n_bins : int, default 15
        Number of bins.
    strategy : {'width', 'mass'}, default 'width'
        Equal-width bins of width ``1 / n_bins`` on [0, 1], or bins holding about ``N / n_bins``
        examples each (see ``bin_edges``).

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
        are no examples, ``n_bins`` is not a positive integer or ``strategy`` is unknown.

    Examples
    --------
    >>> probs = [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]]
    >>> curve = reliability_curve(probs, [0, 1, 1, 0], n_bins=2)
    >>> curve.count  # every top-class probability is above 0.5
    array([0, 4])
    >>> print(round(float(curve.confidence[1]), 4), curve.accuracy[1])
    0.75 0.5
    >>> reliability_curve(probs, [0, 1, 1, 0], n_bins=2, strategy="mass").count
    array([2, 2])
    """
    conf, correct = _top_label(probs, labels)
    m = _check_n_bins(n_bins)
    bins = _bin_index(conf, bin_edges(conf, m, strategy))
    count = np.bincount(bins, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):  # empty bins: 0/0 = NaN, documented
        mean_conf = np.bincount(bins, weights=conf, minlength=m) / count
        accuracy = np.bincount(bins, weights=correct, minlength=m) / count
    return ReliabilityCurve(mean_conf, accuracy, count)


def expected_calibration_error(
    probs: ArrayLike, labels: ArrayLike, n_bins: int = 15, strategy: str = "width"
) -> float:
    """Expected calibration error (ECE): the count-weighted mean gap of the reliability curve.

    ``ECE = sum_m (|B_m| / N) * |accuracy(B_m) - confidence(B_m)|`` over the bins ``B_m`` of
    top-label confidence used by ``reliability_curve``: equal-width bins as in Guo et al.
    (2017), or equal-mass bins (``strategy="mass"``, the "adaptive" ECE of Nixon et al., 2019).
    It is 0 for a calibrated model and at most 1; empty bins contribute nothing. It is an
    estimate biased upwards: with few examples per bin, even a perfectly calibrated model
    scores above 0, the more so the more bins; report the number of bins and examples with it.

    Parameters
    ----------
    probs : array_like
        Class probabilities, shape ``(N, C)``, each row summing to 1.
    labels : array_like of int
        The true classes, shape ``(N,)``.
    n_bins : int, default 15
        Number of bins.
    strategy : {'width', 'mass'}, default 'width'
        Equal-width or equal-mass bins.

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
    curve = reliability_curve(probs, labels, n_bins, strategy)
    seen = curve.count > 0
    gaps = np.abs(curve.accuracy[seen] - curve.confidence[seen])
    return float(np.sum(curve.count[seen] * gaps) / np.sum(curve.count))


def brier_score(
    probs: ArrayLike, labels: ArrayLike, reduction: str = "mean"
) -> float | NDArray[np.float64]:
    """The Brier score: mean squared distance between each predicted distribution and its label.

    ``BS = (1 / N) sum_n sum_c (probs[n, c] - [c = y_n])**2`` (Brier, 1950), in [0, 2]. Like
    the negative log-likelihood, and unlike the ECE, it is a *proper scoring rule*: its
    expectation under the true distribution of the label is smallest when the predicted
    distribution *is* that distribution, so it rewards calibration and sharpness together and
    needs no bins. It also stays finite when a wrong class gets probability 1 (it costs 2),
    where the NLL is infinite. For two classes it is twice scikit-learn's
    ``brier_score_loss``, which scores the probability of one class only.

    Parameters
    ----------
    probs : array_like
        Class probabilities, shape ``(N, C)``, each row summing to 1.
    labels : array_like of int
        The true classes, shape ``(N,)``.
    reduction : {'mean', 'none'}, default 'mean'
        ``'none'`` returns each example's score (for a bootstrap, say), shape ``(N,)``.

    Returns
    -------
    float or ndarray
        The mean Brier score, in [0, 2], or the ``N`` scores of the examples.

    Raises
    ------
    ValueError
        If ``probs`` is not a batch of distributions, the labels are not class indices,
        there are no examples or ``reduction`` is neither ``'mean'`` nor ``'none'``.

    Examples
    --------
    >>> round(brier_score([[0.8, 0.2], [0.5, 0.5]], [0, 1]), 12)  # (0.04 + 0.04 + 0.25 + 0.25) / 2
    0.29
    >>> brier_score([[0.0, 1.0]], [0])  # certain and wrong: 2, not infinity
    2.0
    >>> brier_score([[0.0, 1.0], [1.0, 0.0]], [0, 0], reduction="none")
    array([2., 0.])
    """
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none'; got {reduction!r}")
    p = _probability_rows(probs).astype(np.float64)
    y = check_class_labels(labels, p.shape[0], p.shape[1])
    d = p.copy()
    d[np.arange(len(y)), y] -= 1.0
    per_example = np.sum(d * d, axis=1)
    return per_example if reduction == "none" else float(np.mean(per_example))


def _nll_slope(beta: float, x: NDArray, y: NDArray) -> float:
    """Derivative in ``beta = 1 / T`` of the mean NLL of ``beta * x``: E_p[x] - x_y, averaged.

    ``x`` may hold -inf (a masked class): its probability is 0 and it adds nothing.
    """
    z = beta * x
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    finite_x = np.where(p > 0, x, 0.0)
    return float(np.mean(np.sum(p * finite_x, axis=1) - x[np.arange(len(y)), y]))


def _check_temperature_logits(logits: ArrayLike) -> NDArray[np.float64]:
    x = as_float_array(logits, "logits")
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] < 2:
        raise ValueError(
            f"logits must have shape (N, C) with at least one example and two classes; got "
            f"shape {x.shape}"
        )
    if np.isposinf(x).any():
        raise ValueError(
            "logits must be finite numbers or -inf (a masked class); they contain +inf"
        )
    if not np.isfinite(x.max(axis=1)).all():
        raise ValueError("a row of the logits is entirely -inf: it gives no distribution at all")
    return x.astype(np.float64)


def fit_temperature(logits: ArrayLike, labels: ArrayLike) -> float:
    """The temperature ``T > 0`` that minimises the mean NLL of ``softmax(logits / T)``.

    Temperature scaling (Guo et al., 2017) divides every logit by one number ``T``, fitted on
    held-out data: ``T > 1`` softens overconfident probabilities, ``T < 1`` sharpens
    underconfident ones, and the predicted class (the argmax) never changes. As a function of
    ``beta = 1 / T`` the NLL is convex, with derivative ``mean_n(E_p[x_n] - x_{n, y_n})``, which
    grows from ``mean_n(mean_c x_{n, c} - x_{n, y_n})`` at ``beta = 0`` to
    ``mean_n(max_c x_{n, c} - x_{n, y_n})`` as ``beta`` grows. Convexity allows at most one
    minimum, and there is one exactly when the first is negative (the labels' logits lie above
    their rows' means, on average) and the second positive (some label is not ranked first).
    Its root is found with ``scipy.optimize.brentq`` in float64.

    Parameters
    ----------
    logits : array_like
        Logits of held-out examples, shape ``(N, C)``; finite, or -inf for a masked class (as
        ``xent.functional.cross_entropy`` and ``focal_loss`` accept), but not the label's.
    labels : array_like of int
        Their true classes, shape ``(N,)``.

    Returns
    -------
    float
        The fitted temperature, within ``TEMPERATURE_RANGE``.

    Raises
    ------
    ValueError
        On bad shapes, NaN or +inf logits, a label whose logit is -inf, or bad labels; and,
        each with its own message, when the NLL has no minimum at a finite ``T > 0``:
        every row's logits are all equal (the NLL is the same for every ``T``); the logits
        carry no information about the labels (it falls as ``T`` grows, towards infinity); or
        they rank every label first (it falls as ``T`` shrinks, towards 0). A minimum outside
        ``TEMPERATURE_RANGE`` is reported with its value.

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
    x = _check_temperature_logits(logits)
    y = check_class_labels(labels, x.shape[0], x.shape[1])
    rows = np.arange(len(y))
    if np.isneginf(x[rows, y]).any():
        raise ValueError(
            "a label's logit is -inf: its probability is 0 at every temperature and the NLL "
            "is infinite; a masked class cannot be the label"
        )
    finite = np.isfinite(x)
    row_mean = np.sum(np.where(finite, x, 0.0), axis=1) / finite.sum(axis=1)
    slope_at_0 = float(np.mean(row_mean - x[rows, y]))  # beta -> 0: uniform over unmasked
    slope_at_inf = float(np.mean(x.max(axis=1) - x[rows, y]))  # beta -> inf: one-hot on argmax
    constant = np.ptp(np.where(finite, x, x.max(axis=1, keepdims=True)), axis=1) == 0
    if constant.all():
        raise ValueError(
            "every row of the logits gives its classes the same logit, so softmax(logits / T) "
            "is the same for every T and the NLL does not depend on T: no temperature is best"
        )
    if slope_at_0 >= 0:
        raise ValueError(
            "the NLL keeps falling as T grows: the logits carry no information about the "
            "labels (or point away from them; the labels' logits lie, on average, no higher "
            "than their rows' means), so the best temperature is infinite"
        )
    if slope_at_inf <= 0:
        raise ValueError(
            "the NLL keeps falling as T shrinks towards 0: the logits rank every label first, "
            "so sharpening them always helps and no finite temperature is best. Fit the "
            "temperature on held-out data, where the model makes mistakes"
        )
    t_lo, t_hi = TEMPERATURE_RANGE
    beta_hi = 1.0
    while _nll_slope(beta_hi, x, y) <= 0:  # the slope tends to slope_at_inf > 0 as beta grows
        if beta_hi >= 10.0 / t_lo:
            raise ValueError(_out_of_range(f"below {1 / beta_hi:g}", low=True))
        beta_hi *= 10.0
    beta = brentq(_nll_slope, _TINY, beta_hi, args=(x, y), xtol=1e-300, rtol=1e-12)
    t = 1.0 / beta
    if not t_lo <= t <= t_hi:
        raise ValueError(_out_of_range(f"= {t:.4g}", low=t < t_lo))
    return float(t)


def _out_of_range(where: str, low: bool) -> str:
    t_lo, t_hi = TEMPERATURE_RANGE
    return (
        f"the NLL has its minimum at T {where}, outside the temperatures fit_temperature "
        f"returns ({t_lo:g} to {t_hi:g}, TEMPERATURE_RANGE): the logits are on an unusual scale "
        f"for how often they are right; {'multiply' if low else 'divide'} them by a constant "
        "and fit again"
    )


def load_digits(n_class: int = 10) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The 1,797 handwritten digits that ship with scikit-learn, read without importing it.

    The same arrays as ``sklearn.datasets.load_digits(n_class=n_class, return_X_y=True)``: the
    UCI optical-recognition digits (Alpaydin and Kaynak, 1998), 8 x 8 images with grey levels 0
    to 16, each labelled with its digit. They are read from the compressed CSV file inside the
    installed scikit-learn package, so nothing is downloaded; scikit-learn itself is not
    imported, which saves about a second (its import pulls in ``scipy.stats``).

    Parameters
    ----------
    n_class : int, default 10
        Keep the images of the digits ``0`` to ``n_class - 1`` only, as scikit-learn does.

    Returns
    -------
    images : ndarray of float64, shape (N, 64)
        One row of 64 grey levels (0 to 16) per image, row by row.
    labels : ndarray of int64, shape (N,)
        The digit shown in each image.

    Raises
    ------
    ValueError
        If ``n_class`` is not a whole number from 1 to 10.
    ModuleNotFoundError
        If scikit-learn, whose file this reads, is not installed.

    Examples
    --------
    >>> images, labels = load_digits()
    >>> images.shape, labels.shape
    ((1797, 64), (1797,))
    >>> int(images.min()), int(images.max()), labels[:5].tolist()
    (0, 16, [0, 1, 2, 3, 4])
    >>> len(load_digits(n_class=2)[1])  # the 0s and the 1s
    360
    """
    if (
        isinstance(n_class, bool)
        or not isinstance(n_class, int | np.integer)
        or not (1 <= n_class <= 10)
    ):
        raise ValueError(
            f"n_class must be a whole number of digits from 1 to 10 (the images of the digits "
            f"0 to n_class - 1 are kept); got {n_class!r}"
        )
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "load_digits reads the digits file that ships with scikit-learn, which is not "
            "installed: install the package scikit-learn"
        )
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    data = np.loadtxt(path, delimiter=",")
    images, labels = data[:, :-1], data[:, -1].astype(np.int64)
    keep = labels < n_class
    return images[keep], labels[keep]
