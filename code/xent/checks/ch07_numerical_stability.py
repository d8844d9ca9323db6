"""Checks of chapter 7's coding exercises (numerical stability)."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as xf
from . import CheckFailed, expect_close, matches, register

# ex-stab-threshold: the first margin of the float64 grid where -log(softmax) is infinite,
# i.e. where the trailing class's softmax probability rounds to exactly 0.
_GRID = np.linspace(700, 760, 6001)
_P_TRAIL = xf.softmax(np.stack([np.zeros_like(_GRID), _GRID], axis=1), dim=1)[:, 0]
_D_INF = float(_GRID[_P_TRAIL == 0][0])
_STEP = float(_GRID[1] - _GRID[0])
_TINY64 = float(np.finfo(np.float64).smallest_subnormal)
_NORMAL64 = float(np.finfo(np.float64).smallest_normal)


@register(
    "ex-stab-threshold",
    correct={"d_inf": _D_INF},
    wrong=[
        {"d_inf": -math.log(_TINY64)},  # e^-d below the smallest subnormal, not half of it
        {"d_inf": -math.log(_NORMAL64)},  # where the subnormal range begins
        {"d_inf": 104.0},  # the float32 threshold of the chapter
        {"d_inf": 1 - math.log2(_TINY64)},  # the threshold in log base 2
    ],
)
def _stab_threshold(d_inf):
    if isinstance(d_inf, int | float) and not isinstance(d_inf, bool) and d_inf < 300:
        raise CheckFailed(
            "`d_inf` is far too small: that is where float32 gives up; the exercise asks for "
            "float64 (dtype=torch.float64 for the margins and the logits)."
        )
    expect_close(
        "d_inf",
        d_inf,
        _D_INF,
        abs=1.1 * _STEP,
        rel=0.0,
        too_small="The probability e^-d is rounded to exactly 0 only once it is below half the "
        "smallest subnormal float64; before that it survives as a subnormal number, with few "
        "digits but finite.",
        too_large="Measure the margin in nats: the softmax uses e^x, so use the natural "
        "logarithm, not log2.",
    )


# ex-stab-kl: the batch of the exercise's given cell.
_KL_RNG = np.random.default_rng(7)
P_KL = xf.softmax(_KL_RNG.standard_normal((8, 5)), dim=1)
Q_KL = xf.softmax(_KL_RNG.standard_normal((8, 5)), dim=1)
_N, _C = P_KL.shape
_BATCHMEAN = float(xf.kl_div(np.log(Q_KL), P_KL, reduction="batchmean"))
_MEAN = float(xf.kl_div(np.log(Q_KL), P_KL, reduction="mean"))
# Typical mistakes, each with what reduction="batchmean" would give.
_MISTAKES = [
    (
        float(xf.kl_div(np.log(P_KL), Q_KL, reduction="batchmean")),
        "the arguments are swapped: that is KL(q || p). Pass the model's log-probabilities "
        "log q first and the reference p second.",
    ),
    (
        float((P_KL * (np.log(P_KL) - Q_KL)).sum() / _N),
        "the first argument must be log-probabilities: pass log q, not q.",
    ),
    (
        float(xf.kl_div(np.log(Q_KL), P_KL, reduction="sum")),
        "that is the sum over the whole batch; 'batchmean' divides it by the batch size.",
    ),
]


@register(
    "ex-stab-kl",
    correct={"kl_batchmean": _BATCHMEAN, "kl_mean": _MEAN},
    wrong=[
        {"kl_batchmean": _MEAN, "kl_mean": _MEAN},  # used mean instead of batchmean
        {"kl_batchmean": _MISTAKES[0][0], "kl_mean": _MISTAKES[0][0] / _C},  # swapped
        {"kl_batchmean": _MISTAKES[1][0], "kl_mean": _MISTAKES[1][0] / _C},  # no log
        {"kl_batchmean": _MISTAKES[2][0], "kl_mean": _MEAN},  # sum
        {"kl_batchmean": _BATCHMEAN, "kl_mean": _BATCHMEAN * _C},  # multiplied by C
        {"kl_batchmean": _BATCHMEAN, "kl_mean": _BATCHMEAN},  # 'mean' thought equal
    ],
)
def _stab_kl(kl_batchmean, kl_mean):
    if matches(kl_batchmean, _MEAN):
        raise CheckFailed(
            "`kl_batchmean` is too small: that is reduction='mean', which divides by the number "
            "of entries (batch size times classes), not by the batch size."
        )
    for value, hint in _MISTAKES:
        if matches(kl_batchmean, value):
            raise CheckFailed(f"`kl_batchmean` is off: {hint}")
    expect_close(
        "kl_batchmean",
        kl_batchmean,
        _BATCHMEAN,
        hint="Use kl_div(log q, p, reduction='batchmean'): model log-probabilities first.",
    )
    expect_close(
        "kl_mean",
        kl_mean,
        _MEAN,
        too_large="reduction='mean' divides by every entry, batch size times classes, so it is "
        "smaller than 'batchmean', not equal or larger.",
        too_small="Same call as for kl_batchmean, with reduction='mean'.",
    )
