"""NumPy versions of the losses in ``torch.nn.functional``, with the same names and semantics.

Each function takes the same arguments, with the same defaults, as its namesake in
``torch.nn.functional`` (the deprecated ``size_average`` and ``reduce`` arguments left out), and
returns a NumPy array in the input's float dtype: ``'mean'`` and ``'sum'`` give a 0-d array, as
torch gives a 0-d tensor. The class axis is axis 1 of an input of shape ``(N, C)`` or
``(N, C, d1, ..., dk)`` and axis 0 of an input of shape ``(C)``, as in torch.

Where torch would silently return NaN or a meaningless number, these functions raise a
``ValueError`` that says what is wrong, with one deliberate exception that torch also makes: a
``'mean'`` with nothing to average over (every target equal to ``ignore_index``, an empty
batch, or class weights summing to 0 over the counted targets) is 0/0 and returns NaN.

``cross_entropy_grad`` is the gradient of ``cross_entropy`` with respect to the logits,
``softmax(input) - onehot(target)`` with class weights, label smoothing and the reduction's
normalisation folded in. ``focal_loss`` (Lin et al., 2017; torch has no multi-class version)
and ``focal_loss_grad`` follow the same conventions, and so do ``distillation_loss``
(Hinton et al., 2015: the soft targets of a teacher at a temperature, with the hard labels) and
``distillation_loss_grad``. ``info_nce`` (van den Oord et al., 2018), the
contrastive loss of chapter 11, is ``cross_entropy`` over a batch whose "classes" are the
candidates of each query; ``info_nce_grad`` is its gradient.

``bradley_terry_loss`` (the reward-model loss of pairwise preferences) and ``dpo_loss`` (direct
preference optimisation, Rafailov et al., 2023), with their gradients ``*_grad``, are binary
cross-entropies of a score difference, computed with a log-sigmoid that never overflows.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, check_probabilities

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "bradley_terry_loss",
    "bradley_terry_loss_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "distillation_loss",
    "distillation_loss_grad",
    "dpo_loss",
    "dpo_loss_grad",
    "focal_loss",
    "focal_loss_grad",
    "info_nce",
    "info_nce_grad",
    "kl_div",
    "linear_cross_entropy",
    "linear_cross_entropy_grad",
    "linear_cross_entropy_with_grad",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "softmax",
]

FloatArray = NDArray[np.floating]
_REDUCTIONS = ("none", "mean", "sum")


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


# ---------------------------------------------------------------------------------------------
# Shared checks and reshaping for the losses
# ---------------------------------------------------------------------------------------------


def _check_reduction(reduction: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    if reduction not in allowed:
        choices = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"reduction must be one of {choices}; got {reduction!r}")


def _check_smoothing(label_smoothing: float) -> float:
    value = float(label_smoothing)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0; got {label_smoothing!r}")
    return value


def _reduce(loss: FloatArray, reduction: str, denominator: float | None = None) -> FloatArray:
    """Apply ``reduction``; a ``'mean'`` over nothing (denominator 0) is NaN, made on purpose."""
    if reduction == "none":
        return loss
    total = np.sum(loss, dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(total)
    count = loss.size if denominator is None else denominator
    if count == 0:  # 0/0, exactly what torch returns; built directly so numpy does not warn
        return np.array(np.nan, dtype=loss.dtype)
    return np.asarray(total / count, dtype=loss.dtype)


def _log_prob_tolerance(x: FloatArray) -> float:
    """How far above 0 a computed log-probability may drift by rounding."""
    return float(np.sqrt(np.finfo(x.dtype).eps))


def _class_input(input: ArrayLike, name: str = "input", logits: bool = False) -> FloatArray:
    if logits:  # NaN is caught later by _logsumexp_rows, saving a pass over a large input
        x = np.asarray(input)
        if not np.issubdtype(x.dtype, np.floating):
            x = as_float_array(x, name)
    else:
        x = as_float_array(input, name)
    if x.ndim == 0:
        raise ValueError(
            f"{name} needs a class axis: shape (C), (N, C) or (N, C, d1, ..., dk); "
            f"got the single number {x.item()!r}"
        )
    n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    if n_classes == 0:
        raise ValueError(f"{name} has no classes (its class axis has length 0); shape {x.shape}")
    return x


def _classes_last(x: NDArray) -> tuple[NDArray, tuple[int, ...]]:
    """View an (C), (N, C) or (N, C, d1, ..., dk) array as rows of classes, shape (M, C)."""
    if x.ndim == 1:
        return x[None, :], ()
    moved = np.moveaxis(x, 1, -1)
    return moved.reshape(-1, x.shape[1]), moved.shape[:-1]


def _classes_back(g2: NDArray, batch: tuple[int, ...], ndim: int) -> NDArray:
    """Undo ``_classes_last``."""
    if ndim == 1:
        return g2[0]
    return np.moveaxis(g2.reshape(*batch, g2.shape[-1]), -1, 1)


def _class_weight(weight: ArrayLike | None, n_classes: int, dtype: np.dtype) -> FloatArray | None:
    if weight is None:
        return None
    w = as_float_array(weight, "weight")
    if w.shape != (n_classes,):
        raise ValueError(
            f"weight must hold one number per class, shape ({n_classes},); got shape {w.shape}"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"class weights must be finite and >= 0; got {w}")
    return w.astype(dtype, copy=False)


def _is_probability_target(target: NDArray, input_shape: tuple[int, ...]) -> bool:
    """torch's rule: a target with the input's shape holds class probabilities."""
    if target.shape != input_shape:
        return False
    if np.issubdtype(target.dtype, np.floating):
        return True
    raise ValueError(
        f"target has the input's shape {input_shape}, so it is read as class probabilities "
        f"(for example one-hot rows), and those must be floating point; got dtype "
        f"{target.dtype}. Convert it with target.astype(float), or pass class indices "
        "(target.argmax(axis=1)) instead"
    )


def _class_targets(
    target: NDArray, batch: tuple[int, ...], n_classes: int, ignore_index: int
) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Flatten class-index targets; return them and the mask of the ones that count."""
    if target.dtype == bool or not np.issubdtype(target.dtype, np.integer):
        raise ValueError(
            f"target holds class indices, so it must be an integer array (torch.long, numpy "
            f"int64); got dtype {target.dtype}. Class-probability targets must instead have "
            "the input's shape"
        )
    if target.shape != batch:
        raise ValueError(
            f"target must hold one class index per example, shape {batch} (the input's shape "
            f"without the class axis); got shape {target.shape}"
        )
    t = target.reshape(-1)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise ValueError(
            f"target contains the class index {t[bad][0]}, but the classes are 0..{n_classes - 1}"
            f" (and ignore_index is {ignore_index})"
        )
    return t, valid


def _logsumexp_rows(x2: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Row-wise ``m``, ``exp(x - m)`` and ``log(sum(exp(x)))`` of (M, C) logits."""
    m = x2.max(axis=1)
    if not np.isfinite(m).all():
        raise ValueError(
            "input (the logits) must hold finite numbers: a row contains NaN or +inf, or is "
            "entirely -inf, and its softmax is undefined"
        )
    e = np.subtract(x2, m[:, None])
    np.exp(e, out=e)
    lse = m + np.log(e.sum(axis=1))
    return m, e, lse


def _target_weights(
    t: NDArray, valid: NDArray[np.bool_], w: FloatArray | None, dtype: np.dtype
) -> tuple[NDArray[np.intp], FloatArray]:
    """Gather-safe indices (ignored ones set to 0) and each target's weight (0 if ignored)."""
    safe = np.where(valid, t, 0)
    if w is None:
        wy = valid.astype(dtype)
    else:
        wy = np.where(valid, w[safe], 0).astype(dtype, copy=False)
    return safe, wy


def _probability_targets(target: ArrayLike, dtype: np.dtype) -> FloatArray:
    return check_probabilities(target, "target").astype(dtype, copy=False)


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------


def nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> FloatArray:
    """Negative log-likelihood of the target classes, like ``torch.nn.functional.nll_loss``.

    Example ``n`` with target class ``y_n`` contributes ``l_n = -w[y_n] * input[n, y_n]``
    (0 when ``y_n == ignore_index``). ``'mean'`` divides the sum by the **total weight of the
    counted targets**, ``sum_n w[y_n]``, not by the number of examples.

    Parameters
    ----------
    input : array_like
        Log-probabilities (for example from ``log_softmax``), shape ``(C)``, ``(N, C)`` or
        ``(N, C, d1, ..., dk)``; the class axis is 1 (0 for a 1-d input).
    target : array_like of int
        Class indices in ``0..C-1`` or ``ignore_index``, shape ``()``, ``(N)`` or
        ``(N, d1, ..., dk)``.
    weight : array_like, optional
        One non-negative weight per class, shape ``(C)``.
    ignore_index : int, default -100
        Targets equal to it contribute nothing, to the sum or to the mean's denominator.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns one loss per example, in the target's shape.

    Returns
    -------
    ndarray
        The loss (0-d for ``'mean'`` and ``'sum'``). A ``'mean'`` with nothing to average
        over (every target ignored, or zero total weight) is 0/0 and returns NaN, as in torch.

    Raises
    ------
    ValueError
        On mismatched shapes, non-integer targets, a class index out of range that is not
        ``ignore_index``, or an input entry above 0. Torch accepts the last one silently and
        returns a meaningless number: it usually means probabilities or logits were passed
        where log-probabilities belong.

    Examples
    --------
    >>> import numpy as np
    >>> logp = np.log([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]])
    >>> print(nll_loss(logp, [0, 1], reduction="none"))
    [0.69314718 0.22314355]
    >>> print(round(float(nll_loss(logp, [0, 1])), 6))  # (0.693147 + 0.223144) / 2
    0.458145
    >>> print(nll_loss(logp, [-100, -100]))  # every target ignored: 0/0
    nan
    """
    _check_reduction(reduction)
    x = _class_input(input)
    if x.size and x.max() > _log_prob_tolerance(x):
        raise ValueError(
            f"nll_loss takes log-probabilities (all <= 0), but input has the entry {x.max():g}; "
            "pass log_softmax(logits, dim=1), or use cross_entropy on the logits directly"
        )
    x2, batch = _classes_last(x)
    w = _class_weight(weight, x2.shape[1], x.dtype)
    t, valid = _class_targets(np.asarray(target), batch, x2.shape[1], ignore_index)
    safe, wy = _target_weights(t, valid, w, x.dtype)
    picked = np.where(valid, x2[np.arange(len(t)), safe], 0)
    loss = -(wy * picked)
    return _reduce(loss.reshape(batch), reduction, np.sum(wy))


def cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> FloatArray:
    """Cross-entropy between softmax(logits) and the targets, like ``F.cross_entropy``.

    With class-index targets it equals ``nll_loss(log_softmax(input, 1), target, ...)``,
    computed from the logits through log-sum-exp so it never overflows. With label smoothing
    ``eps`` each counted example adds ``(1 - eps) * w[y] * (-log p_y)`` and
    ``(eps / C) * sum_c w[c] * (-log p_c)``, and ``'mean'`` divides by ``sum_n w[y_n]`` over
    the counted targets (the number of them without weights), exactly as torch does.

    With class-probability targets (a float ``target`` of the input's shape) each example adds
    ``-sum_c w[c] * t_c * log p_c``, with ``t`` smoothed to ``(1 - eps) * t + eps / C``, and
    ``'mean'`` divides by the number of examples whatever the weights.

    Parameters
    ----------
    input : array_like
        Logits, shape ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``; the class axis is 1.
    target : array_like
        Class indices (integers, shape ``()``, ``(N)`` or ``(N, d1, ..., dk)``), or class
        probabilities (floats in [0, 1], the input's shape).
    weight : array_like, optional
        One non-negative weight per class, shape ``(C)``.
    ignore_index : int, default -100
        Class-index targets equal to it are left out of the sum and of the mean's denominator.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns one loss per example.
    label_smoothing : float, default 0.0
        ``eps`` in [0, 1]: the target becomes a mix of itself and the uniform distribution.

    Returns
    -------
    ndarray
        The loss in the input's float dtype (0-d for ``'mean'`` and ``'sum'``). A ``'mean'``
        over class indices that are all ``ignore_index`` (or an empty batch, or zero total
        weight) is 0/0 and returns NaN, as in torch: there is nothing to average.

    Raises
    ------
    ValueError
        On mismatched shapes, non-integer class indices, integer one-hot targets, a class index
        out of range that is not ``ignore_index``, probabilities outside [0, 1], non-finite
        logits, a bad ``reduction`` or ``label_smoothing``.

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    >>> print(cross_entropy(logits, [0, 1], reduction="none"))
    [0.41703002 0.22004952]
    >>> print(round(float(cross_entropy(logits, [0, -100])), 6))  # only the first counts
    0.41703
    >>> print(cross_entropy(logits, [-100, -100]))  # nothing left to average: 0/0
    nan
    >>> print(cross_entropy(np.array([1e4, 0.0], dtype=np.float32), 0))  # no overflow
    0.0
    """
    _check_reduction(reduction)
    eps = _check_smoothing(label_smoothing)
    x = _class_input(input, logits=True)
    x2, batch = _classes_last(x)
    n_classes = x2.shape[1]
    w = _class_weight(weight, n_classes, x.dtype)
    tgt = np.asarray(target)
    _, _, lse = _logsumexp_rows(x2)

    if _is_probability_target(tgt, x.shape):
        t2, _ = _classes_last(_probability_targets(tgt, x.dtype))
        if eps > 0:
            t2 = t2 * (1 - eps) + eps / n_classes
        if w is not None:
            t2 = t2 * w
        logp = x2 - lse[:, None]
        loss = -np.sum(logp * t2, axis=1)
        return _reduce(loss.reshape(batch), reduction, len(loss))

    t, valid = _class_targets(tgt, batch, n_classes, ignore_index)
    safe, wy = _target_weights(t, valid, w, x.dtype)
    nll = np.where(valid, lse - x2[np.arange(len(t)), safe], 0)
    loss = wy * nll
    if eps > 0:
        logp = x2 - lse[:, None]
        smooth = -(logp.sum(axis=1) if w is None else logp @ w)
        loss = (1 - eps) * loss + (eps / n_classes) * np.where(valid, smooth, 0)
    return _reduce(loss.reshape(batch), reduction, np.sum(wy))


def cross_entropy_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> FloatArray:
    """Gradient of ``cross_entropy`` with respect to the logits: ``softmax - onehot``.

    Takes the same arguments as ``cross_entropy``. Without weights or smoothing, an example
    with target class ``y`` has gradient ``softmax(x) - onehot(y)``, divided by the number of
    counted examples for ``'mean'``. With label smoothing ``eps`` the one-hot row becomes
    ``(1 - eps) * onehot(y) + eps / C``. With class weights the gradient of example ``n`` is
    ``(1 - eps) * w[y] * (p - onehot(y)) + (eps / C) * (sum(w) * p - w)``, and ``'mean'``
    divides by ``sum_n w[y_n]``. With probability targets ``t`` (smoothed the same way) it is
    ``p * sum_c(w_c t_c) - w * t``. Every entry is bounded (by ``max(w)`` per example before
    the mean), whatever the logits: no overflow, no division by a small probability.

    Parameters
    ----------
    input, target, weight, ignore_index, reduction, label_smoothing
        As in ``cross_entropy``. For ``reduction='none'`` the result is the gradient of the
        *sum* of the per-example losses (each example's own gradient, since they do not mix).

    Returns
    -------
    ndarray
        An array of the input's shape and dtype. Ignored examples get zero rows. When a
        ``'mean'`` has nothing to average (its loss is NaN) the gradient is all zeros, as the
        gradient torch's autograd computes.

    Raises
    ------
    ValueError
        As ``cross_entropy``.

    Examples
    --------
    >>> import numpy as np
    >>> print(cross_entropy_grad(np.log([[0.7, 0.2, 0.1]]), [0]))  # softmax - onehot
    [[-0.3  0.2  0.1]]
    >>> print(cross_entropy_grad(np.zeros((1, 4)), [2], label_smoothing=0.4))  # target .1 .1 .7 .1
    [[ 0.15  0.15 -0.45  0.15]]
    """
    _check_reduction(reduction)
    eps = _check_smoothing(label_smoothing)
    x = _class_input(input, logits=True)
    x2, batch = _classes_last(x)
    n_rows, n_classes = x2.shape
    w = _class_weight(weight, n_classes, x.dtype)
    tgt = np.asarray(target)
    _, p, _ = _logsumexp_rows(x2)
    p /= p.sum(axis=1, keepdims=True)  # softmax, in place

    if _is_probability_target(tgt, x.shape):
        t2, _ = _classes_last(_probability_targets(tgt, x.dtype))
        if eps > 0:
            t2 = t2 * (1 - eps) + eps / n_classes
        if w is not None:
            t2 = t2 * w
        g = p * t2.sum(axis=1, keepdims=True) - t2
        denominator = n_rows
    else:
        t, valid = _class_targets(tgt, batch, n_classes, ignore_index)
        safe, wy = _target_weights(t, valid, w, x.dtype)
        coef = (1 - eps) * wy
        if eps > 0:
            total_w = n_classes if w is None else np.sum(w)
            counted = valid.astype(x.dtype)
            g = p * (coef + counted * (eps * total_w / n_classes))[:, None]
            uniform = np.ones(n_classes, dtype=x.dtype) if w is None else w
            g -= counted[:, None] * ((eps / n_classes) * uniform)
        else:
            g = p
            g *= coef[:, None]
        g[np.arange(n_rows), safe] -= coef
        denominator = np.sum(wy)
    if reduction == "mean":
        if denominator == 0:
            g = np.zeros_like(g)
        else:
            g /= np.asarray(denominator, dtype=x.dtype)
    return _classes_back(g, batch, x.ndim)


def _check_gamma(gamma: float) -> float:
    try:
        value = float(gamma)
    except (TypeError, ValueError):
        raise ValueError(f"gamma must be a number >= 0; got {gamma!r}") from None
    if isinstance(gamma, bool) or not np.isfinite(value) or value < 0:
        raise ValueError(
            f"gamma must be a finite number >= 0 (0 gives cross-entropy); got {gamma!r}"
        )
    return value


def _focal_parts(
    input: ArrayLike, target: ArrayLike, gamma: float, alpha: ArrayLike | None, ignore_index: int
) -> tuple[FloatArray, tuple[int, ...], FloatArray, FloatArray, FloatArray, NDArray, FloatArray]:
    """Shared work of focal_loss and its gradient.

    Returns the (M, C) logits, the batch shape, each row's ``log p_y``, ``1 - p_y`` (computed as
    ``-expm1(log p_y)``, accurate when ``p_y`` is near 1), the per-row weight ``alpha[y]`` (0
    when ignored), the gather-safe target indices and ``gamma`` in the input's dtype.
    """
    g = _check_gamma(gamma)
    x = _class_input(input, logits=True)
    x2, batch = _classes_last(x)
    n_classes = x2.shape[1]
    if alpha is not None and np.ndim(alpha) == 0:
        raise ValueError(
            f"alpha must hold one weight per class, shape ({n_classes},); got the single number "
            f"{alpha!r}, which would only rescale the loss"
        )
    a = _class_weight(alpha, n_classes, x.dtype)
    tgt = np.asarray(target)
    if tgt.shape == x.shape and tgt.shape != batch:
        raise ValueError(
            "focal_loss takes class indices as target (one integer per example), not class "
            f"probabilities; got a target of the input's shape {x.shape}"
        )
    t, valid = _class_targets(tgt, batch, n_classes, ignore_index)
    safe, wy = _target_weights(t, valid, a, x.dtype)
    _logsumexp_rows(x2)  # rejects NaN, +inf and all -inf rows
    log_py = np.where(valid, _log_p_target(x2, safe), 0).astype(x.dtype, copy=False)
    one_minus = 0 - np.expm1(log_py)  # 1 - p_y, accurate near p_y = 1 (and +0, not -0)
    return x2, batch, log_py, one_minus, wy, safe, np.asarray(g, dtype=x.dtype)


def _log_p_target(x2: FloatArray, safe: NDArray[np.intp]) -> FloatArray:
    """``log softmax(x)_y`` of each row, accurate *relative* to its size, even near 0.

    ``x_y - logsumexp(x)`` is accurate only to about ``eps * |logsumexp(x)|``: in float32, a
    confident row with ``p_y = 1 - 1e-9`` gets ``log p_y = 0`` exactly, so its focal loss would
    come out as 0. Instead, with ``d = x - x_y`` and ``m = max(d) >= 0``,
    ``-log p_y = m + log1p(s + expm1(-m))``, where ``s`` sums ``exp(d_c - m)`` over the classes
    other than ``y``: for the top class (``m = 0``) that is ``log1p(s)``, as accurate as ``s``.
    A target whose logit is -inf gets ``log p_y = -inf``.
    """
    rows = np.arange(x2.shape[0])
    x_y = x2[rows, safe]
    with np.errstate(invalid="ignore"):  # -inf - (-inf) in rows whose target logit is -inf
        d = x2 - x_y[:, None]
    d[rows, safe] = -np.inf
    masked = np.isneginf(x_y)
    d[masked] = 0.0  # their result is set below
    m = np.maximum(d.max(axis=1), 0)
    s = np.exp(d - m[:, None]).sum(axis=1)
    log_py = 0 - (m + np.log1p(s + np.expm1(0 - m)))
    log_py[masked] = -np.inf
    return np.minimum(log_py, 0)


def focal_loss(
    input: ArrayLike,
    target: ArrayLike,
    gamma: float = 2.0,
    alpha: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> FloatArray:
    """Multi-class focal loss of Lin et al. (2017): cross-entropy turned down on easy examples.

    Example ``n`` with target class ``y`` and predicted probability ``p_y = softmax(x_n)_y``
    contributes ``-alpha[y] * (1 - p_y)**gamma * log(p_y)``. The factor ``(1 - p_y)**gamma``
    is near 0 for an example the model already gets right with confidence and near 1 for one
    it gets wrong, so easy examples weigh less. With ``gamma = 0`` this is exactly
    ``cross_entropy(input, target, weight=alpha, ...)``, for every reduction: ``'mean'``
    divides by ``sum_n alpha[y_n]`` over the counted targets (their number without ``alpha``),
    as ``cross_entropy`` does with class weights. (torchvision's binary
    ``sigmoid_focal_loss`` takes a single ``alpha`` and a plain mean instead.)

    ``log p_y`` comes from the differences ``x_c - x_y`` (a log-sum-exp that keeps the target's
    own term exact) and ``1 - p_y`` from ``-expm1(log p_y)``, so the loss is finite for any
    finite logits and accurate relative to its own size, however confident the example: in
    float32 a tiny loss does not round to 0 merely because ``p_y`` rounds to 1. Logits of
    -inf (a masked class) are accepted, as ``cross_entropy`` and ``fit_temperature`` accept
    them; a target whose logit is -inf costs ``inf``.

    Parameters
    ----------
    input : array_like
        Logits, shape ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``; the class axis is 1.
    target : array_like of int
        Class indices in ``0..C-1`` or ``ignore_index``, shape ``()``, ``(N)`` or
        ``(N, d1, ..., dk)``.
    gamma : float, default 2.0
        The focusing parameter, >= 0 (Lin et al. found 2 best for object detection).
    alpha : array_like, optional
        One non-negative weight per class, shape ``(C)``, the balancing factor.
    ignore_index : int, default -100
        Targets equal to it contribute nothing, to the sum or to the mean's denominator.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns one loss per example, in the target's shape.

    Returns
    -------
    ndarray
        The loss in the input's float dtype (0-d for ``'mean'`` and ``'sum'``). A ``'mean'``
        with nothing to average (every target ignored, or zero total weight) is 0/0 and
        returns NaN, as ``cross_entropy`` does.

    Raises
    ------
    ValueError
        On a negative or non-finite ``gamma``, a scalar or wrongly shaped ``alpha``,
        probability targets, mismatched shapes, non-integer targets, a class index out of
        range, NaN or +inf logits (or a row entirely -inf) or a bad ``reduction``.

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.log([[0.9, 0.05, 0.05], [0.2, 0.5, 0.3]])
    >>> print(focal_loss(logits, [0, 0], reduction="none"))  # easy, hard
    [0.00105361 1.03004026]
    >>> print(cross_entropy(logits, [0, 0], reduction="none"))  # gamma = 0
    [0.10536052 1.60943791]
    """
    _check_reduction(reduction)
    _, batch, log_py, one_minus, wy, _, g = _focal_parts(input, target, gamma, alpha, ignore_index)
    loss = wy * one_minus**g * (0 - log_py)  # 0 - x, not -x: a loss of 0 is +0, not -0
    return _reduce(loss.reshape(batch), reduction, np.sum(wy))


def focal_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    gamma: float = 2.0,
    alpha: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> FloatArray:
    """Gradient of ``focal_loss`` with respect to the logits.

    For an example with target ``y``, ``p = softmax(x)`` and ``q = 1 - p_y``, the gradient is
    the cross-entropy gradient ``p - onehot(y)`` scaled by one number per example,

        ``alpha[y] * (q**gamma - gamma * p_y * q**(gamma - 1) * log(p_y))``,

    which tends to ``alpha[y]`` for a hopeless example (``p_y -> 0``) and to 0 for an easy one
    (``p_y -> 1``); in between it can exceed ``alpha[y]`` a little (up to about 1.22 times
    for ``gamma = 2``, near ``p_y = 0.1``). The second term is evaluated as
    ``gamma * p_y * q**gamma * (-log(p_y) / q)``, whose last factor tends to 1 as ``q -> 0``,
    so no ``0 * inf`` appears even for ``gamma < 1``.

    Parameters
    ----------
    input, target, gamma, alpha, ignore_index, reduction
        As in ``focal_loss``. For ``reduction='none'`` the result is the gradient of the *sum*
        of the per-example losses.

    Returns
    -------
    ndarray
        An array of the input's shape and dtype; ignored examples get zero rows. When a
        ``'mean'`` has nothing to average (its loss is NaN) the gradient is all zeros, as the
        gradient torch's autograd computes.

    Raises
    ------
    ValueError
        As ``focal_loss``.

    Examples
    --------
    >>> import numpy as np
    >>> print(focal_loss_grad(np.log([[0.5, 0.5]]), [0], gamma=0.0))  # p - onehot
    [[-0.5  0.5]]
    >>> print(focal_loss_grad(np.log([[0.5, 0.5]]), [0]).round(4))  # scaled by 0.5966
    [[-0.2983  0.2983]]
    """
    _check_reduction(reduction)
    x2, batch, log_py, one_minus, wy, safe, g = _focal_parts(
        input, target, gamma, alpha, ignore_index
    )
    p_y = np.exp(log_py)
    # q = 0: the ratio's limit is 1; p_y = 0 (a target logit of -inf): p_y * ratio tends to 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(one_minus > 0, -log_py / one_minus, 1)
        second = np.where(p_y > 0, g * p_y * ratio, 0)
    scale = wy * one_minus**g * (1 + second)
    _, p, _ = _logsumexp_rows(x2)
    p /= p.sum(axis=1, keepdims=True)
    grad = p * scale[:, None]
    # the target's entry scale * (p_y - 1), from 1 - p_y itself: accurate when p_y rounds to 1
    grad[np.arange(x2.shape[0]), safe] = 0 - scale * one_minus  # ignored rows have scale 0
    if reduction == "mean":
        total = np.sum(wy)
        grad = np.zeros_like(grad) if total == 0 else grad / np.asarray(total, dtype=grad.dtype)
    return _classes_back(grad, batch, np.ndim(input))


def binary_cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> FloatArray:
    """Binary cross-entropy of probabilities, like ``torch.nn.functional.binary_cross_entropy``.

    Each entry contributes ``-w * (y * log(x) + (1 - y) * log(1 - x))``, where both logarithms
    are clamped at -100, as torch does: a prediction of exactly 0 or 1 on the wrong side costs
    100 nats instead of ``inf``, so one saturated output cannot turn the loss into ``inf`` (and
    its gradient into NaN). ``'mean'`` is the plain mean over all entries, weights or not.

    Parameters
    ----------
    input : array_like
        Predicted probabilities in [0, 1] (the output of a sigmoid), any shape.
    target : array_like
        Target probabilities in [0, 1] (usually 0 or 1), the input's shape.
    weight : array_like, optional
        Non-negative weights, broadcastable to the input's shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Returns
    -------
    ndarray
        The loss in the input's float dtype (0-d for ``'mean'`` and ``'sum'``).

    Raises
    ------
    ValueError
        If an input or target entry is outside [0, 1] (raw logits passed by mistake: use
        ``binary_cross_entropy_with_logits``), the shapes differ, or the weight does not
        broadcast.

    Examples
    --------
    >>> print(binary_cross_entropy([0.9, 0.2], [1.0, 0.0], reduction="none"))
    [0.10536052 0.22314355]
    >>> print(binary_cross_entropy([0.0], [1.0]))  # log(0) is clamped at -100
    100.0
    """
    _check_reduction(reduction)
    try:
        x = check_probabilities(input, "input")
    except ValueError as err:
        raise ValueError(
            f"{err}. binary_cross_entropy takes probabilities; for raw scores (logits) use "
            "binary_cross_entropy_with_logits"
        ) from None
    t = _binary_target(target, x)
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
        log_x = np.maximum(np.log(x), -100)
        log_1mx = np.maximum(np.log1p(-x), -100)
    loss = (t - 1) * log_1mx - t * log_x
    return _reduce(_apply_weight(loss, weight, "weight"), reduction)


def binary_cross_entropy_with_logits(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> FloatArray:
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from the logits.

    Each entry contributes ``-w * (pos_weight * y * log sigmoid(x) + (1 - y) * log(1 -
    sigmoid(x)))``, evaluated as ``(1 - y) * x - (1 + (pos_weight - 1) * y) * log_sigmoid(x)``
    with ``log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|))``: no exponential overflows and no
    clamping is needed. ``pos_weight`` (one value per class, on the last axis) multiplies the
    loss of the positive targets, to balance classes with few positives.

    Parameters
    ----------
    input : array_like
        Logits, any shape.
    target : array_like
        Target probabilities in [0, 1], the input's shape.
    weight : array_like, optional
        Non-negative weights, broadcastable to the input's shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    pos_weight : array_like, optional
        Non-negative weights of the positive class, broadcastable to the target's shape.

    Returns
    -------
    ndarray
        The loss in the input's float dtype (0-d for ``'mean'`` and ``'sum'``).

    Raises
    ------
    ValueError
        If the logits are not finite, a target is outside [0, 1], or the shapes do not match.

    Examples
    --------
    >>> print(binary_cross_entropy_with_logits([2.0, -1.0], [1.0, 0.0], reduction="none"))
    [0.12692801 0.31326169]
    >>> print(binary_cross_entropy_with_logits([-1e4], [1.0]))  # sigmoid underflows, log does not
    10000.0
    """
    _check_reduction(reduction)
    x = as_float_array(input, "input")
    if not np.isfinite(x).all():
        raise ValueError("input (the logits) must be finite; it contains inf")
    t = _binary_target(target, x)
    log_sig = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    if pos_weight is not None:
        pw = _nonnegative(pos_weight, "pos_weight", x.dtype)
        _check_broadcast(pw.shape, t.shape, "pos_weight", "target")
        log_sig = log_sig * ((pw - 1) * t + 1)
    loss = (1 - t) * x - log_sig
    return _reduce(_apply_weight(loss, weight, "weight"), reduction)


def _binary_target(target: ArrayLike, x: FloatArray) -> FloatArray:
    t = _probability_targets(target, x.dtype)
    if t.shape != x.shape:
        raise ValueError(
            f"target must have the input's shape {x.shape} (one target per prediction); "
            f"got shape {t.shape}"
        )
    return t


def _nonnegative(values: ArrayLike, name: str, dtype: np.dtype) -> FloatArray:
    arr = as_float_array(values, name)
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError(f"{name} must be finite and >= 0")
    return arr.astype(dtype, copy=False)


def _check_broadcast(
    shape: tuple[int, ...], onto: tuple[int, ...], name: str, onto_name: str
) -> None:
    try:
        ok = np.broadcast_shapes(shape, onto) == onto
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name} of shape {shape} does not broadcast to the {onto_name} {onto}")


def _apply_weight(loss: FloatArray, weight: ArrayLike | None, name: str) -> FloatArray:
    if weight is None:
        return loss
    w = _nonnegative(weight, name, loss.dtype)
    _check_broadcast(w.shape, loss.shape, name, "input's shape")
    return loss * w


def kl_div(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    log_target: bool = False,
) -> FloatArray:
    """Pointwise KL divergence terms ``target * (log target - input)``, like ``F.kl_div``.

    Mind the argument order, the reverse of the mathematical ``KL(p || q)``: ``input`` holds
    the model's **log**-probabilities ``log q`` and ``target`` the reference distribution
    ``p`` (or ``log p`` with ``log_target=True``). ``KL(p || q)`` of a batch of distributions
    is ``kl_div(log q, p, reduction='batchmean')``: ``'batchmean'`` divides the sum by the
    batch size ``input.shape[0]``, while ``'mean'`` divides by the number of entries,
    batch size times number of classes, which is not a KL divergence. (Torch warns about
    ``'mean'``; this function does not warn, it documents.)

    Parameters
    ----------
    input : array_like
        Log-probabilities ``log q`` (all <= 0).
    target : array_like
        Probabilities ``p`` (>= 0), or log-probabilities if ``log_target``; broadcastable
        with ``input``.
    reduction : {'mean', 'batchmean', 'sum', 'none'}, default 'mean'
    log_target : bool, default False
        Whether ``target`` holds log-probabilities.

    Returns
    -------
    ndarray
        The loss in the input's float dtype. Terms whose target probability is 0 are 0
        (``0 log 0 = 0``), even where ``input`` is ``-inf``; torch returns NaN there.

    Raises
    ------
    ValueError
        If ``input`` has an entry above 0 (probabilities passed instead of log-probabilities,
        or the arguments swapped), ``target`` has a negative entry while ``log_target`` is
        False (log-probabilities passed without ``log_target=True``), or the shapes do not
        broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> p, q = np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]])
    >>> print(round(float(kl_div(np.log(q), p, reduction="batchmean")), 6))  # KL(p || q)
    0.510826
    >>> print(round(float(kl_div(np.log(q), p, reduction="mean")), 6))  # divided by 2 entries
    0.255413
    """
    _check_reduction(reduction, (*_REDUCTIONS, "batchmean"))
    x = as_float_array(input, "input")
    t = as_float_array(target, "target").astype(x.dtype, copy=False)
    if x.size and x.max() > _log_prob_tolerance(x):
        raise ValueError(
            f"kl_div takes log-probabilities as input (all <= 0), but input has the entry "
            f"{x.max():g}. Pass log q first and p second: kl_div(log_q, p)"
        )
    try:
        shape = np.broadcast_shapes(x.shape, t.shape)
    except ValueError as err:
        raise ValueError(f"input {x.shape} and target {t.shape} do not broadcast") from err
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 * (-inf) is fixed by np.where
        if log_target:
            if t.size and t.max() > _log_prob_tolerance(t):
                raise ValueError(
                    f"with log_target=True, target holds log-probabilities (all <= 0), but it "
                    f"has the entry {t.max():g}; pass log_target=False for probabilities"
                )
            terms = np.where(t == -np.inf, 0, np.exp(t) * (t - x))
        else:
            if (t < 0).any():
                raise ValueError(
                    f"target holds probabilities (>= 0), but it has the entry {t.min():g}; if "
                    "it holds log-probabilities pass log_target=True"
                )
            terms = np.where(t == 0, 0, t * np.log(t) - t * x)
    terms = np.broadcast_to(terms, shape).astype(x.dtype, copy=False)
    if reduction == "batchmean":
        total = _reduce(terms, "sum")
        if x.ndim == 0:
            return total
        return _reduce(terms, "mean", x.shape[0])
    return _reduce(terms, reduction)


def mse_loss(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    weight: ArrayLike | None = None,
) -> FloatArray:
    """Mean squared error ``(input - target)**2``, like ``torch.nn.functional.mse_loss``.

    With ``weight`` each squared error is multiplied by its weight, and ``'mean'`` divides by
    the sum of the weights (as torch does).

    Parameters
    ----------
    input, target : array_like
        Predictions and targets of the same shape. (Torch broadcasts different shapes with a
        warning; here that is a ``ValueError``, since it is almost always a bug.)
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    weight : array_like, optional
        Non-negative weights of the input's shape.

    Returns
    -------
    ndarray
        The loss in the input's float dtype (0-d for ``'mean'`` and ``'sum'``).

    Raises
    ------
    ValueError
        On different shapes, non-finite values or negative weights.

    Examples
    --------
    >>> print(mse_loss([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]))  # (0 + 0 + 4) / 3
    1.3333333333333333
    >>> print(mse_loss([1.0, 2.0], [0.0, 0.0], weight=[3.0, 1.0]))  # (3*1 + 1*4) / 4
    1.75
    """
    _check_reduction(reduction)
    x = as_float_array(input, "input")
    t = as_float_array(target, "target").astype(x.dtype, copy=False)
    if t.shape != x.shape:
        raise ValueError(f"target must have the input's shape {x.shape}; got shape {t.shape}")
    if not (np.isfinite(x).all() and np.isfinite(t).all()):
        raise ValueError("input and target must be finite numbers")
    loss = (x - t) ** 2
    if weight is None:
        return _reduce(loss, reduction)
    w = _nonnegative(weight, "weight", x.dtype)
    if w.shape != x.shape:
        raise ValueError(f"weight must have the input's shape {x.shape}; got shape {w.shape}")
    return _reduce(loss * w, reduction, np.sum(w))


# ---------------------------------------------------------------------------------------------
# A linear layer and cross-entropy in one, streamed over the vocabulary (chapter 8)
# ---------------------------------------------------------------------------------------------

#: Elements of one chunk of logits (rows x vocabulary entries) that ``chunk_size=None`` aims for:
#: 2**20 of them, 4 MiB in float32, whatever the vocabulary.
_CHUNK_ELEMENTS = 2**20


def _finite_array(x: ArrayLike | None, name: str) -> FloatArray | None:
    """``x`` as a float array, with a message that names NaN and inf for what they are here."""
    if x is None:
        return None
    arr = np.asarray(x)
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        found = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(
            f"{name} must hold finite numbers; it contains {found} (look for a division by "
            "zero or an overflow earlier in the model)"
        )
    return as_float_array(arr, name)


def _linear_ce_args(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike,
    linear_bias: ArrayLike | None,
    weight: ArrayLike | None,
    reduction: str,
    ignore_index: int | None,
    label_smoothing: float,
    chunk_size: int | None,
) -> tuple:
    """Check and convert the arguments of ``linear_cross_entropy`` (and of its gradient)."""
    _check_reduction(reduction)
    eps = _check_smoothing(label_smoothing)
    x = _finite_array(input, "input")
    lw = _finite_array(linear_weight, "linear_weight")
    if x.ndim not in (1, 2):
        raise ValueError(
            f"input must hold one feature vector, shape (in_features), or a batch of them, shape "
            f"(N, in_features); got shape {x.shape}. For (N, T, in_features) hidden states of a "
            "sequence model, flatten them first: input.reshape(-1, in_features)"
        )
    if lw.ndim != 2:
        raise ValueError(
            f"linear_weight must have shape (C, in_features), one row per class; got {lw.shape}"
        )
    if lw.shape[0] == 0:
        raise ValueError("linear_weight has no rows, so there are no classes")
    if lw.shape[1] != x.shape[-1]:
        raise ValueError(
            f"input has {x.shape[-1]} features but linear_weight has {lw.shape[1]} columns "
            f"(shapes {x.shape} and {lw.shape}); linear_weight must be (C, in_features), as the "
            "weight of torch.nn.Linear(in_features, C)"
        )
    dtype = np.result_type(x.dtype, lw.dtype)
    x2 = np.atleast_2d(x).astype(dtype, copy=False)
    lw = lw.astype(dtype, copy=False)
    n_classes = lw.shape[0]
    bias = _finite_array(linear_bias, "linear_bias")
    if bias is not None:
        bias = bias.astype(dtype, copy=False)
        if bias.shape != (n_classes,):
            raise ValueError(
                f"linear_bias must hold one number per class, shape ({n_classes},); got "
                f"{bias.shape}"
            )
    w = _class_weight(weight, n_classes, dtype)
    tgt = np.asarray(target)
    if np.issubdtype(tgt.dtype, np.floating):
        raise ValueError(
            "linear_cross_entropy takes class indices (integers) as target; class-probability "
            "targets are not supported here (use cross_entropy on the logits for those)"
        )
    ignore = -100 if ignore_index is None else ignore_index
    if isinstance(ignore, bool) or not isinstance(ignore, int | np.integer):
        raise ValueError(f"ignore_index must be an integer or None; got {ignore_index!r}")
    batch = x.shape[:-1]
    t, valid = _class_targets(tgt, batch, n_classes, int(ignore))
    if chunk_size is None:
        chunk = max(1, min(n_classes, _CHUNK_ELEMENTS // max(1, x2.shape[0])))
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer):
        raise ValueError(
            f"chunk_size must be a whole number (of classes) or None; got {chunk_size!r}"
        )
    elif chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1 (classes per chunk); got {chunk_size}")
    else:
        chunk = int(chunk_size)
    return x2, lw, bias, w, t, valid, eps, batch, chunk


def _chunk_logits(x2: FloatArray, lw: FloatArray, bias: FloatArray | None, sl: slice) -> FloatArray:
    z = x2 @ lw[sl].T
    if bias is not None:
        z += bias[sl]
    return z


def _streamed_logsumexp(
    x2: FloatArray,
    lw: FloatArray,
    bias: FloatArray | None,
    chunk: int,
    safe: NDArray[np.intp],
    smoothing_weight: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """One pass over the classes: ``m``, ``log s``, ``m - z_target`` and the smoothing sum.

    The logits ``z = x2 @ lw.T + bias`` are made ``chunk`` classes at a time. Online
    log-sum-exp: keep a running maximum ``m`` and a running sum ``s = sum exp(z - m)``; when a
    chunk raises the maximum to ``m'``, rescale the sum by ``exp(m - m')`` first. Then
    ``log sum_c exp(z_c) = m + log s``. The target's logit is read from the chunk that holds
    it, so ``m - z_target >= 0`` holds exactly (``m`` is the largest of the same computed
    numbers) and ``s >= 1`` (its largest term is ``exp(0) = 1``): a row's loss,
    ``(m - z_target) + log s``, is a sum of two numbers >= 0 and cannot round below 0. With
    ``smoothing_weight`` (``w``), ``D = sum_c w_c (m - z_c) >= 0`` is kept the same way, each
    term >= 0, for label smoothing's ``sum_c w_c (-log p_c) = D + (sum_c w_c) log s``.
    """
    n = x2.shape[0]
    dtype = x2.dtype
    m = np.full(n, -np.inf, dtype=dtype)
    s = np.zeros(n, dtype=dtype)
    z_target = np.zeros(n, dtype=dtype)
    d = None if smoothing_weight is None else np.zeros(n, dtype=dtype)
    w_seen = dtype.type(0)  # sum of the smoothing weights of the classes seen so far
    rows = np.arange(n)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        for start in range(0, lw.shape[0], chunk):
            sl = slice(start, start + chunk)
            z = _chunk_logits(x2, lw, bias, sl)
            here = (safe >= start) & (safe < start + z.shape[1])
            z_target[here] = z[rows[here], safe[here] - start]
            m_new = np.maximum(m, z.max(axis=1))
            if d is not None:  # D += W_seen (m' - m) + sum_chunk w_c (m' - z_c), all >= 0
                d += w_seen * np.where(np.isinf(m), 0, m_new - m)
            s *= np.exp(m - m_new)  # exp(-inf) = 0 on the first chunk
            z -= m_new[:, None]  # <= 0
            if d is not None:
                d -= z @ smoothing_weight[sl]  # a sum of products w * (z - m') <= 0
                w_seen += smoothing_weight[sl].sum(dtype=dtype)
            np.exp(z, out=z)
            s += z.sum(axis=1)
            m = m_new
        log_s = np.log(s)
    if not (np.isfinite(m).all() and np.isfinite(log_s).all()):
        raise ValueError(
            "the logits input @ linear_weight.T overflow to inf in this dtype; scale the "
            "inputs or the weights down, or compute in float64"
        )
    return m, log_s, m - z_target, d


def _streamed_losses(
    x2: FloatArray,
    lw: FloatArray,
    bias: FloatArray | None,
    w: FloatArray | None,
    t: NDArray,
    valid: NDArray[np.bool_],
    eps: float,
    chunk: int,
) -> tuple[FloatArray, FloatArray, NDArray[np.intp], FloatArray]:
    """Per-row losses (each >= 0), log-sum-exps, gather-safe targets and target weights."""
    n_classes = lw.shape[0]
    safe, wy = _target_weights(t, valid, w, x2.dtype)
    wc = None
    if eps > 0:
        wc = np.ones(n_classes, dtype=x2.dtype) if w is None else w
    m, log_s, gap, d = _streamed_logsumexp(x2, lw, bias, chunk, safe, wc)
    loss = wy * np.where(valid, gap + log_s, 0)  # wy (-log p_y), a product of numbers >= 0
    if wc is not None:
        smooth = d + np.sum(wc) * log_s  # sum_c w_c (-log p_c), a sum of numbers >= 0
        loss = (1 - eps) * loss + (eps / n_classes) * np.where(valid, smooth, 0)
    return loss.astype(x2.dtype, copy=False), m + log_s, safe, wy


def linear_cross_entropy(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike,
    *,
    linear_bias: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    chunk_size: int | None = None,
) -> FloatArray:
    """Cross-entropy of the logits ``input @ linear_weight.T + linear_bias``, never stored whole.

    The same value as ``torch.nn.functional.linear_cross_entropy`` (torch 2.13) and so as
    ``cross_entropy(input @ linear_weight.T + linear_bias, target, ...)``, for class-index
    targets, but it never holds the ``(N, C)`` logits in memory: it streams the classes
    (the vocabulary of a language model) ``chunk_size`` rows of ``linear_weight`` at a time and
    keeps, per example, a running maximum and a running sum of exponentials, the online
    log-sum-exp of Milakov and Gimelshein (2018). The target's logit is read from the chunk
    that holds it, and label smoothing's ``sum_c w_c (-log p_c)`` is accumulated in the same
    pass. Memory is ``O(N * chunk_size)`` instead of ``O(N * C)``. Each example's loss is
    computed as a sum of terms that are >= 0 in floating point, so it is never negative, even
    for a confident, correct example in float32.

    Parameters
    ----------
    input : array_like
        Features (a language model's last hidden states), shape ``(in_features)`` or
        ``(N, in_features)``.
    linear_weight : array_like
        The output layer's weight, shape ``(C, in_features)`` as in ``torch.nn.Linear``.
    target : array_like of int
        Class indices, shape ``()`` or ``(N)``, in ``0..C-1`` or ``ignore_index``. Unlike
        torch's, class probabilities are not accepted.
    linear_bias : array_like, optional
        The output layer's bias, shape ``(C)``.
    weight : array_like, optional
        One class weight per class, shape ``(C)``, as in ``cross_entropy``. Unlike torch's,
        other shapes (such as K-dimensional weights) are refused.
    reduction, label_smoothing
        As in ``cross_entropy``.
    ignore_index : int, optional
        Targets equal to it count for nothing; ``None`` (the default) means -100, as in torch.
    chunk_size : int, optional
        Classes per chunk, in place of torch's ``options`` (``torch.nn.LinearCrossEntropyOptions``),
        which chunk the *batch* instead. ``None`` picks ``2**20 // N`` (at least 1), so that a
        chunk of logits holds about a million numbers. The result does not depend on it beyond
        rounding.

    Returns
    -------
    ndarray
        The loss in the common float dtype of ``input`` and ``linear_weight`` (0-d for
        ``'mean'`` and ``'sum'``; shape ``(N)`` or ``()`` for ``'none'``). A ``'mean'`` over
        nothing (every target ignored, or every counted target of class weight 0) is 0/0 and
        returns NaN, as in torch.

    Raises
    ------
    ValueError
        On shapes that do not fit (features, classes, targets, bias, weight), non-integer or
        out-of-range targets, NaN or inf in the inputs, logits that overflow, a bad
        ``reduction``, ``label_smoothing`` or ``chunk_size``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> h, W, y = rng.standard_normal((4, 3)), rng.standard_normal((10, 3)), [1, 5, 9, 0]
    >>> a = linear_cross_entropy(h, W, y, chunk_size=3)     # 3 + 3 + 3 + 1 classes at a time
    >>> b = cross_entropy(h @ W.T, y)                       # the full (4, 10) logits
    >>> bool(np.isclose(a, b))
    True
    """
    x2, lw, bias, w, t, valid, eps, batch, chunk = _linear_ce_args(
        input,
        linear_weight,
        target,
        linear_bias,
        weight,
        reduction,
        ignore_index,
        label_smoothing,
        chunk_size,
    )
    loss, _, _, wy = _streamed_losses(x2, lw, bias, w, t, valid, eps, chunk)
    return _reduce(loss.reshape(batch), reduction, np.sum(wy))


def linear_cross_entropy_with_grad(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike,
    *,
    linear_bias: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    chunk_size: int | None = None,
) -> tuple[FloatArray, tuple[FloatArray, FloatArray, FloatArray | None]]:
    """``linear_cross_entropy`` and its gradients together, in two passes over the classes.

    With ``g = cross_entropy_grad(z, target, ...)`` the gradient with respect to the logits
    ``z = input @ linear_weight.T + linear_bias``, the chain rule gives
    ``grad_input = g @ linear_weight``, ``grad_linear_weight = g.T @ input`` and
    ``grad_linear_bias = g.sum(0)``. Here ``g`` is never formed whole: the loss's pass over the
    classes also yields each row's log-sum-exp, which is all the gradient needs; a second pass
    recomputes one chunk of logits at a time, turns it into its chunk of ``g``
    (``softmax - onehot``, with weights, smoothing and the mean's normalisation) and adds its
    share to the three gradients. The logits are computed twice in all (calling
    ``linear_cross_entropy`` and then ``linear_cross_entropy_grad`` computes them three times),
    and memory is ``O(N * chunk_size)`` on top of the gradients themselves.

    Parameters
    ----------
    input, linear_weight, target, linear_bias, weight, reduction, ignore_index
        As in ``linear_cross_entropy``, and so are ``label_smoothing`` and ``chunk_size``.
        For ``reduction='none'`` the gradients are those of the *sum* of the per-example losses.

    Returns
    -------
    (ndarray, (ndarray, ndarray, ndarray or None))
        The loss, as ``linear_cross_entropy`` returns it, and ``grad_input`` (the input's
        shape), ``grad_linear_weight`` (``(C, in_features)``) and ``grad_linear_bias`` (``(C)``,
        or ``None`` without a bias), in the common float dtype. When a ``'mean'`` has nothing
        to average (its loss is 0/0 = NaN) the gradients are all zeros. Torch's autograd gives
        zeros too when every target is ignored, but NaN when the counted targets all have
        class weight 0; xent returns zeros in both cases, so that a step with them changes
        nothing instead of filling the parameters with NaN.

    Raises
    ------
    ValueError
        As ``linear_cross_entropy``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> h, W, y = rng.standard_normal((4, 3)), rng.standard_normal((10, 3)), [1, 5, 9, 0]
    >>> loss, (gh, gW, gb) = linear_cross_entropy_with_grad(h, W, y, chunk_size=4)
    >>> g = cross_entropy_grad(h @ W.T, y)                  # gradient w.r.t. the full logits
    >>> bool(np.isclose(loss, cross_entropy(h @ W.T, y))), gb is None
    (True, True)
    >>> bool(np.allclose(gh, g @ W) and np.allclose(gW, g.T @ h))
    True
    """
    x2, lw, bias, w, t, valid, eps, batch, chunk = _linear_ce_args(
        input,
        linear_weight,
        target,
        linear_bias,
        weight,
        reduction,
        ignore_index,
        label_smoothing,
        chunk_size,
    )
    n_classes = lw.shape[0]
    dtype = x2.dtype
    loss, lse, safe, wy = _streamed_losses(x2, lw, bias, w, t, valid, eps, chunk)  # pass 1
    coef = (1 - eps) * wy  # weight of -onehot(y) in each row of g
    counted = valid.astype(dtype)
    total_w = n_classes if w is None else np.sum(w)
    scale = coef + counted * (eps * total_w / n_classes)  # g = scale * p - (eps/C) w - coef onehot
    denominator = np.sum(wy)
    if reduction == "mean":
        norm = 0.0 if denominator == 0 else 1.0 / denominator
        scale, coef, counted = scale * norm, coef * norm, counted * norm
    grad_x = np.zeros_like(x2)
    grad_w = np.zeros_like(lw)
    grad_b = None if bias is None else np.zeros_like(bias)
    if np.any(scale):
        for start in range(0, n_classes, chunk):  # pass 2
            sl = slice(start, start + chunk)
            g = _chunk_logits(x2, lw, bias, sl)
            g -= lse[:, None]
            np.exp(g, out=g)  # softmax of this chunk of classes
            g *= scale[:, None]
            if eps > 0:  # the uniform part of the smoothed target
                uniform = np.ones(g.shape[1], dtype=dtype) if w is None else w[sl]
                g -= np.outer(counted * (eps / n_classes), uniform)
            grad_x += g @ lw[sl]
            grad_w[sl] = g.T @ x2
            if grad_b is not None:
                grad_b[sl] = g.sum(axis=0)
        # the -onehot(y) part, row by row: only each example's own target class
        grad_x -= coef[:, None] * lw[safe]
        np.add.at(grad_w, safe, -coef[:, None] * x2)
        if grad_b is not None:
            np.add.at(grad_b, safe, -coef)
    value = _reduce(loss.reshape(batch), reduction, denominator)
    return value, (grad_x.reshape(*batch, x2.shape[1]), grad_w, grad_b)


def linear_cross_entropy_grad(
    input: ArrayLike,
    linear_weight: ArrayLike,
    target: ArrayLike,
    *,
    linear_bias: ArrayLike | None = None,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    chunk_size: int | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Gradients of ``linear_cross_entropy`` with respect to input, weight and bias, streamed.

    The gradients of ``linear_cross_entropy_with_grad`` (see there), without the loss: two
    passes over the classes, the first for each row's log-sum-exp, the second for the
    gradients. To get the loss too, call ``linear_cross_entropy_with_grad``, which costs the
    same, rather than ``linear_cross_entropy`` and then this (three passes).

    Parameters
    ----------
    input, linear_weight, target, linear_bias, weight, reduction, ignore_index
        As in ``linear_cross_entropy``, and so are ``label_smoothing`` and ``chunk_size``.
        For ``reduction='none'`` the gradients are those of the *sum* of the per-example losses.

    Returns
    -------
    (ndarray, ndarray, ndarray or None)
        ``grad_input``, ``grad_linear_weight`` and ``grad_linear_bias`` (``None`` without a
        bias), as ``linear_cross_entropy_with_grad`` returns them: all zeros when a ``'mean'``
        has nothing to average (where torch gives NaN if the counted targets all have class
        weight 0).

    Raises
    ------
    ValueError
        As ``linear_cross_entropy``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> h, W, y = rng.standard_normal((4, 3)), rng.standard_normal((10, 3)), [1, 5, 9, 0]
    >>> gh, gW, gb = linear_cross_entropy_grad(h, W, y, chunk_size=4)
    >>> g = cross_entropy_grad(h @ W.T, y)                  # gradient w.r.t. the full logits
    >>> bool(np.allclose(gh, g @ W) and np.allclose(gW, g.T @ h)), gb is None
    (True, True)
    """
    return linear_cross_entropy_with_grad(
        input,
        linear_weight,
        target,
        linear_bias=linear_bias,
        weight=weight,
        reduction=reduction,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
        chunk_size=chunk_size,
    )[1]


# ---------------------------------------------------------------------------------------------
# Contrastive learning: InfoNCE, cross-entropy over a batch of candidates (chapter 11)
# ---------------------------------------------------------------------------------------------


def _check_temperature(temperature: float) -> float:
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number > 0; got {temperature!r}") from None
    if isinstance(temperature, bool) or not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"temperature must be a finite number > 0 (the similarities are divided by it); "
            f"got {temperature!r}"
        )
    return value


def _unit_rows(x: FloatArray, name: str) -> tuple[FloatArray, FloatArray]:
    """Rows of ``x`` scaled to length 1, and their lengths; a zero row has no direction."""
    norms = np.sqrt(np.sum(x * x, axis=1))
    if not (norms > 0).all():
        row = int(np.argmin(norms))
        raise ValueError(
            f"{name} row {row} is the zero vector, which has no direction, so its cosine "
            "similarity is undefined; pass normalize=False to use plain dot products"
        )
    return x / norms[:, None], norms


def _info_nce_args(
    input: ArrayLike,
    keys: ArrayLike | None,
    temperature: float,
    symmetric: bool,
    normalize: bool,
    reduction: str,
) -> tuple:
    """Check the arguments of ``info_nce``; return the logits and what the gradient needs."""
    _check_reduction(reduction)
    tau = _check_temperature(temperature)
    if not isinstance(symmetric, bool | np.bool_):
        raise ValueError(f"symmetric must be True or False; got {symmetric!r}")
    what = "input (the similarity matrix)" if keys is None else "input (the query embeddings)"
    x = _finite_array(input, what)
    if x.ndim != 2 or x.shape[0] == 0:
        shape = "(N, M), one row of similarities per query" if keys is None else "(N, D)"
        raise ValueError(f"{what} must have shape {shape}, with N >= 1; got shape {x.shape}")
    embeddings = None
    if keys is not None:
        k = _finite_array(keys, "keys")
        if k.ndim != 2 or k.shape[1] != x.shape[1]:
            raise ValueError(
                f"keys must have shape (M, D) with the queries' D = {x.shape[1]}; got shape "
                f"{k.shape}"
            )
        dtype = np.result_type(x.dtype, k.dtype)
        x, k = x.astype(dtype, copy=False), k.astype(dtype, copy=False)
        if normalize:
            q_hat, q_len = _unit_rows(x, "input")
            k_hat, k_len = _unit_rows(k, "keys")
        else:
            q_hat, q_len, k_hat, k_len = x, None, k, None
        embeddings = (q_hat, q_len, k_hat, k_len)
        sim = q_hat @ k_hat.T
    else:
        sim = x
    n, m = sim.shape
    if m < n:
        raise ValueError(
            f"there are {n} queries but only {m} candidates: query i's positive is candidate i, "
            "so every query needs its own (M >= N; any extra candidates are negatives)"
        )
    if symmetric and m != n:
        raise ValueError(
            f"symmetric=True needs as many candidates as queries (a square similarity matrix); "
            f"got {n} queries and {m} candidates"
        )
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # reported just below
        z = sim / np.asarray(tau, dtype=sim.dtype)
    if not np.isfinite(z).all():
        raise ValueError(
            "the similarities divided by the temperature overflow to inf; use a larger "
            "temperature or compute in float64"
        )
    return z, tau, embeddings


def _info_nce_rows(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each row's ``-log softmax(z)_ii`` (as a sum of two numbers >= 0) and its softmax."""
    m, e, _ = _logsumexp_rows(z)
    n = z.shape[0]
    rows = np.arange(n)
    total = e.sum(axis=1)
    loss = (m - z[rows, rows]) + np.log(total)
    return loss, e / total[:, None]


def info_nce(
    input: ArrayLike,
    keys: ArrayLike | None = None,
    *,
    temperature: float = 1.0,
    symmetric: bool = False,
    normalize: bool = True,
    reduction: str = "mean",
) -> FloatArray:
    """InfoNCE loss: cross-entropy over a batch in which each query's positive is its class.

    Query ``i`` is scored against candidates ``j = 0..M-1`` by similarities ``s_ij``; its
    positive is candidate ``i`` (the other half of its pair), and the others are negatives.
    The loss of query ``i`` is ``-log softmax(s_i / temperature)_i``, so the mean over the
    batch is exactly ``cross_entropy(s / temperature, arange(N))`` (van den Oord et al., 2018).
    With ``symmetric=True`` (CLIP, Radford et al., 2021) the columns are classified too, and
    the loss is the mean of ``cross_entropy(s / t, arange(N))`` and
    ``cross_entropy(s.T / t, arange(N))``. Each row's loss is computed as
    ``(max_j z_ij - z_ii) + log sum_j exp(z_ij - max_j z_ij)``, two numbers >= 0, so it never
    overflows and never rounds below 0.

    For N pairs drawn from a joint distribution, ``log(N) - info_nce(...)`` estimates a lower
    bound on the mutual information of the pair, in nats (Poole et al., 2019); it can never
    exceed ``log(N)``.

    Parameters
    ----------
    input : array_like
        Either the similarity matrix ``s``, shape ``(N, M)`` with ``M >= N`` (the extra
        candidates ``N..M-1`` are negatives for every query), or, when ``keys`` is given, the
        query embeddings, shape ``(N, D)``.
    keys : array_like, optional
        The candidates' embeddings, shape ``(M, D)``; then ``s = input @ keys.T``, after
        scaling every row to length 1 if ``normalize`` (cosine similarity, as in SimCLR and
        CLIP).
    temperature : float, default 1.0
        ``t > 0``: the similarities are divided by it before the softmax.
    symmetric : bool, default False
        Also classify each candidate's query (the columns); needs ``M == N``.
    normalize : bool, default True
        With ``keys``: use cosine similarities rather than plain dot products.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns one loss per query (with ``symmetric``, the mean of the row's and
        the column's loss of pair ``i``).

    Returns
    -------
    ndarray
        The loss in nats, in the input's float dtype (0-d for ``'mean'`` and ``'sum'``).

    Raises
    ------
    ValueError
        On a similarity matrix that is not 2-D or has fewer candidates than queries,
        embeddings whose widths differ, a zero embedding with ``normalize``, NaN or inf, a
        temperature that is not a finite number > 0, similarities that overflow once divided
        by it, a non-square matrix with ``symmetric``, or a bad ``reduction``.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[0.9, 0.1, 0.2], [0.0, 0.8, 0.3], [0.4, 0.2, 0.7]])
    >>> print(round(float(info_nce(s, temperature=0.5)), 6))
    0.490686
    >>> print(round(float(cross_entropy(s / 0.5, [0, 1, 2])), 6))  # the same cross-entropy
    0.490686
    >>> print(round(float(info_nce(s, temperature=0.5, symmetric=True)), 6))  # CLIP
    0.488922
    >>> print(round(float(np.log(3) - info_nce(s, temperature=0.5)), 6))  # MI bound, nats
    0.607927
    """
    z, _, _ = _info_nce_args(input, keys, temperature, symmetric, normalize, reduction)
    loss, _ = _info_nce_rows(z)
    if symmetric:
        loss = 0.5 * (loss + _info_nce_rows(z.T)[0])
    return _reduce(loss.astype(z.dtype, copy=False), reduction)


def info_nce_grad(
    input: ArrayLike,
    keys: ArrayLike | None = None,
    *,
    temperature: float = 1.0,
    symmetric: bool = False,
    normalize: bool = True,
    reduction: str = "mean",
) -> FloatArray | tuple[FloatArray, FloatArray]:
    """Gradient of ``info_nce``: with respect to the similarities, or to both embeddings.

    With ``z = s / t`` and ``P`` the row-wise softmax of ``z``, the gradient of the summed row
    losses with respect to ``s`` is ``(P - I) / t``: ``(p_ii - 1) / t`` on the positive, which
    pulls the pair together, and ``p_ij / t`` on each negative, which pushes it away, in
    proportion to how probable the model finds that mistake. (Only the first ``N`` columns get
    the ``-I``.) With ``symmetric`` it is the mean of that and the same for the columns,
    ``(P_col - I) / t`` with ``P_col`` the column-wise softmax. ``'mean'`` divides by ``N``.

    With ``keys``, the chain rule through ``s = q @ k.T`` gives ``G @ k`` and ``G.T @ q`` for
    the gradient ``G`` with respect to ``s``; with ``normalize`` each row's gradient is also
    projected through the scaling to unit length: ``(g - u (u . g)) / |x|`` for the row ``x``
    and its direction ``u``, so a change in an embedding's length alone changes nothing.

    Parameters
    ----------
    input, keys, temperature, symmetric, normalize, reduction
        As in ``info_nce``. For ``reduction='none'`` the result is the gradient of the *sum* of
        the per-query losses.

    Returns
    -------
    ndarray or (ndarray, ndarray)
        Without ``keys``, the gradient with respect to the similarity matrix (its shape). With
        ``keys``, the gradients with respect to the queries and the keys (their shapes). In the
        input's float dtype.

    Raises
    ------
    ValueError
        As ``info_nce``.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.zeros((2, 2))  # every candidate equally similar: p = 1/2 everywhere
    >>> print(info_nce_grad(s))  # (P - I) / (t N)
    [[-0.25  0.25]
     [ 0.25 -0.25]]
    >>> q = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> gq, gk = info_nce_grad(q, q, temperature=0.1)
    >>> print(np.round((gq * q).sum(axis=1), 12))  # orthogonal to each row: length is free
    [0. 0.]
    """
    z, tau, embeddings = _info_nce_args(input, keys, temperature, symmetric, normalize, reduction)
    n = z.shape[0]
    rows = np.arange(n)
    _, p = _info_nce_rows(z)
    g = p
    g[rows, rows] -= 1
    if symmetric:
        _, p_col = _info_nce_rows(z.T)
        p_col[rows, rows] -= 1
        g = 0.5 * (g + p_col.T)
    scale = 1 / tau / (n if reduction == "mean" else 1)
    g = (g * scale).astype(z.dtype, copy=False)
    if embeddings is None:
        return g
    q_hat, q_len, k_hat, k_len = embeddings
    g_q, g_k = g @ k_hat, g.T @ q_hat
    if q_len is not None:
        g_q = (g_q - q_hat * np.sum(q_hat * g_q, axis=1, keepdims=True)) / q_len[:, None]
        g_k = (g_k - k_hat * np.sum(k_hat * g_k, axis=1, keepdims=True)) / k_len[:, None]
    return g_q, g_k


# ---------------------------------------------------------------------------------------------
# Preferences (chapter 12): the Bradley-Terry reward-model loss and the DPO loss
# ---------------------------------------------------------------------------------------------


def _pair(
    first: ArrayLike, second: ArrayLike, names: tuple[str, str]
) -> tuple[FloatArray, FloatArray]:
    """Two finite arrays of the same shape, in their common float dtype."""
    a = as_float_array(first, names[0])
    b = as_float_array(second, names[1])
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape (one entry per preference "
            f"pair); got {a.shape} and {b.shape}"
        )
    for arr, name in ((a, names[0]), (b, names[1])):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must be finite; it contains inf")
    dtype = np.result_type(a, b)
    return a.astype(dtype, copy=False), b.astype(dtype, copy=False)


def _check_beta(beta: float) -> float:
    try:
        value = float(beta)
    except (TypeError, ValueError):
        raise ValueError(f"beta must be a positive number; got {beta!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(
            f"beta must be a positive, finite number (the strength of the pull towards the "
            f"reference policy); got {beta!r}"
        )
    return value


def _softplus_neg(z: FloatArray) -> FloatArray:
    """``-log sigmoid(z) = log(1 + exp(-z))``, with no overflow for any z (inf included)."""
    return np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))


def _sigmoid_neg(z: FloatArray) -> FloatArray:
    """``sigmoid(-z) = 1 / (1 + exp(z))``, with no overflow for any z (inf included)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))


def _pair_grad(dloss_dz: FloatArray, weight: ArrayLike | None, reduction: str) -> FloatArray:
    """Weight and normalise the derivative of each pair's loss with respect to its margin."""
    g = _apply_weight(dloss_dz, weight, "weight")
    if reduction == "mean" and g.size:
        g = g / np.asarray(g.size, dtype=g.dtype)
    return g


def bradley_terry_loss(
    chosen: ArrayLike,
    rejected: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> FloatArray:
    """Reward-model loss of Bradley-Terry preferences: ``-log sigmoid(chosen - rejected)``.

    Under the Bradley-Terry model a response with score ``r_a`` is preferred to one with score
    ``r_b`` with probability ``sigmoid(r_a - r_b)``. For an observed preference the negative
    log-likelihood is the binary cross-entropy with target 1 on the logit ``chosen -
    rejected``, the same number as ``binary_cross_entropy_with_logits(chosen - rejected, 1)``,
    evaluated as ``max(-z, 0) + log1p(exp(-|z|))`` with ``z = chosen - rejected``: nothing
    overflows, however large the margin. Adding one constant to every score changes nothing.

    Parameters
    ----------
    chosen : array_like
        The reward model's scores of the preferred responses, any shape.
    rejected : array_like
        The scores of the responses they were preferred to, the same shape.
    weight : array_like, optional
        Non-negative weights (for example how often each pair was observed), broadcastable to
        the scores' shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'mean'`` is the plain mean over the pairs, weights or not.

    Returns
    -------
    ndarray
        The loss in nats, in the scores' float dtype (0-d for ``'mean'`` and ``'sum'``).

    Raises
    ------
    ValueError
        If a score is not finite, the two shapes differ, a weight is negative or does not
        broadcast, or the reduction is unknown.

    Examples
    --------
    >>> print(bradley_terry_loss([2.0, 0.0], [0.0, 0.0], reduction="none"))  # log 2 for a tie
    [0.12692801 0.69314718]
    >>> print(bradley_terry_loss([-1e4], [1e4]))  # sigmoid(-2e4) underflows; its log does not
    20000.0
    """
    _check_reduction(reduction)
    a, b = _pair(chosen, rejected, ("chosen", "rejected"))
    with np.errstate(over="ignore"):  # a difference beyond the float range is +-inf: fine
        loss = _softplus_neg(a - b)
    return _reduce(_apply_weight(loss, weight, "weight"), reduction)


def bradley_terry_loss_grad(
    chosen: ArrayLike,
    rejected: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> tuple[FloatArray, FloatArray]:
    """Gradients of ``bradley_terry_loss`` with respect to the chosen and rejected scores.

    With ``z = chosen - rejected`` the loss of one pair is ``-log sigmoid(z)``, whose
    derivative is ``-sigmoid(-z) = -(1 - P(chosen preferred))``: the chosen score is pushed up
    and the rejected one down, both by the probability the model still gives to the *other*
    outcome, so a pair the model already ranks confidently contributes almost nothing.

    Parameters
    ----------
    chosen, rejected, weight, reduction
        As in ``bradley_terry_loss``. For ``reduction='none'`` the gradients are those of the
        *sum* of the per-pair losses.

    Returns
    -------
    (ndarray, ndarray)
        ``grad_chosen`` and ``grad_rejected = -grad_chosen``, each of the scores' shape.

    Raises
    ------
    ValueError
        As ``bradley_terry_loss``.

    Examples
    --------
    >>> g_chosen, g_rejected = bradley_terry_loss_grad([0.0, 3.0], [0.0, 0.0])
    >>> print(g_chosen.round(4), g_rejected.round(4))  # mean over 2 pairs: -sigmoid(-z) / 2
    [-0.25   -0.0237] [0.25   0.0237]
    """
    _check_reduction(reduction)
    a, b = _pair(chosen, rejected, ("chosen", "rejected"))
    with np.errstate(over="ignore"):
        g = _pair_grad(-_sigmoid_neg(a - b), weight, reduction)
    g = np.broadcast_to(g, a.shape).astype(a.dtype, copy=True)
    return g, -g


def _dpo_margin(
    policy_chosen_logps: ArrayLike,
    policy_rejected_logps: ArrayLike,
    reference_chosen_logps: ArrayLike,
    reference_rejected_logps: ArrayLike,
    beta: float,
) -> tuple[FloatArray, float]:
    """``beta * ((pc - rc) - (pr - rr))`` after checking the four log-probabilities."""
    b = _check_beta(beta)
    pc, pr = _pair(
        policy_chosen_logps, policy_rejected_logps, ("policy_chosen_logps", "policy_rejected_logps")
    )
    rc, rr = _pair(
        reference_chosen_logps,
        reference_rejected_logps,
        ("reference_chosen_logps", "reference_rejected_logps"),
    )
    if pc.shape != rc.shape:
        raise ValueError(
            "the policy's and the reference's log-probabilities must have the same shape (one "
            f"entry per preference pair); got {pc.shape} and {rc.shape}"
        )
    dtype = np.result_type(pc, rc)
    for arr, name in (
        (pc, "policy_chosen_logps"),
        (pr, "policy_rejected_logps"),
        (rc, "reference_chosen_logps"),
        (rr, "reference_rejected_logps"),
    ):
        if (arr > _log_prob_tolerance(arr)).any():
            raise ValueError(
                f"{name} has an entry above 0 ({arr.max():g}), but a log-probability is at most "
                "0: pass log-probabilities of whole responses (for a sequence, the sum of its "
                "tokens' log_softmax), not logits or probabilities"
            )
    with np.errstate(over="ignore"):
        z = b * ((pc.astype(dtype) - rc) - (pr.astype(dtype) - rr))
    return z, b


def dpo_loss(
    policy_chosen_logps: ArrayLike,
    policy_rejected_logps: ArrayLike,
    reference_chosen_logps: ArrayLike,
    reference_rejected_logps: ArrayLike,
    beta: float = 0.1,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> FloatArray:
    """Direct preference optimisation loss (Rafailov et al., 2023): Bradley-Terry on log-ratios.

    The policy's *implicit reward* of a response is ``beta * (log pi(y) - log pi_ref(y))``; the
    DPO loss of a preference pair is the Bradley-Terry loss of the two implicit rewards,

        ``-log sigmoid(beta * ((pc - rc) - (pr - rr)))``,

    with ``pc``, ``pr`` the policy's log-probabilities of the chosen and rejected responses and
    ``rc``, ``rr`` the frozen reference policy's. It is evaluated as ``bradley_terry_loss`` is,
    with no overflow for any margin. At ``pi = pi_ref`` every pair costs ``log 2``.

    Parameters
    ----------
    policy_chosen_logps, policy_rejected_logps : array_like
        Log-probabilities (at most 0) of the chosen and the rejected responses under the policy
        being trained, one entry per pair.
    reference_chosen_logps, reference_rejected_logps : array_like
        The same under the reference policy, the same shape.
    beta : float, default 0.1
        Positive; the strength of the KL penalty that keeps the policy near the reference.
    weight : array_like, optional
        Non-negative weights of the pairs, broadcastable to their shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Returns
    -------
    ndarray
        The loss in nats, in the inputs' float dtype (0-d for ``'mean'`` and ``'sum'``).

    Raises
    ------
    ValueError
        If a log-probability is above 0 (logits or probabilities passed by mistake) or not
        finite, the shapes differ, ``beta`` is not a positive number, a weight is negative, or
        the reduction is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> ref = np.log([0.5, 0.5])
    >>> print(dpo_loss(ref[:1], ref[1:], ref[:1], ref[1:]))  # policy = reference: log 2
    0.6931471805599453
    >>> print(dpo_loss(np.log([0.8]), np.log([0.2]), ref[:1], ref[1:], beta=1.0).round(4))
    0.2231
    """
    _check_reduction(reduction)
    z, _ = _dpo_margin(
        policy_chosen_logps,
        policy_rejected_logps,
        reference_chosen_logps,
        reference_rejected_logps,
        beta,
    )
    return _reduce(_apply_weight(_softplus_neg(z), weight, "weight"), reduction)


def dpo_loss_grad(
    policy_chosen_logps: ArrayLike,
    policy_rejected_logps: ArrayLike,
    reference_chosen_logps: ArrayLike,
    reference_rejected_logps: ArrayLike,
    beta: float = 0.1,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> tuple[FloatArray, FloatArray]:
    """Gradients of ``dpo_loss`` with respect to the policy's two log-probabilities.

    With ``z`` the margin of ``dpo_loss``, the derivative with respect to the policy's
    log-probability of the chosen response is ``-beta * sigmoid(-z)`` and with respect to the
    rejected one ``+beta * sigmoid(-z)``: the chosen response's probability is raised, the
    rejected one's lowered, in proportion to how wrongly the implicit rewards still rank the
    pair. The reference is frozen and gets no gradient. Chain these through the policy's
    ``log_softmax`` to reach its parameters.

    Parameters
    ----------
    policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
    reference_rejected_logps, beta, weight, reduction
        As in ``dpo_loss``. For ``reduction='none'`` the gradients are those of the *sum* of
        the per-pair losses.

    Returns
    -------
    (ndarray, ndarray)
        ``grad_policy_chosen`` and ``grad_policy_rejected = -grad_policy_chosen``.

    Raises
    ------
    ValueError
        As ``dpo_loss``.

    Examples
    --------
    >>> import numpy as np
    >>> ref = np.log([0.5, 0.5])
    >>> g_chosen, g_rejected = dpo_loss_grad(ref[:1], ref[1:], ref[:1], ref[1:], beta=0.5)
    >>> print(g_chosen, g_rejected)  # at pi = pi_ref: -beta / 2 and +beta / 2
    [-0.25] [0.25]
    """
    _check_reduction(reduction)
    z, b = _dpo_margin(
        policy_chosen_logps,
        policy_rejected_logps,
        reference_chosen_logps,
        reference_rejected_logps,
        beta,
    )
    g = _pair_grad(-b * _sigmoid_neg(z), weight, reduction)
    g = np.broadcast_to(g, z.shape).astype(z.dtype, copy=True)
    return g, -g


# ---------------------------------------------------------------------------------------------
# Knowledge distillation: soft targets from a teacher (chapter 10)
# ---------------------------------------------------------------------------------------------


def _distillation_parts(
    input: ArrayLike,
    teacher: ArrayLike,
    target: ArrayLike | None,
    temperature: float,
    alpha: float,
) -> tuple[FloatArray, FloatArray, NDArray[np.intp] | None, float, float]:
    """Validate the arguments of ``distillation_loss``; return them as arrays and floats."""
    s = as_float_array(input, "input")
    if s.ndim != 2:
        raise ValueError(
            "input (the student's logits) must have shape (N, C): one row of C logits per "
            f"example; got shape {s.shape}"
        )
    if s.shape[0] == 0 or s.shape[1] == 0:
        raise ValueError(f"input needs at least one example and one class; got shape {s.shape}")
    t = as_float_array(teacher, "teacher").astype(s.dtype, copy=False)
    if t.shape != s.shape:
        raise ValueError(
            f"teacher must hold the teacher's logits for the same examples and classes as "
            f"input, shape {s.shape}; got shape {t.shape}"
        )
    for name, x in (("input", s), ("teacher", t)):
        if not np.isfinite(x).all():
            raise ValueError(f"{name} (logits) must hold finite numbers; it contains an infinity")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)):
        raise ValueError(f"temperature must be a positive number; got {temperature!r}")
    T = float(temperature)
    if not (np.isfinite(T) and T > 0):
        raise ValueError(
            f"temperature must be a finite number > 0 (1 leaves the logits as they are, larger "
            f"values soften the teacher); got {temperature!r}"
        )
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)):
        raise ValueError(f"alpha must be a number between 0 and 1; got {alpha!r}")
    a = float(alpha)
    if not 0.0 <= a <= 1.0:
        raise ValueError(
            f"alpha is the weight of the soft (teacher) term, between 0 and 1 (1 - alpha goes "
            f"to the labels); got {alpha!r}"
        )
    y: NDArray[np.intp] | None = None
    if target is None:
        if a < 1.0:
            raise ValueError(
                f"alpha = {a:g} < 1 puts weight {1 - a:g} on the hard labels, so target (one "
                "class index per example) is needed; pass target, or alpha=1.0 for the soft "
                "term alone"
            )
    else:
        tgt = np.asarray(target)
        y, valid = _class_targets(tgt, (s.shape[0],), s.shape[1], ignore_index=-100)
        if not valid.all():
            raise ValueError(
                "target contains -100, the ignore_index of cross_entropy; distillation_loss "
                "counts every example, so drop the ignored rows first"
            )
    return s, t, y, T, a


def distillation_loss(
    input: ArrayLike,
    teacher: ArrayLike,
    target: ArrayLike | None = None,
    temperature: float = 4.0,
    alpha: float = 1.0,
    reduction: str = "mean",
) -> FloatArray:
    """Knowledge-distillation loss of Hinton, Vinyals and Dean (2015), with soft and hard parts.

    For each example, with student logits ``s``, teacher logits ``t``, temperature ``T`` and
    ``p_T = softmax(t / T)``, ``q_T = softmax(s / T)``, the loss is

        ``alpha * T**2 * KL(p_T || q_T) + (1 - alpha) * cross_entropy(s, y)``.

    The soft term is exactly the common PyTorch recipe
    ``F.kl_div(F.log_softmax(s / T, dim=1), F.softmax(t / T, dim=1), reduction='batchmean')
    * T**2``: the factor ``T**2`` keeps its gradient, which is ``T * (q_T - p_T)``, of the
    same size for every ``T`` (it tends to the difference of the centred logits divided by
    ``C`` as ``T`` grows). The hard term is the ordinary cross-entropy with the labels at
    temperature 1. Replacing the KL by the cross-entropy ``H(p_T, q_T)`` adds the constant
    ``T**2 * H(p_T)``: the same gradient, but a floor above 0.

    Parameters
    ----------
    input : array_like
        The student's logits, shape ``(N, C)``.
    teacher : array_like
        The teacher's logits for the same examples, shape ``(N, C)`` (treated as constants).
    target : array_like of int, optional
        The labels, one class index per example, shape ``(N,)``; needed when ``alpha < 1``.
    temperature : float, default 4.0
        ``T > 0``, applied to both student and teacher in the soft term.
    alpha : float, default 1.0
        Weight of the soft term, in ``[0, 1]``; ``1 - alpha`` weighs the hard term.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'mean'`` averages over the ``N`` examples (``kl_div``'s ``'batchmean'`` for the soft
        term, ``cross_entropy``'s ``'mean'`` for the hard one); ``'none'`` returns one loss
        per example.

    Returns
    -------
    ndarray
        The loss in the input's float dtype (0-d for ``'mean'`` and ``'sum'``).

    Raises
    ------
    ValueError
        If the logits are not finite, not of shape ``(N, C)`` or of different shapes, if
        ``temperature`` is not a positive number, ``alpha`` is outside ``[0, 1]``, ``target``
        is missing while ``alpha < 1`` or holds an invalid class index, or ``reduction`` is
        unknown.

    Examples
    --------
    >>> import numpy as np
    >>> student, teacher = np.array([[2.0, 0.0, -2.0]]), np.array([[4.0, 2.0, -4.0]])
    >>> print(distillation_loss(student, teacher, temperature=2.0).round(6))
    0.21847
    >>> p = softmax(teacher / 2.0, dim=1)  # the same as the PyTorch recipe, in NumPy:
    >>> print((kl_div(log_softmax(student / 2.0, dim=1), p, reduction="batchmean") * 4).round(6))
    0.21847
    >>> print(distillation_loss(student, teacher, [0], temperature=2.0, alpha=0.5).round(6))
    0.180701
    """
    _check_reduction(reduction)
    s, t, y, T, a = _distillation_parts(input, teacher, target, temperature, alpha)
    log_p = log_softmax(t / T, dim=1)
    log_q = log_softmax(s / T, dim=1)
    p = np.exp(log_p)
    kl = np.sum(np.where(p > 0, p * (log_p - log_q), 0), axis=1)
    loss = a * T**2 * kl
    if a < 1.0:
        assert y is not None  # checked by _distillation_parts
        hard = 0 - log_softmax(s, dim=1)[np.arange(s.shape[0]), y]
        loss = loss + (1 - a) * hard
    return _reduce(loss.astype(s.dtype, copy=False), reduction)


def distillation_loss_grad(
    input: ArrayLike,
    teacher: ArrayLike,
    target: ArrayLike | None = None,
    temperature: float = 4.0,
    alpha: float = 1.0,
    reduction: str = "mean",
) -> FloatArray:
    """Gradient of ``distillation_loss`` with respect to the student's logits.

    Per example, ``alpha * T * (q_T - p_T) + (1 - alpha) * (softmax(s) - onehot(y))``, where
    ``q_T = softmax(s / T)`` and ``p_T = softmax(t / T)``: the soft term's gradient is
    ``(q_T - p_T) / T`` from the chain rule through ``s / T``, times the ``T**2`` of the loss.
    ``'mean'`` divides by ``N``. Every entry is bounded by ``alpha * T + (1 - alpha)`` per
    example, whatever the logits.

    Parameters
    ----------
    input, teacher, target, temperature, alpha, reduction
        As in ``distillation_loss``. For ``reduction='none'`` the result is the gradient of
        the *sum* of the per-example losses.

    Returns
    -------
    ndarray
        An array of the input's shape ``(N, C)`` and dtype; each row sums to 0.

    Raises
    ------
    ValueError
        As ``distillation_loss``.

    Examples
    --------
    >>> import numpy as np
    >>> z, v = np.array([[1.0, 0.0, -1.0]]), np.array([[3.0, 0.0, -3.0]])
    >>> print(distillation_loss_grad(z, v, temperature=1e4).round(3))  # ~ (z - v) / C
    [[-0.667  0.     0.667]]
    """
    _check_reduction(reduction)
    s, t, y, T, a = _distillation_parts(input, teacher, target, temperature, alpha)
    grad = (a * T) * (softmax(s / T, dim=1) - softmax(t / T, dim=1))
    if a < 1.0:
        assert y is not None  # checked by _distillation_parts
        hard = softmax(s, dim=1)
        hard[np.arange(s.shape[0]), y] -= 1
        grad = grad + (1 - a) * hard
    if reduction == "mean":
        grad = grad / s.shape[0]
    return grad.astype(s.dtype, copy=False)
