"""Checks of chapter 3's coding exercises (KL divergence and cross-entropy)."""

from __future__ import annotations

import math

import numpy as np

from xent import info

from . import expect_array_close, expect_close, expect_true, matches, register

_P_LEAN = np.array([0.1, 0.1, 0.1, 0.7])
_UNIFORM = np.full(4, 0.25)
_KL_PU = float(info.kl_divergence(_P_LEAN, _UNIFORM))
_KL_UP = float(info.kl_divergence(_UNIFORM, _P_LEAN))  # the arguments swapped
_H_PU = float(info.cross_entropy(_P_LEAN, _UNIFORM))  # log2 4: the cross-entropy, not the KL

_LABELS = np.array([2, 0, 1, 2])
_Q_BATCH = np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4], [0.25, 0.25, 0.5]])
_LOSSES = info.cross_entropy(np.eye(3)[_LABELS], _Q_BATCH, base=math.e)
_MEAN = float(_LOSSES.mean())


@register(
    "ex-kl-uniform",
    correct={"kl_pu": _KL_PU},
    wrong=[
        {"kl_pu": _KL_UP},  # D(u || p): the arguments swapped
        {"kl_pu": _KL_PU * math.log(2)},  # nats instead of bits
        {"kl_pu": _H_PU},  # the cross-entropy H(p, u) instead of the divergence
    ],
)
def _kl_uniform(kl_pu):
    hint = "Use `info.kl_divergence(p, u)` in bits, with p first and the uniform u second."
    if matches(kl_pu, _KL_UP):
        hint = (
            "That is D(u || p): the arguments are swapped. KL divergence is not symmetric; "
            "the first argument is the distribution the outcomes follow."
        )
    elif matches(kl_pu, _KL_PU * math.log(2)):
        hint = "That looks like nats: keep the default base of `info.kl_divergence` (bits)."
    elif matches(kl_pu, _H_PU):
        hint = "That is the cross-entropy H(p, u); the divergence subtracts the entropy H(p)."
    expect_close("kl_pu", kl_pu, _KL_PU, hint=hint)


@register(
    "ex-kl-batch",
    correct={"losses": _LOSSES, "mean_loss": _MEAN},
    wrong=[
        {"losses": _LOSSES / math.log(2), "mean_loss": _MEAN / math.log(2)},  # bits
        {"losses": _LOSSES, "mean_loss": float(_LOSSES.sum())},  # summed, not averaged
        {  # labels taken as 1-based (one position off)
            "losses": -np.log(_Q_BATCH[np.arange(4), _LABELS - 1]),
            "mean_loss": float(-np.log(_Q_BATCH[np.arange(4), _LABELS - 1]).mean()),
        },
    ],
)
def _kl_batch(losses, mean_loss):
    try:
        arr = np.asarray(losses, dtype=float)
    except (TypeError, ValueError):
        arr = None  # expect_array_close below says what is wrong with it
    if arr is not None and arr.shape == _LOSSES.shape:
        expect_true(
            not np.isinf(arr).any(),
            "`losses` contains inf: a probability 0 was used inside the logarithm. Are the "
            "arguments of `info.cross_entropy` swapped? The one-hot labels go first.",
        )
        if np.allclose(arr, _LOSSES / math.log(2)):
            expect_true(False, "`losses` looks like bits: pass `base=math.e` for nats.")
    expect_array_close(
        "losses",
        losses,
        _LOSSES,
        hint="Each loss is minus the log of the probability the model gives to the true class; "
        "class indices start at 0.",
    )
    expect_close(
        "mean_loss",
        mean_loss,
        _MEAN,
        too_large="Average the four losses (divide by their number), do not just add them.",
        hint="The mean of `losses`, in nats.",
    )
