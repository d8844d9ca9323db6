"""Checks of chapter 11's coding exercises (contrastive learning and InfoNCE)."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as xf
from . import CheckFailed, expect_close, matches, register

# ex-nce-by-hand: the similarity matrix of the exercise's given cell, temperature 0.5.
S = np.array([[0.8, 0.1, 0.3], [0.2, 0.6, 0.5], [0.4, 0.0, 0.7]])
TAU = 0.5
_LOSS = float(xf.info_nce(S, temperature=TAU))
_CLIP = float(xf.info_nce(S, temperature=TAU, symmetric=True))
# Typical mistakes.
_NO_TAU = float(xf.info_nce(S))  # forgot to divide by the temperature
_COLUMNS = float(xf.info_nce(S.T, temperature=TAU))  # classified the columns only
_SUM = float(xf.info_nce(S, temperature=TAU, reduction="sum"))  # summed over the rows
_BITS = _LOSS / math.log(2)  # log base 2
_CLIP_SUM = _LOSS + _COLUMNS  # added the two directions instead of averaging


@register(
    "ex-nce-by-hand",
    correct={"loss": _LOSS, "clip_loss": _CLIP},
    wrong=[
        {"loss": _NO_TAU, "clip_loss": _CLIP},
        {"loss": _COLUMNS, "clip_loss": _CLIP},
        {"loss": _SUM, "clip_loss": _CLIP},
        {"loss": _BITS, "clip_loss": _CLIP},
        {"loss": _LOSS, "clip_loss": _CLIP_SUM},
        {"loss": _LOSS, "clip_loss": _LOSS},
    ],
)
def _nce_by_hand(loss, clip_loss):
    for value, hint in (
        (_NO_TAU, "divide the similarities by the temperature 0.5 before the softmax."),
        (
            _COLUMNS,
            "you classified each caption among the images (the columns); InfoNCE classifies "
            "each image among the captions, row by row.",
        ),
        (_SUM, "that is the sum over the three rows; the loss is their mean."),
        (_BITS, "that is in bits; use the natural logarithm, as F.cross_entropy does."),
    ):
        if matches(loss, value) and not matches(loss, _LOSS):
            raise CheckFailed(f"`loss` is off: {hint}")
    expect_close(
        "loss",
        loss,
        _LOSS,
        hint="Row i is a classification whose right class is i: the mean over the rows of "
        "log(sum_j exp(S[i, j] / 0.5)) - S[i, i] / 0.5.",
    )
    if matches(clip_loss, _CLIP_SUM):
        raise CheckFailed("`clip_loss` is off: average the two directions, do not add them.")
    if matches(clip_loss, _LOSS) and not matches(clip_loss, _CLIP):
        raise CheckFailed(
            "`clip_loss` equals `loss`: the symmetric loss also classifies each caption among "
            "the images (the columns of S), and averages the two."
        )
    expect_close(
        "clip_loss",
        clip_loss,
        _CLIP,
        hint="Compute the same loss for S.T (the columns) and take the mean of the two.",
    )


# ex-nce-ceiling: batches of 512; the batch needed for 12 nats.
_CEILING = math.log(512)
_N_NEEDED = math.ceil(math.exp(12))


@register(
    "ex-nce-ceiling",
    correct={"ceiling": _CEILING, "n_needed": _N_NEEDED},
    wrong=[
        {"ceiling": math.log2(512), "n_needed": _N_NEEDED},
        {"ceiling": _CEILING, "n_needed": 2**12},
        {"ceiling": _CEILING, "n_needed": math.floor(math.exp(12))},
        {"ceiling": math.log(511), "n_needed": _N_NEEDED},
    ],
)
def _nce_ceiling(ceiling, n_needed):
    if matches(ceiling, math.log2(512)):
        raise CheckFailed("`ceiling` is in bits (log base 2); the question asks for nats.")
    if matches(ceiling, math.log(511)):
        raise CheckFailed("`ceiling` is off: the positive counts among the N candidates too.")
    expect_close(
        "ceiling",
        ceiling,
        _CEILING,
        hint="The loss is a cross-entropy, never below 0, so log N minus it is at most ...",
    )
    if matches(n_needed, 2**12):
        raise CheckFailed("`n_needed` is 2^12: 12 *nats* need log N >= 12 with the natural log.")
    if matches(n_needed, math.floor(math.exp(12))):
        raise CheckFailed("`n_needed` is one pair short: round e^12 up, not down.")
    expect_close(
        "n_needed", n_needed, _N_NEEDED, hint="Solve log N >= 12 for the smallest whole N."
    )


# ex-nce-gauss: d = 4 coordinate pairs with correlation 0.8.
_MI = -4 / 2 * math.log(1 - 0.8**2)


@register(
    "ex-nce-gauss",
    correct={"mi": _MI},
    wrong=[
        {"mi": -0.5 * math.log(1 - 0.8**2)},
        {"mi": -4 / 2 * math.log(1 - 0.8)},
        {"mi": _MI / math.log(2)},
        {"mi": -4 * math.log(1 - 0.8**2)},
    ],
)
def _nce_gauss(mi):
    mistakes = (
        (-0.5 * math.log(1 - 0.8**2), "that is one coordinate pair; the four pairs add up."),
        (-4 / 2 * math.log(1 - 0.8), "use 1 - rho^2, not 1 - rho."),
        (_MI / math.log(2), "that is in bits; the question asks for nats."),
        (-4 * math.log(1 - 0.8**2), "each pair gives -(1/2) log(1 - rho^2): mind the 1/2."),
    )
    for value, hint in mistakes:
        if matches(mi, value):
            raise CheckFailed(f"`mi` is off: {hint}")
    expect_close("mi", mi, _MI, hint="Use I = -(d/2) log(1 - rho^2) with d = 4 and rho = 0.8.")


# ex-nce-cosine: the cosine critic's ceiling at N = 256, tau = 0.5.
_CAP = math.log(256) - math.log1p(255 * math.exp(-2 / 0.5))
_CAP_ONE_SIDED = math.log(256) - math.log1p(255 * math.exp(-1 / 0.5))  # e^{-1/tau}
_CAP_N = math.log(256) - math.log1p(256 * math.exp(-2 / 0.5))  # N instead of N - 1


@register(
    "ex-nce-cosine",
    correct={"cap": _CAP},
    wrong=[{"cap": _CAP_ONE_SIDED}, {"cap": _CAP_N}, {"cap": math.log(256)}],
)
def _nce_cosine(cap):
    if matches(cap, _CAP_ONE_SIDED):
        raise CheckFailed(
            "`cap` is off: the positive's logit is +1/tau and each negative's -1/tau, so they "
            "differ by 2/tau."
        )
    if matches(cap, _CAP_N):
        raise CheckFailed("`cap` is off: there are N - 1 negatives, not N.")
    if matches(cap, math.log(256)):
        raise CheckFailed(
            "`cap` is log N, the ceiling of any critic; a cosine critic's logits are bounded "
            "by 1/tau, which lowers it."
        )
    expect_close(
        "cap",
        cap,
        _CAP,
        hint="Give the positive the logit 1/tau and every negative -1/tau, and subtract that "
        "row's loss from log N.",
    )
