"""Checks of chapter 5's coding exercises (the learning slowdown).

Every reference answer, and every typical mistake, is computed with :mod:`xent.neuron`.
"""

from __future__ import annotations

from .. import neuron
from . import _as_number, expect_close, expect_true, matches, register

# ex-slowdown-derive: dC/db of the cross-entropy cost at w = 0.7, b = -0.3, x = 1.7, y = 0.25.
_W, _B, _X, _Y = 0.7, -0.3, 1.7, 0.25
_GRAD_B = float(neuron.gradients(_W, _B, "cross_entropy", x=_X, y=_Y)[1])
_DERIVE_MISTAKES = {
    float(neuron.gradients(_W, _B, "cross_entropy", x=_X, y=_Y)[0]): (
        "This is dC/dw, not dC/db: the bias enters z = wx + b with input 1, not x."
    ),
    float(neuron.gradients(_W, _B, "quadratic", x=_X, y=_Y)[1]): (
        "This is the gradient of the quadratic cost; differentiate the cross-entropy."
    ),
    float(neuron.gradients(_W, _B, "cross_entropy", x=_X, y=0.0)[1]): (
        "This is the gradient for the target y = 0; the exercise uses y = 0.25."
    ),
    float(neuron.gradients(_W, _B, "cross_entropy", x=1.0, y=_Y)[1]): (
        "This is the gradient for the input x = 1; the weighted input is z = wx + b with x = 1.7."
    ),
}


def _known_mistake(name: str, value: object, mistakes: dict[float, str], rel: float) -> None:
    """Raise CheckFailed with the matching hint if ``value`` is one of the known mistakes."""
    _as_number(name, value)  # a missing or non-numeric answer gets its own message first
    for wrong, hint in mistakes.items():
        expect_true(not matches(value, wrong, rel), f"`{name}` is off. {hint}")


@register(
    "ex-slowdown-derive",
    correct={"grad_b": _GRAD_B},
    wrong=[{"grad_b": value} for value in (*_DERIVE_MISTAKES, -_GRAD_B)],
)
def _slowdown_derive(grad_b):
    _known_mistake("grad_b", grad_b, _DERIVE_MISTAKES, rel=1e-4)
    expect_close(
        "grad_b",
        grad_b,
        _GRAD_B,
        rel=1e-5,
        hint="Use a central difference (C(b + h) - C(b - h)) / (2h) with a small h such as "
        "1e-6, the cross-entropy cost, and w = 0.7, x = 1.7, y = 0.25.",
    )


# ex-slowdown-rate: the rate that brings the quadratic cost from (2.0, 2.0) to output 0.2 in
# 100 iterations.
_ETA_100 = neuron.learning_rate_to_reach(2.0, 2.0, "quadratic", target=0.2, epochs=100)
_RATE_MISTAKES = {
    neuron.learning_rate_to_reach(2.0, 2.0, "cross_entropy", target=0.2, epochs=100): (
        "This is the rate for the cross-entropy cost; the exercise asks about the quadratic cost."
    ),
    neuron.learning_rate_to_reach(0.6, 0.9, "quadratic", target=0.2, epochs=100): (
        "This is the rate for the mild start (0.6, 0.9); the exercise starts at (2.0, 2.0)."
    ),
    neuron.learning_rate_to_reach(2.0, 2.0, "quadratic", target=0.2, epochs=300): (
        "This rate needs 300 iterations to get there; the exercise allows only 100."
    ),
    3 * 0.15: (
        "Three times the old rate is only a first-order estimate (the trajectory is not exactly "
        "a function of the rate times the iteration count): compute the rate with "
        "`neuron.learning_rate_to_reach`."
    ),
}


@register(
    "ex-slowdown-rate",
    correct={"eta_100": _ETA_100},
    wrong=[{"eta_100": value} for value in (*_RATE_MISTAKES, 0.15)],
)
def _slowdown_rate(eta_100):
    _known_mistake("eta_100", eta_100, _RATE_MISTAKES, rel=1e-3)
    expect_close(
        "eta_100",
        eta_100,
        _ETA_100,
        rel=1e-4,
        too_small="At this rate the output is still above 0.2 after 100 iterations.",
        too_large="This rate reaches 0.2 in fewer than 100 iterations; the exercise asks for the "
        "smallest rate that gets there in 100.",
        hint="Use `neuron.learning_rate_to_reach` with the quadratic cost, the start "
        "(2.0, 2.0), target=0.2 and epochs=100.",
    )
