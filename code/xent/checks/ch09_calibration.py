"""Checks of chapter 9's coding exercises (calibration, temperature and the focal loss)."""

from __future__ import annotations

import itertools

import numpy as np

from .. import calibration as cal
from .. import functional as xf
from . import CheckFailed, expect_close, matches, register

# ex-cal-ece-loop: the data of the exercise's given cell.
PROBS = np.array(
    [
        [0.90, 0.05, 0.05],
        [0.85, 0.10, 0.05],
        [0.10, 0.80, 0.10],
        [0.20, 0.75, 0.05],
        [0.05, 0.15, 0.80],
        [0.60, 0.30, 0.10],
        [0.30, 0.55, 0.15],
        [0.25, 0.25, 0.50],
        [0.45, 0.40, 0.15],
        [0.35, 0.30, 0.35],
        [0.95, 0.03, 0.02],
        [0.40, 0.20, 0.40],
    ]
)
LABELS = np.array([0, 1, 1, 0, 2, 0, 2, 2, 1, 2, 0, 0])
_ECE = cal.expected_calibration_error(PROBS, LABELS, n_bins=5)
_CONF = PROBS.max(axis=1)
_RIGHT = PROBS.argmax(axis=1) == LABELS
_EDGES = np.arange(6) / 5  # exactly 0, 0.2, ..., 1: four confidences lie on edges
_BINS = [(_CONF > lo) & (_CONF <= hi) for lo, hi in itertools.pairwise(_EDGES)]
_GAPS = [abs(_RIGHT[b].mean() - _CONF[b].mean()) for b in _BINS if b.any()]
# Typical mistakes.
_UNWEIGHTED = float(np.mean(_GAPS))  # mean gap over the non-empty bins, not weighted by count
_OVERALL = float(abs(_RIGHT.mean() - _CONF.mean()))  # one bin: |accuracy - mean confidence|
_FIFTEEN = cal.expected_calibration_error(PROBS, LABELS)  # the default 15 bins
_PER_EXAMPLE = float(np.mean(np.abs(_RIGHT - _CONF)))  # one bin per example
# bins [lo, hi): the four confidences on an edge go to the bin above
_LOWER_CLOSED = float(
    sum(
        b.mean() * abs(_RIGHT[b].mean() - _CONF[b].mean())
        for b in [(_CONF >= lo) & (_CONF < hi) for lo, hi in itertools.pairwise(_EDGES)]
        + [_CONF == 1.0]
        if b.any()
    )
)


@register(
    "ex-cal-ece-loop",
    correct={"ece": _ECE},
    wrong=[
        {"ece": _UNWEIGHTED},
        {"ece": _OVERALL},
        {"ece": _FIFTEEN},
        {"ece": _PER_EXAMPLE},
        {"ece": _LOWER_CLOSED},
    ],
)
def _cal_ece_loop(ece):
    mistakes = [
        (
            _UNWEIGHTED,
            "you averaged the bins' gaps equally; weight each gap by the share of the examples "
            "that fall in its bin.",
        ),
        (
            _OVERALL,
            "that is the gap between the overall accuracy and the overall mean confidence, as "
            "if there were a single bin; compare them bin by bin.",
        ),
        (_FIFTEEN, "the exercise asks for 5 bins of width 0.2, not the default 15."),
        (
            _PER_EXAMPLE,
            "you compared each example's confidence with its own 0/1 correctness; average "
            "within each bin first, then take the gap.",
        ),
        (
            _LOWER_CLOSED,
            "your bins are closed on the left, [lo, hi), so the four confidences that lie "
            "exactly on an edge (0.8, 0.8, 0.6 and 0.4) went to the bin above; the exercise's "
            "bins are (lo, hi].",
        ),
    ]
    for value, hint in mistakes:
        if matches(ece, value) and not matches(ece, _ECE):
            raise CheckFailed(f"`ece` is off: {hint}")
    expect_close(
        "ece",
        ece,
        _ECE,
        hint="The confidence is each row's largest probability, an example is right when that "
        "class is its label, and the bins are (0, 0.2], (0.2, 0.4], ..., (0.8, 1].",
    )


# ex-cal-focal-scale: the focal gradient's scale at p_y = 0.9 and 0.2, gamma = 2.
def _scale(p: float, gamma: float = 2.0) -> float:
    logits = np.log([[p, 1 - p]])
    focal = xf.focal_loss_grad(logits, [0], gamma=gamma)[0, 0]
    return float(focal / xf.cross_entropy_grad(logits, [0])[0, 0])


_EASY, _HARD = _scale(0.9), _scale(0.2)
_EASY_LOSS_ONLY, _HARD_LOSS_ONLY = 0.1**2, 0.8**2  # (1 - p)^gamma: the loss's factor only
_EASY_G1, _HARD_G1 = _scale(0.9, 1.0), _scale(0.2, 1.0)


@register(
    "ex-cal-focal-scale",
    correct={"easy": _EASY, "hard": _HARD},
    wrong=[
        {"easy": _EASY_LOSS_ONLY, "hard": _HARD_LOSS_ONLY},
        {"easy": _EASY_G1, "hard": _HARD_G1},
        {"easy": _HARD, "hard": _EASY},
        {"easy": _EASY, "hard": _HARD_LOSS_ONLY},
    ],
)
def _cal_focal_scale(easy, hard):
    if matches(easy, _HARD) and matches(hard, _EASY):
        raise CheckFailed("`easy` and `hard` are swapped: the easy example has p_y = 0.9.")
    for name, value, loss_only, g1 in (
        ("easy", easy, _EASY_LOSS_ONLY, _EASY_G1),
        ("hard", hard, _HARD_LOSS_ONLY, _HARD_G1),
    ):
        if matches(value, loss_only):
            raise CheckFailed(
                f"`{name}` is the factor (1 - p_y)^gamma that multiplies the *loss*; the "
                "gradient's factor has a second term, because (1 - p_y)^gamma depends on the "
                "logits too."
            )
        if matches(value, g1):
            raise CheckFailed(f"`{name}` is off: use gamma = 2, not 1.")
    expect_close(
        "easy",
        easy,
        _EASY,
        hint="Divide an entry of focal_loss_grad(logits, [0], gamma=2.0) by the same entry of "
        "cross_entropy_grad(logits, [0]), with logits = np.log([[0.9, 0.1]]).",
    )
    expect_close("hard", hard, _HARD, hint="The same ratio, with p_y = 0.2.")
