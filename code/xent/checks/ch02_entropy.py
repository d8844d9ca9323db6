"""Checks of chapter 2's coding exercises (entropy)."""

from __future__ import annotations

import math

import numpy as np

from xent import info

from . import expect_close, matches, register

_V = np.array([0.001, 0.001, 0.001, 0.999])
_H_NORMALISED = float(info.entropy(_V / _V.sum()))
_H_UNNORMALISED = float(-(_V * np.log2(_V)).sum())  # the formula applied to the typo, unnormalised

_ONE_DIE = np.full(6, 1 / 6)
_H_PAIR = float(info.entropy(np.outer(_ONE_DIE, _ONE_DIE).ravel()))
_SUM_P = np.bincount([a + b for a in range(1, 7) for b in range(1, 7)])[2:] / 36
_H_SUM = float(info.entropy(_SUM_P))


@register(
    "ex-entropy-normalise",
    correct={"h_normalised": _H_NORMALISED},
    wrong=[
        {"h_normalised": _H_UNNORMALISED},  # the un-normalised vector in the formula
        {"h_normalised": _H_NORMALISED * math.log(2)},  # nats instead of bits
        {"h_normalised": float(info.entropy([0.001, 0.001, 0.001, 0.997]))},  # other vector
    ],
)
def _entropy_normalise(h_normalised):
    hint = "Divide the vector by its sum first, then take the entropy in bits (base 2)."
    if matches(h_normalised, _H_UNNORMALISED):
        hint = (
            "That is the formula applied to the vector as typed, which sums to 1.002: "
            "normalise it first."
        )
    elif matches(h_normalised, _H_NORMALISED * math.log(2)):
        hint = "That looks like nats: `info.entropy` gives bits with its default base."
    elif matches(h_normalised, float(info.entropy([0.001, 0.001, 0.001, 0.997]))):
        hint = (
            "That is the entropy of [0.001, 0.001, 0.001, 0.997]; the exercise asks for the "
            "normalised 0.999 vector (close, but not the same distribution)."
        )
    expect_close("h_normalised", h_normalised, _H_NORMALISED, hint=hint)


@register(
    "ex-entropy-two-dice",
    correct={"h_pair": _H_PAIR, "h_sum": _H_SUM},
    wrong=[
        {"h_pair": _H_PAIR * math.log(2), "h_sum": _H_SUM * math.log(2)},  # nats
        {"h_pair": _H_PAIR, "h_sum": math.log2(11)},  # took the 11 sums as equally likely
        {"h_pair": float(info.entropy(_ONE_DIE)), "h_sum": _H_SUM},  # one die only
    ],
)
def _entropy_two_dice(h_pair, h_sum):
    expect_close(
        "h_pair",
        h_pair,
        _H_PAIR,
        too_small="The pair has 36 equally likely outcomes: more uncertain than one die.",
        too_large="Each of the 36 pairs has probability 1/36.",
        hint="Measure in bits (base 2), the default of `info.entropy`.",
    )
    hint = "Count how many of the 36 pairs give each sum, divide by 36, and use bits (base 2)."
    if matches(h_sum, math.log2(11)):
        hint = (
            "The 11 sums are not equally likely: a 7 comes from more pairs than a 2. "
            "Count the pairs for each sum."
        )
    expect_close("h_sum", h_sum, _H_SUM, hint=hint)
