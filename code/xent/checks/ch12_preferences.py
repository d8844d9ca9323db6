"""Checks of chapter 12's coding exercises (Bradley-Terry preferences and DPO)."""

from __future__ import annotations

import math

import numpy as np

from . import CheckFailed, expect_array_close, expect_close, matches, register


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# ex-pref-bt: rewards (1.2, 0.4, -0.5); P(0 preferred to 2) and the loss of "2 preferred to 0".
_R = (1.2, 0.4, -0.5)
_P02 = _sigmoid(_R[0] - _R[2])
_LOSS = -math.log(_sigmoid(_R[2] - _R[0]))
_SOFTMAX0 = math.exp(_R[0]) / sum(math.exp(r) for r in _R)  # a softmax over all three
_LOSS_WRONG_WAY = -math.log(_P02)  # the loss of the preference the other way round
_LOSS_BITS = _LOSS / math.log(2)


@register(
    "ex-pref-bt",
    correct={"p02": _P02, "loss": _LOSS},
    wrong=[
        {"p02": 1 - _P02, "loss": _LOSS},
        {"p02": _SOFTMAX0, "loss": _LOSS},
        {"p02": _P02, "loss": _LOSS_WRONG_WAY},
        {"p02": _P02, "loss": _LOSS_BITS},
    ],
)
def _pref_bt(p02, loss):
    if matches(p02, 1 - _P02) and not matches(p02, _P02):
        raise CheckFailed(
            "`p02` is the probability that response 2 wins; response 0 has the larger reward, "
            "so it should win more often than not."
        )
    if matches(p02, _SOFTMAX0):
        raise CheckFailed(
            "`p02` is a softmax over all three responses; a Bradley-Terry preference compares "
            "only the two responses shown: sigmoid of the difference of their rewards."
        )
    expect_close("p02", p02, _P02, hint="Use sigmoid(r[0] - r[2]).")
    if matches(loss, _LOSS_WRONG_WAY):
        raise CheckFailed(
            "`loss` is the loss of 0 preferred to 2; the labeller preferred response 2, so the "
            "chosen score is r[2] and the rejected one r[0]."
        )
    if matches(loss, _LOSS_BITS):
        raise CheckFailed("`loss` is in bits; this chapter's losses are in nats (natural log).")
    expect_close(
        "loss",
        loss,
        _LOSS,
        hint="The loss of one observed preference is -log sigmoid(r_chosen - r_rejected).",
    )


# ex-pref-optimum: pi* for pi_ref = (0.5, 0.3, 0.2), r = (0, 1, 2), beta = 0.5.
_REF = np.array([0.5, 0.3, 0.2])
_REWARD = np.array([0.0, 1.0, 2.0])
_BETA = 0.5


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / x.sum()


_STAR = _normalise(_REF * np.exp(_REWARD / _BETA))
_NO_REF = _normalise(np.exp(_REWARD / _BETA))
_TIMES_BETA = _normalise(_REF * np.exp(_REWARD * _BETA))
_UNNORMALISED = _REF * np.exp(_REWARD / _BETA)


def _close(value, target) -> bool:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return arr.shape == target.shape and bool(np.allclose(arr, target, rtol=1e-5, atol=1e-8))


@register(
    "ex-pref-optimum",
    correct={"policy": _STAR},
    wrong=[{"policy": _NO_REF}, {"policy": _TIMES_BETA}, {"policy": _UNNORMALISED}],
)
def _pref_optimum(policy):
    if _close(policy, _NO_REF):
        raise CheckFailed(
            "`policy` is softmax(r / beta), which forgets the reference: each response's "
            "exp(r / beta) multiplies its probability under pi_ref."
        )
    if _close(policy, _TIMES_BETA):
        raise CheckFailed("`policy` uses exp(beta * r); the optimum divides the reward by beta.")
    if _close(policy, _UNNORMALISED):
        raise CheckFailed("`policy` does not sum to 1: divide by the normaliser Z.")
    expect_array_close(
        "policy",
        policy,
        _STAR,
        hint="pi*(y) = pi_ref(y) exp(r(y) / beta) / Z, with Z the sum that makes it add to 1.",
        rel=1e-5,
        abs=1e-8,
    )


# ex-pref-dpo-start: a batch of 4 pairs at pi = pi_ref, beta = 0.1, reduction 'sum'.
_START_LOSS = 4 * math.log(2)
_START_GRAD = -0.1 / 2


@register(
    "ex-pref-dpo-start",
    correct={"loss": _START_LOSS, "grad_chosen": _START_GRAD},
    wrong=[
        {"loss": _START_LOSS, "grad_chosen": _START_GRAD / 4},
        {"loss": _START_LOSS, "grad_chosen": -0.5},
        {"loss": _START_LOSS, "grad_chosen": -_START_GRAD},
        {"loss": math.log(2), "grad_chosen": _START_GRAD},
    ],
)
def _pref_dpo_start(loss, grad_chosen):
    if matches(loss, math.log(2)):
        raise CheckFailed("`loss` is one pair's loss (or the mean); the exercise asks for the sum.")
    expect_close(
        "loss",
        loss,
        _START_LOSS,
        hint="At pi = pi_ref every log-ratio is 0, so every margin is 0: what is -log sigmoid(0)?",
    )
    if matches(grad_chosen, -_START_GRAD):
        raise CheckFailed(
            "`grad_chosen` has the wrong sign: raising the chosen response's log-probability "
            "lowers the loss, so the derivative is negative."
        )
    if matches(grad_chosen, _START_GRAD / 4):
        raise CheckFailed("`grad_chosen` is divided by 4, as a mean would be; use the sum.")
    if matches(grad_chosen, -0.5):
        raise CheckFailed("`grad_chosen` forgets beta: the margin is beta times the log-ratios.")
    expect_close(
        "grad_chosen",
        grad_chosen,
        _START_GRAD,
        hint="The derivative of -log sigmoid(z) is -sigmoid(-z); chain it through z = beta * "
        "(...). With the sum, the other pairs do not touch the first pair's log-probability.",
    )
