"""Checks of chapter 10's coding exercises (distillation: the high-temperature limit, the floor)."""

from __future__ import annotations

import numpy as np

from .. import functional as xf
from . import CheckFailed, expect_array_close, expect_close, matches, register

# ex-kd-limit: one example, student logits Z and teacher logits V, four classes.
Z = np.array([2.0, 1.0, -1.0, 0.0])
V = np.array([4.0, 0.0, -2.0, 1.0])
_D = Z - V
_LIMIT = (_D - _D.mean()) / len(Z)
# Typical mistakes.
_UNCENTRED = _D / len(Z)  # forgot that only differences from the mean count
_SWAPPED = -_LIMIT  # teacher minus student
_NO_C = _D - _D.mean()  # forgot to divide by the number of classes
_AT_100 = xf.distillation_loss_grad(Z[None], V[None], temperature=100.0)[0]  # not the limit


def _close_array(a, b) -> bool:
    a = np.asarray(a, dtype=float)
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=1e-4, atol=1e-6))


@register(
    "ex-kd-limit",
    correct={"limit": _LIMIT},
    wrong=[{"limit": _UNCENTRED}, {"limit": _SWAPPED}, {"limit": _NO_C}],
)
def _kd_limit(limit):
    if _close_array(limit, _SWAPPED):
        raise CheckFailed(
            "`limit` has the wrong sign: the gradient of the loss with respect to the student's "
            "logits is student minus teacher, (z - v), so that a descent step moves z towards v."
        )
    if _close_array(limit, _UNCENTRED):
        raise CheckFailed(
            "`limit` is off by a constant in every entry: the softmax ignores a common shift of "
            "the logits, so subtract the mean of z - v before dividing by C (each row of the "
            "gradient sums to 0)."
        )
    if _close_array(limit, _NO_C):
        raise CheckFailed("`limit` is C times too large: divide by the number of classes, C = 4.")
    if _close_array(limit, _AT_100):
        raise CheckFailed(
            "`limit` is the gradient at T = 100, close to the limit but not it; the exercise "
            "asks for the limit itself, from the formula."
        )
    expect_array_close(
        "limit",
        limit,
        _LIMIT,
        hint="The limit is ((z - v) - mean(z - v)) / C for the four classes of this example.",
    )


# ex-kd-floor: the floor of the cross-entropy form of the soft loss, T^2 * H(p_T), in nats.
TEACHER = np.array([[6.0, 2.0, 1.0, -1.0, 0.0]])
T_FLOOR = 4.0
_P = xf.softmax(TEACHER / T_FLOOR, dim=1)[0]
_H = float(-np.sum(_P * np.log(_P)))
_FLOOR = T_FLOOR**2 * _H
_NO_T2 = _H
_BITS = T_FLOOR**2 * _H / np.log(2)
_AT_1 = T_FLOOR**2 * float(
    -np.sum(xf.softmax(TEACHER, dim=1)[0] * xf.log_softmax(TEACHER, dim=1)[0])
)


@register(
    "ex-kd-floor",
    correct={"floor": _FLOOR},
    wrong=[{"floor": _NO_T2}, {"floor": _BITS}, {"floor": _AT_1}, {"floor": 0.0}],
)
def _kd_floor(floor):
    mistakes = [
        (_NO_T2, "that is H(p_T) alone; the soft loss is multiplied by T^2, and so is its floor."),
        (_BITS, "that is in bits; the losses of xent.functional and PyTorch are in nats."),
        (
            _AT_1,
            "that uses the teacher's distribution at T = 1; the soft targets are "
            "softmax(teacher / T) with T = 4.",
        ),
        (
            0.0,
            "0 is the floor of the KL form; the cross-entropy form cannot fall below the "
            "entropy of its target.",
        ),
    ]
    for value, hint in mistakes:
        if matches(floor, value) and not matches(floor, _FLOOR):
            raise CheckFailed(f"`floor` is off: {hint}")
    expect_close(
        "floor",
        floor,
        _FLOOR,
        hint="The floor is T^2 * H(p_T) in nats, with p_T = softmax(teacher / T) and T = 4.",
    )
