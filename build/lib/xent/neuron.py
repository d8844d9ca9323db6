"""One sigmoid neuron trained by gradient descent: the learning-slowdown experiment.

The neuron computes ``a = sigmoid(w * x + b)`` and is trained on a single example ``(x, y)``
with either the quadratic cost ``(a - y)**2 / 2`` or the cross-entropy cost
``-(y ln a + (1 - y) ln(1 - a))``. ``train`` runs plain gradient descent in NumPy, for one
starting point or a whole grid of them at once; ``train_torch`` does the same with torch
autograd and ``torch.optim.SGD`` so the two can be compared.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array

__all__ = [
    "COSTS",
    "Trajectory",
    "cost_value",
    "gradients",
    "iterations_to_reach",
    "learning_rate_to_reach",
    "sigmoid",
    "sigmoid_prime",
    "train",
    "train_torch",
]

#: The two costs the experiment compares.
COSTS: tuple[str, ...] = ("quadratic", "cross_entropy")


@dataclass(frozen=True)
class Trajectory:
    """The history of one training run (or of a grid of runs trained side by side).

    Every array has shape ``(epochs + 1, *start_shape)``: index 0 is the starting point,
    before any update, and index ``t`` is the state after ``t`` gradient-descent steps.
    ``grad_w[t]`` and ``grad_b[t]`` are the gradients evaluated at step ``t`` (the ones the
    update from ``t`` to ``t + 1`` uses; the last row is the gradient at the end point).
    """

    w: NDArray[np.float64]
    b: NDArray[np.float64]
    z: NDArray[np.float64]
    a: NDArray[np.float64]
    cost: NDArray[np.float64]
    grad_w: NDArray[np.float64]
    grad_b: NDArray[np.float64]
    cost_name: str
    eta: float
    x: float
    y: float

    @property
    def epochs(self) -> int:
        """Number of gradient-descent steps taken."""
        return self.a.shape[0] - 1


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    """The logistic function ``1 / (1 + exp(-z))``, without overflow for large ``|z|``.

    Examples
    --------
    >>> float(sigmoid(0.0))
    0.5
    >>> round(float(sigmoid(1.5)), 4)
    0.8176
    """
    return _sigmoid(_real_array(z, "z", finite=False))


def _sigmoid(z: NDArray[np.floating]) -> NDArray[np.float64]:
    """``sigmoid`` without the input checks (for inner loops)."""
    return np.exp(-np.logaddexp(0.0, -z))


def _dc_dz(a: NDArray[np.float64], y: float, cost: str) -> NDArray[np.float64]:
    """``dC/dz`` at output ``a``: the quadratic cost keeps ``sigma'(z) = a(1 - a)``."""
    if cost == "quadratic":
        return (a - y) * a * (1.0 - a)
    return a - y


def sigmoid_prime(z: ArrayLike) -> NDArray[np.float64]:
    """The derivative of the sigmoid, ``sigmoid(z) * (1 - sigmoid(z))``; at most 1/4 (at 0).

    Examples
    --------
    >>> float(sigmoid_prime(0.0))
    0.25
    >>> round(float(sigmoid_prime(4.0)), 4)
    0.0177
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def _real_array(x: ArrayLike, name: str, finite: bool = True) -> NDArray[np.floating]:
    """``x`` as a float array without NaN (and, if ``finite``, without infinities)."""
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError):
        raw = None  # as_float_array below explains what is wrong
    if raw is not None and np.issubdtype(raw.dtype, np.floating) and np.isnan(raw).any():
        raise ValueError(f"{name} contains NaN; it must hold real numbers")
    arr = as_float_array(x, name)
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{name} must hold finite numbers; got an infinity")
    return arr


def _broadcast_start(w: ArrayLike, b: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    """Starting weights and biases as float64 arrays of one common shape."""
    w, b = _real_array(w, "w"), _real_array(b, "b")
    try:
        w0, b0 = np.broadcast_arrays(w, b)
    except ValueError as err:
        raise ValueError(f"w {w.shape} and b {b.shape} must have shapes that broadcast") from err
    return w0.astype(np.float64), b0.astype(np.float64)


def _check_cost(cost: str) -> str:
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {COSTS}; got {cost!r}")
    return cost


def _check_scalar(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a single real number; got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    return value


def _check_target(y: float) -> float:
    y = _check_scalar(y, "y")
    if not 0.0 <= y <= 1.0:
        raise ValueError(f"the target y must lie in [0, 1] (a sigmoid output); got {y!r}")
    return y


def _check_eta(eta: float) -> float:
    eta = _check_scalar(eta, "eta")
    if eta <= 0:
        raise ValueError(f"the learning rate eta must be positive; got {eta!r}")
    return eta


def _check_epochs(epochs: int) -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral):
        raise ValueError(f"epochs must be a whole number of iterations; got {epochs!r}")
    if epochs < 0:
        raise ValueError(f"epochs must be 0 or more; got {epochs!r}")
    return int(epochs)


def cost_value(z: ArrayLike, y: float, cost: str) -> NDArray[np.float64]:
    """The cost of a neuron with weighted input ``z`` (output ``sigmoid(z)``) for target ``y``.

    The cross-entropy is computed from ``z`` as ``softplus(z) - y z``, which equals
    ``-(y ln a + (1 - y) ln(1 - a))`` but stays finite even when ``a`` rounds to 0 or 1.

    Parameters
    ----------
    z : array_like
        Weighted input ``w * x + b``.
    y : float
        Target output, in [0, 1].
    cost : {"quadratic", "cross_entropy"}
        Which cost.

    Returns
    -------
    ndarray
        The cost, elementwise.

    Examples
    --------
    >>> round(float(cost_value(1.5, 0.0, "quadratic")), 4)  # (0.8176 - 0)**2 / 2
    0.3342
    >>> round(float(cost_value(1.5, 0.0, "cross_entropy")), 4)  # -ln(1 - 0.8176)
    1.7014
    """
    z = _real_array(z, "z", finite=False)
    y = _check_target(y)
    if _check_cost(cost) == "quadratic":
        return 0.5 * (sigmoid(z) - y) ** 2
    return np.logaddexp(0.0, z) - y * z


def gradients(
    w: ArrayLike, b: ArrayLike, cost: str, x: float = 1.0, y: float = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The gradients ``(dC/dw, dC/db)`` of the cost at ``w`` and ``b``.

    Quadratic: ``dC/dw = (a - y) sigma'(z) x``, ``dC/db = (a - y) sigma'(z)``.
    Cross-entropy: ``sigma'(z)`` cancels, ``dC/dw = (a - y) x``,
    ``dC/db = a - y``.

    Parameters
    ----------
    w, b : array_like
        Weight and bias (arrays broadcast together).
    cost : {"quadratic", "cross_entropy"}
        Which cost.
    x : float, default 1.0
        The input.
    y : float, default 0.0
        The target output, in [0, 1].

    Returns
    -------
    (ndarray, ndarray)
        ``dC/dw`` and ``dC/db``.

    Examples
    --------
    >>> gw, gb = gradients(2.0, 2.0, "quadratic")  # badly wrong: a = 0.982
    >>> round(float(gw), 4)
    0.0173
    >>> gw, gb = gradients(2.0, 2.0, "cross_entropy")
    >>> round(float(gw), 4)
    0.982
    """
    cost = _check_cost(cost)
    x = _check_scalar(x, "x")
    y = _check_target(y)
    w = _real_array(w, "w")
    b = _real_array(b, "b")
    delta = _dc_dz(_sigmoid(w * x + b), y, cost)  # dC/dz
    return delta * x, delta


def train(
    w: ArrayLike,
    b: ArrayLike,
    cost: str,
    eta: float = 0.15,
    epochs: int = 300,
    x: float = 1.0,
    y: float = 0.0,
) -> Trajectory:
    """Train one sigmoid neuron on one example ``(x, y)`` by gradient descent.

    Each step updates ``w -= eta * dC/dw`` and ``b -= eta * dC/db`` (see
    ``gradients``). ``w`` and ``b`` may be arrays: every pair of starting
    values (after broadcasting) is an independent neuron, and the whole grid
    trains at once.

    Parameters
    ----------
    w, b : array_like
        Starting weight and bias.
    cost : {"quadratic", "cross_entropy"}
        The cost to descend.
    eta : float, default 0.15
        Learning rate, > 0.
    epochs : int, default 300
        Number of gradient-descent steps, >= 0.
    x : float, default 1.0
        The input.
    y : float, default 0.0
        The target output, in [0, 1].

    Returns
    -------
    Trajectory
        Arrays ``w``, ``b``, ``z``, ``a``, ``cost``, ``grad_w``, ``grad_b``
        of shape ``(epochs + 1, *broadcast(w, b).shape)``; index 0 is the
        start.

    Raises
    ------
    ValueError
        For an unknown cost, ``eta <= 0``, negative or non-integer
        ``epochs``, ``y`` outside [0, 1], or non-numeric / NaN starts.

    Examples
    --------
    >>> run = train(0.6, 0.9, "quadratic", eta=0.15, epochs=300)
    >>> run.a.shape
    (301,)
    >>> round(float(run.a[0]), 2), round(float(run.a[-1]), 2)
    (0.82, 0.09)
    >>> grid = train([0.6, 2.0], [0.9, 2.0], "cross_entropy")
    >>> grid.a.shape
    (301, 2)
    """
    cost = _check_cost(cost)
    eta = _check_eta(eta)
    epochs = _check_epochs(epochs)
    x = _check_scalar(x, "x")
    y = _check_target(y)
    w0, b0 = _broadcast_start(w, b)
    shape = (epochs + 1, *w0.shape)
    ws, bs, gws, gbs = (np.empty(shape) for _ in range(4))
    wt, bt = w0, b0
    for t in range(epochs + 1):
        delta = _dc_dz(_sigmoid(wt * x + bt), y, cost)  # as in gradients()
        gw, gb = delta * x, delta
        ws[t], bs[t], gws[t], gbs[t] = wt, bt, gw, gb
        wt, bt = wt - eta * gw, bt - eta * gb
    zs = ws * x + bs
    return Trajectory(
        w=ws,
        b=bs,
        z=zs,
        a=sigmoid(zs),
        cost=cost_value(zs, y, cost),
        grad_w=gws,
        grad_b=gbs,
        cost_name=cost,
        eta=eta,
        x=x,
        y=y,
    )


def train_torch(
    w: ArrayLike,
    b: ArrayLike,
    cost: str,
    eta: float = 0.15,
    epochs: int = 300,
    x: float = 1.0,
    y: float = 0.0,
    loss: str = "logits",
) -> Trajectory:
    """The same training as ``train``, with torch autograd and SGD.

    The quadratic cost is half of ``torch.nn.MSELoss`` (half the squared
    error, as in ``train``); the cross-entropy is ``BCEWithLogitsLoss`` on
    ``z`` (``loss="logits"``, the numerically stable choice) or ``BCELoss`` on
    ``a = sigmoid(z)`` (``loss="probabilities"``). Losses are summed, so each
    neuron of a grid trains on its own. Computation is in float64; torch is
    imported only when this function runs.

    Parameters
    ----------
    w, b, cost, eta, epochs, x, y
        As in ``train``.
    loss : {"logits", "probabilities"}, default "logits"
        Which torch loss computes the cross-entropy (ignored for the
        quadratic cost).

    Returns
    -------
    Trajectory
        As returned by ``train``; the gradients are autograd's.

    Examples
    --------
    >>> slow = train_torch(2.0, 2.0, "quadratic")
    >>> bool(abs(slow.a[-1] - train(2.0, 2.0, "quadratic").a[-1]) < 1e-12)
    True
    """
    import torch

    cost = _check_cost(cost)
    eta = _check_eta(eta)
    epochs = _check_epochs(epochs)
    x = _check_scalar(x, "x")
    y = _check_target(y)
    if loss not in ("logits", "probabilities"):
        message = f"loss must be 'logits' or 'probabilities'; got {loss!r}"
        raise ValueError(message)
    w0, b0 = _broadcast_start(w, b)
    wt = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    target = torch.full(w0.shape, y, dtype=torch.float64)
    optimizer = torch.optim.SGD([wt, bt], lr=eta)
    if cost == "quadratic":
        mse = torch.nn.MSELoss(reduction="sum")

        def criterion(z: torch.Tensor) -> torch.Tensor:
            return 0.5 * mse(torch.sigmoid(z), target)

    elif loss == "logits":
        bce_logits = torch.nn.BCEWithLogitsLoss(reduction="sum")

        def criterion(z: torch.Tensor) -> torch.Tensor:
            return bce_logits(z, target)

    else:
        bce = torch.nn.BCELoss(reduction="sum")

        def criterion(z: torch.Tensor) -> torch.Tensor:
            return bce(torch.sigmoid(z), target)

    keys = ("w", "b", "gw", "gb")
    rows: dict[str, list[NDArray[np.float64]]] = {k: [] for k in keys}
    for t in range(epochs + 1):
        optimizer.zero_grad()
        criterion(wt * x + bt).backward()
        rows["w"].append(wt.detach().numpy().copy())
        rows["b"].append(bt.detach().numpy().copy())
        rows["gw"].append(wt.grad.detach().numpy().copy())
        rows["gb"].append(bt.grad.detach().numpy().copy())
        if t < epochs:
            optimizer.step()
    ws, bs = np.stack(rows["w"]), np.stack(rows["b"])
    zs = ws * x + bs
    return Trajectory(
        w=ws,
        b=bs,
        z=zs,
        a=sigmoid(zs),
        cost=cost_value(zs, y, cost),
        grad_w=np.stack(rows["gw"]),
        grad_b=np.stack(rows["gb"]),
        cost_name=cost,
        eta=eta,
        x=x,
        y=y,
    )


def iterations_to_reach(trajectory: Trajectory, threshold: float = 0.1) -> NDArray[np.float64]:
    """The first iteration at which the output is within ``threshold`` of the target.

    Parameters
    ----------
    trajectory : Trajectory
        A run from ``train``.
    threshold : float, default 0.1
        How close ``|a - y|`` must get, > 0.

    Returns
    -------
    ndarray
        One value per neuron (shape of the starting grid): the iteration number, or ``inf``
        for a neuron that never got that close within the run.

    Examples
    --------
    >>> float(iterations_to_reach(train(0.6, 0.9, "quadratic"), 0.1))
    273.0
    >>> float(iterations_to_reach(train(2.0, 2.0, "quadratic"), 0.1))
    inf
    """
    threshold = _check_scalar(threshold, "threshold")
    if threshold <= 0:
        raise ValueError(f"threshold must be positive; got {threshold!r}")
    close = np.abs(trajectory.a - trajectory.y) < threshold
    first = np.argmax(close, axis=0).astype(np.float64)
    return np.where(close.any(axis=0), first, np.inf)


def learning_rate_to_reach(
    w: float,
    b: float,
    cost: str,
    target: float,
    epochs: int,
    x: float = 1.0,
    y: float = 0.0,
    eta_max: float = 100.0,
) -> float:
    """The smallest learning rate at which the output gets to ``target`` within ``epochs`` steps.

    Solved by bisection on ``eta`` (to a relative precision of about 1e-10), assuming that a
    larger rate brings the output closer to ``y``, which holds for this one-example problem.

    Parameters
    ----------
    w, b : float
        Starting weight and bias.
    cost : {"quadratic", "cross_entropy"}
        The cost.
    target : float
        The output to reach, strictly between ``y`` and the starting output.
    epochs : int
        Number of steps allowed, >= 1.
    x, y : float
        Input and target, as in ``train``.
    eta_max : float, default 100.0
        Upper end of the search.

    Returns
    -------
    float
        The learning rate.

    Examples
    --------
    >>> eta = learning_rate_to_reach(2.0, 2.0, "quadratic", target=0.2, epochs=300)
    >>> round(eta, 3)
    0.151
    """
    w, b = _check_scalar(w, "w"), _check_scalar(b, "b")
    target = _check_scalar(target, "target")
    epochs = _check_epochs(epochs)
    if epochs < 1:
        raise ValueError("epochs must be at least 1 to reach anything")

    def gap(eta: float) -> float:
        final = train(w, b, cost, eta=eta, epochs=epochs, x=x, y=y).a[-1]
        return abs(float(final) - y) - abs(target - y)

    start = abs(float(sigmoid(w * x + b)) - y)
    if not 0 < abs(target - y) < start:
        raise ValueError("target must lie strictly between y and the starting output")
    if gap(eta_max) > 0:
        raise ValueError(f"even eta = {eta_max:g} does not reach the target in {epochs} steps")
    lo, hi = 0.0, float(eta_max)
    while hi - lo > 1e-10 * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    return hi
