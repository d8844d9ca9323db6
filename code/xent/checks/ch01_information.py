"""Checks of chapter 1's coding exercises (information content)."""

from __future__ import annotations

import math

from . import expect_close, expect_true, register


@register(
    "ex-info-units",
    correct={"p": math.exp(-3), "bits": 3 / math.log(2)},
    wrong=[
        {"p": 2**-3, "bits": 3 / math.log(2)},  # used base 2 for the nats
        {"p": math.exp(-3), "bits": 3 * math.log(2)},  # multiplied by ln 2 instead of dividing
        {"p": math.exp(3), "bits": 3 / math.log(2)},  # forgot the minus sign
    ],
)
def _info_units(p, bits):
    if isinstance(p, int | float):
        expect_true(
            p <= 1, "`p` is above 1, so it is not a probability: check the sign of the exponent."
        )
    expect_close(
        "p",
        p,
        math.exp(-3),
        hint="A surprisal in nats uses the natural logarithm: undo -ln p, not -log2 p.",
    )
    expect_close(
        "bits",
        bits,
        3 / math.log(2),
        too_small="One nat is more than one bit: convert by dividing by ln 2, not multiplying.",
        too_large="Start from the nats (3) and convert them to bits with ln 2.",
    )


@register(
    "ex-info-dice",
    correct={"bits_dice": 3 * math.log2(6)},
    wrong=[
        {"bits_dice": 3 * math.log(6)},  # nats instead of bits
        {"bits_dice": math.log2(6)},  # one die only
        {"bits_dice": -math.log2(3 / 6)},  # added the probabilities
    ],
)
def _info_dice(bits_dice):
    expect_close(
        "bits_dice",
        bits_dice,
        3 * math.log2(6),
        hint="The three dice are independent: multiply their probabilities (or add their "
        "surprisals), and measure in bits (base 2).",
    )
