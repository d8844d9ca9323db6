"""Checks of chapter 4's coding exercises (cross-entropy as maximum likelihood)."""

from __future__ import annotations

import math

import numpy as np

from xent import mle

from . import expect_array_close, expect_close, expect_true, matches, register

# The chapter's loaded die, training throws and held-out throws (same seeds as the chapter).
_P_TRUE = np.array([0.30, 0.25, 0.20, 0.12, 0.08, 0.05])
_K = len(_P_TRUE)
_TRAIN = mle.sample_categorical(_P_TRUE, 40, seed=1)
_HELDOUT = mle.sample_categorical(_P_TRUE, 10_000, seed=2)

_SMALL = mle.sample_categorical(_P_TRUE, 10, seed=3)
_COUNTS = np.bincount(_SMALL, minlength=_K)
_LOSS_ADD_ONE = mle.average_cross_entropy((_COUNTS + 1) / (len(_SMALL) + _K), _HELDOUT)
_LOSS_GD_300 = float(mle.fit_categorical(_SMALL, _K, steps=300, heldout=_HELDOUT).heldout_loss[-1])


def _hessian(q: np.ndarray) -> np.ndarray:
    """The Hessian of the average cross-entropy in the logits, at the model q."""
    return np.diag(q) - np.outer(q, q)


_P_DATA = mle.empirical_distribution(_TRAIN, _K)
_HESSIAN = _hessian(_P_DATA)
_LAM_MAX = float(np.linalg.eigvalsh(_HESSIAN).max())
_LAM_MAX_UNIFORM = 1 / _K  # the curvature at the uniform start, not at the minimum
_LAM_MAX_TRUE = float(np.linalg.eigvalsh(_hessian(_P_TRUE)).max())
_DIAGONAL_MAX = float(np.diag(_HESSIAN).max())

_NLL_FAIR = -mle.log_likelihood(np.full(_K, 1 / _K), _TRAIN) / len(_TRAIN)
_NLL_TRUE = -mle.log_likelihood(_P_TRUE, _TRAIN) / len(_TRAIN)


@register(
    "ex-mle-unseen",
    correct={"counts": _COUNTS, "loss_add_one": _LOSS_ADD_ONE},
    wrong=[
        {"counts": _COUNTS, "loss_add_one": _LOSS_ADD_ONE / math.log(2)},  # bits
        {"counts": np.bincount(_SMALL), "loss_add_one": _LOSS_ADD_ONE},  # no minlength
        {"counts": _COUNTS, "loss_add_one": _LOSS_GD_300},  # the gradient-descent model
        {"counts": _COUNTS, "loss_add_one": math.inf},  # the plain frequencies (zeros)
    ],
)
def _mle_unseen(counts, loss_add_one):
    if counts is not None and np.ndim(counts) == 1 and len(counts) < _K:
        expect_true(
            False,
            "`counts` is too short: faces that never came up are missing. "
            "Pass minlength=6 to `np.bincount`.",
        )
    expect_array_close(
        "counts",
        counts,
        _COUNTS,
        hint="Count the throws of the 10-throw sample drawn with seed=3, one entry per face.",
    )
    hint = (
        "Use the add-one model (counts + 1) / (n + K) on the chapter's held-out throws, in nats "
        "(`mle.average_cross_entropy`)."
    )
    if matches(loss_add_one, _LOSS_ADD_ONE / math.log(2)):
        hint = "That looks like bits: `mle.average_cross_entropy` gives nats by default."
    elif matches(loss_add_one, _LOSS_GD_300):
        hint = "That is the held-out loss of the gradient-descent model; use the add-one model."
    elif isinstance(loss_add_one, int | float) and math.isinf(loss_add_one):
        hint = (
            "A model with a probability 0 for a face that turns up is infinitely surprised: "
            "did you forget to add one to every count?"
        )
    expect_close("loss_add_one", loss_add_one, _LOSS_ADD_ONE, hint=hint)


@register(
    "ex-mle-identity",
    correct={"nll_fair": _NLL_FAIR, "nll_true": _NLL_TRUE},
    wrong=[
        {"nll_fair": _NLL_FAIR * 40, "nll_true": _NLL_TRUE * 40},  # not divided by n
        {"nll_fair": _NLL_FAIR / math.log(2), "nll_true": _NLL_TRUE / math.log(2)},  # bits
        {"nll_fair": -_NLL_FAIR, "nll_true": -_NLL_TRUE},  # forgot the minus sign
    ],
)
def _mle_identity(nll_fair, nll_true):
    for name, value, target in (
        ("nll_fair", nll_fair, _NLL_FAIR),
        ("nll_true", nll_true, _NLL_TRUE),
    ):
        hint = "Minus the log-likelihood of the 40 training throws, divided by 40, in nats."
        if matches(value, target * 40):
            hint = "That is minus the whole log-likelihood: divide by the number of throws."
        elif matches(value, target / math.log(2)):
            hint = "That looks like bits: the log-likelihood of `mle.log_likelihood` is in nats."
        elif matches(value, -target):
            hint = "A log-likelihood is negative; the loss is *minus* its average."
        expect_close(name, value, target, hint=hint)


@register(
    "ex-mle-lr",
    correct={"lam_max": _LAM_MAX},
    wrong=[
        {"lam_max": _LAM_MAX_UNIFORM},  # Hessian at the uniform start
        {"lam_max": _LAM_MAX_TRUE},  # Hessian at the true distribution
        {"lam_max": 2 / _LAM_MAX},  # the limit on the rate, not the eigenvalue
        {"lam_max": _DIAGONAL_MAX},  # largest diagonal entry, not eigenvalue
    ],
)
def _mle_lr(lam_max):
    hint = (
        "Build diag(q) - outer(q, q) with q = p_data, the empirical distribution of the 40 "
        "training throws, and take its largest eigenvalue (`np.linalg.eigvalsh`)."
    )
    if matches(lam_max, _LAM_MAX_UNIFORM):
        hint = "That is the curvature at the uniform start; evaluate the Hessian at q = p_data."
    elif matches(lam_max, _LAM_MAX_TRUE):
        hint = "That uses the true distribution; the minimum of the training loss is at p_data."
    elif matches(lam_max, 2 / _LAM_MAX):
        hint = "That is the largest stable learning rate, 2 / lambda_max; store lambda_max itself."
    elif matches(lam_max, _DIAGONAL_MAX):
        hint = "That is the largest diagonal entry; the question asks for the largest eigenvalue."
    expect_close("lam_max", lam_max, _LAM_MAX, hint=hint)
