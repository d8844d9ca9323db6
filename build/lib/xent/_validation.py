"""Input checks shared by every xent module.

Each check turns a student's mistake into a ``ValueError`` whose message says what is wrong
and with which argument, so that no function ever returns NaN silently.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Allowed deviation of a distribution's sum from 1, on top of rounding (K times machine epsilon).
SUM_ATOL = 1e-6


def as_float_array(x: ArrayLike, name: str) -> NDArray[np.floating]:
    """Convert ``x`` to a float array, rejecting non-numeric input and NaN."""
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of numbers; got {x!r}") from err
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise ValueError(f"{name} must hold real numbers; got an array of dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; a probability must be a number in [0, 1]")
    return arr


def check_probabilities(x: ArrayLike, name: str = "p") -> NDArray[np.floating]:
    """Return ``x`` as an array of numbers in [0, 1] (each one a probability on its own)."""
    arr = as_float_array(x, name)
    if (arr < 0).any():
        raise ValueError(
            f"{name} has a negative entry ({arr.min():g}); probabilities lie in [0, 1]"
        )
    if (arr > 1).any():
        raise ValueError(
            f"{name} has an entry above 1 ({arr.max():g}); probabilities lie in [0, 1]"
        )
    return arr


def check_distribution(x: ArrayLike, name: str = "p") -> NDArray[np.floating]:
    """Return ``x`` as an array whose last axis is a probability distribution.

    The last axis indexes the outcomes; any leading axes are a batch of distributions.
    """
    arr = as_float_array(x, name)
    if arr.ndim == 0:
        raise ValueError(
            f"{name} must be a vector of probabilities (one per outcome), not the single "
            f"number {arr.item()!r}"
        )
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} has no outcomes; a distribution needs at least one")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains an infinite entry; probabilities lie in [0, 1]")
    if (arr < 0).any():
        raise ValueError(f"{name} has a negative entry ({arr.min():g}); probabilities are >= 0")
    sums = arr.sum(axis=-1, dtype=np.float64)
    tolerance = SUM_ATOL + arr.shape[-1] * np.finfo(arr.dtype).eps
    bad = np.abs(sums - 1.0) > tolerance
    if bad.any():
        worst = np.asarray(sums)[bad].flat[0]
        raise ValueError(
            f"{name} must sum to 1 along its last axis, but a row sums to {worst:.6g}; "
            "divide by the sum to normalise it if that is what you meant"
        )
    return arr


def check_joint(x: ArrayLike, name: str = "joint") -> NDArray[np.floating]:
    """Return ``x`` as a two-dimensional joint distribution ``p(x, y)`` (all entries sum to 1)."""
    arr = as_float_array(x, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a two-dimensional table joint[x, y] = p(x, y); got an array "
            f"with {arr.ndim} dimension(s) and shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} has no cells; a joint distribution needs at least one")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains an infinite entry; probabilities lie in [0, 1]")
    if (arr < 0).any():
        raise ValueError(f"{name} has a negative entry ({arr.min():g}); probabilities are >= 0")
    total = float(arr.sum(dtype=np.float64))
    if abs(total - 1.0) > SUM_ATOL + arr.size * np.finfo(arr.dtype).eps:
        raise ValueError(
            f"the entries of {name} must sum to 1 (it is one distribution over all pairs "
            f"(x, y)), but they sum to {total:.6g}; divide by the total to normalise it"
        )
    return arr


def check_same_outcomes(
    p: NDArray[np.floating], q: NDArray[np.floating], names: tuple[str, str] = ("p", "q")
) -> None:
    """Require two distributions over the same outcomes whose batch shapes broadcast."""
    a, b = names
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(
            f"{a} and {b} must have the same number of outcomes: {a} has {p.shape[-1]}, "
            f"{b} has {q.shape[-1]} (shapes {p.shape} and {q.shape})"
        )
    try:
        np.broadcast_shapes(p.shape, q.shape)
    except ValueError as err:
        raise ValueError(
            f"the batch shapes of {a} {p.shape} and {b} {q.shape} do not match"
        ) from err


def check_base(base: float) -> float:
    """Return the logarithm base as a float, rejecting anything that is not > 0 and != 1."""
    if isinstance(base, bool) or not isinstance(base, numbers.Real):
        raise ValueError(f"base must be a positive number other than 1 (2 for bits); got {base!r}")
    value = float(base)
    if not np.isfinite(value) or value <= 0 or value == 1:
        raise ValueError(
            f"base must be a positive number other than 1 (2 for bits, e for nats); got {base!r}"
        )
    return value


def check_logit_matrix(x: ArrayLike, name: str = "logits") -> NDArray[np.floating]:
    """A finite ``(N, C)`` array of logits with at least one example and two classes."""
    arr = as_float_array(x, name)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] < 2:
        raise ValueError(
            f"{name} must have shape (N, C) with at least one example and two classes; got "
            f"shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite numbers; they contain inf")
    return arr


def check_class_labels(
    labels: ArrayLike, n: int, n_classes: int, name: str = "labels"
) -> NDArray[np.intp]:
    """``n`` integer class indices in ``0..n_classes-1``, one per example (row)."""
    y = np.asarray(labels)
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"{name} must be integer class indices (one per example); got dtype {y.dtype}"
        )
    if y.shape != (n,):
        raise ValueError(
            f"{name} must hold one class index per example (one per row), shape ({n},); got "
            f"shape {y.shape}"
        )
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        raise ValueError(
            f"{name} contain the class index {y[bad][0]}; they must be class indices in "
            f"0..{n_classes - 1}"
        )
    return y.astype(np.intp, copy=False)
