"""Checks of chapter 6's coding exercises (what ``nn.CrossEntropyLoss`` computes)."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as xf
from . import CheckFailed, expect_array_close, expect_close, register

# ex-pt-ignore: the data of the exercise's given cell.
TOK_LOGITS = np.random.default_rng(1).standard_normal((2, 5, 6))
TOK_TARGET = np.array([[1, 4, 0, 2, 3, 1], [3, 0, -100, -100, -100, -100]])
TOK_WEIGHT = np.array([1.0, 2.0, 1.0, 0.5, 3.0])
_REAL = TOK_TARGET != -100
_TOK_LOSSES = xf.cross_entropy(TOK_LOGITS, TOK_TARGET, weight=TOK_WEIGHT, reduction="none")
_MASKED_MEAN = float(xf.cross_entropy(TOK_LOGITS, TOK_TARGET, weight=TOK_WEIGHT))
# Typical mistakes.
_UNWEIGHTED = xf.cross_entropy(TOK_LOGITS, TOK_TARGET, reduction="none")
_CLASS0 = xf.cross_entropy(TOK_LOGITS, np.where(_REAL, TOK_TARGET, 0), reduction="none")
_PAD_AS_CLASS0 = np.where(_REAL, _TOK_LOSSES, _CLASS0)
_BY_COUNT = float(_TOK_LOSSES.sum() / _REAL.sum())
_BY_POSITIONS = float(_TOK_LOSSES.sum() / _REAL.size)
_PLAIN_MEAN = float(_UNWEIGHTED[_REAL].mean())


def _array_or_none(value: object) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


@register(
    "ex-pt-ignore",
    correct={"token_losses": _TOK_LOSSES, "masked_mean": _MASKED_MEAN},
    wrong=[
        {"token_losses": _TOK_LOSSES, "masked_mean": _BY_COUNT},  # forgot the weight normalisation
        {"token_losses": _TOK_LOSSES, "masked_mean": _BY_POSITIONS},  # padding in the denominator
        {"token_losses": _TOK_LOSSES, "masked_mean": _PLAIN_MEAN},  # no weights at all
        {"token_losses": _UNWEIGHTED, "masked_mean": _MASKED_MEAN},  # per-position loss unweighted
        {"token_losses": _PAD_AS_CLASS0, "masked_mean": _MASKED_MEAN},  # padding not zeroed
    ],
)
def _pt_ignore(token_losses, masked_mean):
    got = _array_or_none(token_losses)
    if got is not None and got.shape == _TOK_LOSSES.shape and not np.isnan(got).any():
        if np.any(got[~_REAL] != 0):
            raise CheckFailed(
                "`token_losses` is not 0 at the padded positions (target -100): they must add "
                "nothing to the loss."
            )
        if np.allclose(got, _UNWEIGHTED) and not np.allclose(got, _TOK_LOSSES):
            raise CheckFailed(
                "`token_losses` looks unweighted: with reduction='none' each position's loss is "
                "multiplied by the weight of its target class."
            )
    expect_array_close(
        "token_losses",
        token_losses,
        _TOK_LOSSES,
        hint="Take log_softmax over the class axis (axis 1), pick each target's entry, negate "
        "it and multiply by the weight of the target class.",
    )
    if masked_mean is not None and not isinstance(masked_mean, bool):
        try:
            value = float(masked_mean)
        except (TypeError, ValueError):
            value = math.nan
        mistakes = [
            (
                _BY_COUNT,
                "You divided by the number of real tokens; the weighted mean divides by the sum "
                "of the weights of their target classes.",
            ),
            (
                _BY_POSITIONS,
                "You divided by all twelve positions; padded positions do not count in the "
                "denominator either.",
            ),
            (
                _PLAIN_MEAN,
                "That is the unweighted mean over the real tokens; the exercise uses the class "
                "weights.",
            ),
        ]
        for target, hint in mistakes:
            if math.isclose(value, target, rel_tol=1e-6) and not math.isclose(
                target, _MASKED_MEAN, rel_tol=1e-6
            ):
                raise CheckFailed(f"`masked_mean` is off. {hint}")
    expect_close(
        "masked_mean",
        masked_mean,
        _MASKED_MEAN,
        hint="Sum the weighted losses of the real tokens and divide by the sum of the weights "
        "of their targets.",
    )


# ex-pt-smoothing-floor: C = 10 classes, label smoothing 0.1.
_C, _EPS = 10, 0.1
_T = np.full(_C, _EPS / _C)
_T[3] += 1 - _EPS
_FLOOR = float(xf.cross_entropy(np.log(_T)[None], np.array([3]), label_smoothing=_EPS))
_T_NO_SHARE = np.full(_C, _EPS / _C)  # the target keeps 1 - eps only: does not sum to 1
_T_NO_SHARE[3] = 1 - _EPS
_T_OTHERS = np.full(_C, _EPS / (_C - 1))  # eps spread over the other classes only
_T_OTHERS[3] = 1 - _EPS


@register(
    "ex-pt-smoothing-floor",
    correct={"loss_floor": _FLOOR},
    wrong=[
        {"loss_floor": _FLOOR / math.log(2)},  # bits
        {"loss_floor": float(-(_T_NO_SHARE * np.log(_T_NO_SHARE)).sum())},
        {"loss_floor": float(-(_T_OTHERS * np.log(_T_OTHERS)).sum())},
        {"loss_floor": 0.0},  # a perfect model
    ],
)
def _pt_smoothing_floor(loss_floor):
    expect_close(
        "loss_floor",
        loss_floor,
        _FLOOR,
        too_small="The smoothed target is not one-hot, so even the model that predicts it "
        "exactly pays its entropy.",
        too_large="Check t: every class, the target included, gets eps / C (not eps / (C - 1)), "
        "so the target class has 1 - eps + eps / C and t sums to 1. Measure in nats (natural "
        "logarithm), not bits.",
    )
