"""NumPy versions of the losses in ``torch.nn.functional``, with the same names and semantics.

So far: ``softmax`` and ``log_softmax``. The losses follow.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array

__all__ = ["log_softmax", "softmax"]


def _logits(input: ArrayLike, dim: int) -> NDArray[np.floating]:
    x = as_float_array(input, "input")
    if x.ndim == 0:
        raise ValueError("input must have at least one dimension (the classes)")
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(f"dim={dim} is out of range for an input with {x.ndim} dimensions")
    return x


def log_softmax(input: ArrayLike, dim: int = -1) -> NDArray[np.floating]:
    """Logarithm of the softmax along ``dim``, computed stably with the log-sum-exp trick.

    ``log_softmax(x)_i = x_i - log(sum_j exp(x_j))``, evaluated as
    ``(x_i - m) - log(sum_j exp(x_j - m))`` with ``m = max_j x_j`` so that no exponential
    overflows. Like ``torch.nn.functional.log_softmax`` it keeps the input's float dtype.

    Parameters
    ----------
    input : array_like
        Logits (unnormalised log-probabilities).
    dim : int, default -1
        The axis holding the classes.

    Returns
    -------
    ndarray
        Log-probabilities, each <= 0, whose exponentials sum to 1 along ``dim``.

    Raises
    ------
    ValueError
        If ``input`` is not numeric, contains NaN, is 0-dimensional, or ``dim`` is out of range.

    Examples
    --------
    >>> log_softmax([1000.0, 0.0])
    array([    0., -1000.])
    """
    x = _logits(input, dim)
    m = np.max(x, axis=dim, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # all -inf (or +inf) rows: no shift to subtract
    shifted = x - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def softmax(input: ArrayLike, dim: int = -1) -> NDArray[np.floating]:
    """Softmax along ``dim``: ``exp(x_i) / sum_j exp(x_j)``, computed without overflow.

    Parameters
    ----------
    input : array_like
        Logits.
    dim : int, default -1
        The axis holding the classes.

    Returns
    -------
    ndarray
        Probabilities in [0, 1] summing to 1 along ``dim``, in the input's float dtype.

    Raises
    ------
    ValueError
        If ``input`` is not numeric, contains NaN, is 0-dimensional, or ``dim`` is out of range.

    Examples
    --------
    >>> softmax([0.0, 0.0, 0.0, 0.0])
    array([0.25, 0.25, 0.25, 0.25])
    >>> softmax([1e4, 0.0])
    array([1., 0.])
    """
    x = _logits(input, dim)
    shifted = x - np.max(x, axis=dim, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=dim, keepdims=True)
