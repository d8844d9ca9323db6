"""Checks of chapter 13's coding exercises (cross-entropy across processes)."""

from __future__ import annotations

import numpy as np

from .. import functional as xf
from . import CheckFailed, expect_close, matches, register

# ex-dist-merge: the data of the exercise's given cell.
Z_ROW = np.array([2.0, -1.0, 0.5, 3.0, 9.0, 1.0, -4.0, 0.0, 7.5, 2.5, -2.0, 1.5])
TARGET_ROW = 8
_LOSS_ROW = float(xf.cross_entropy(Z_ROW[None, :], [TARGET_ROW]))
_BLOCKS = np.split(Z_ROW, 3)
# Typical mistakes.
_LOCAL_MAX_ONLY = float(
    np.log(np.exp(_BLOCKS[2] - _BLOCKS[2].max()).sum()) + _BLOCKS[2].max() - 7.5
)
_NO_LOG = float(np.exp(Z_ROW - 9.0).sum() - (7.5 - 9.0))  # s instead of log s
_SUM_OF_BLOCK_LOSSES = float(
    sum(np.log(np.exp(b - b.max()).sum()) + b.max() for b in _BLOCKS) - 7.5
)  # added the blocks' log-sum-exps instead of their sums of exponentials
_NO_MAX_IN_TARGET = _LOSS_ROW - 9.0  # -z_target + log s: m left out of the first term


@register(
    "ex-dist-merge",
    correct={"loss_row": _LOSS_ROW},
    wrong=[
        {"loss_row": _LOCAL_MAX_ONLY},
        {"loss_row": _NO_LOG},
        {"loss_row": _SUM_OF_BLOCK_LOSSES},
        {"loss_row": _NO_MAX_IN_TARGET},
    ],
)
def _dist_merge(loss_row):
    mistakes = [
        (
            _LOCAL_MAX_ONLY,
            "that is the loss over the third block alone; the sum of exponentials runs over all "
            "three blocks.",
        ),
        (_NO_LOG, "the loss has the logarithm of the summed exponentials, log s, not s."),
        (
            _SUM_OF_BLOCK_LOSSES,
            "you added the blocks' log-sum-exps; add their sums of exponentials (taken with the "
            "same global maximum), then take one logarithm.",
        ),
        (
            _NO_MAX_IN_TARGET,
            "s was summed as exp(z - m), so the target's term must be m - z_target, not "
            "-z_target: the loss is (m - z_target) + log s.",
        ),
    ]
    for value, hint in mistakes:
        if matches(loss_row, value) and not matches(loss_row, _LOSS_ROW):
            raise CheckFailed(f"`loss_row` is off: {hint}")
    expect_close(
        "loss_row",
        loss_row,
        _LOSS_ROW,
        hint="m is the largest logit of the three blocks, s the sum of exp(z - m) over all of "
        "them, and the loss (m - z_target) + log s.",
    )


# ex-dist-memory: float32 logits of 8 x 4096 positions over 128,256 tokens, on 1 and 8 processes.
_GIB_ONE = 8 * 4096 * 128_256 * 4 / 2**30
_GIB_EACH = _GIB_ONE / 8


@register(
    "ex-dist-memory",
    correct={"gib_one": _GIB_ONE, "gib_each": _GIB_EACH},
    wrong=[
        {"gib_one": _GIB_ONE / 4, "gib_each": _GIB_EACH / 4},  # one byte per number
        {"gib_one": _GIB_ONE * 2**30 / 1e9, "gib_each": _GIB_EACH * 2**30 / 1e9},  # GB, not GiB
        {"gib_one": _GIB_ONE, "gib_each": _GIB_ONE},  # the shard kept the whole vocabulary
        {"gib_one": _GIB_ONE / 8, "gib_each": _GIB_EACH / 8},  # one sequence only
    ],
)
def _dist_memory(gib_one, gib_each):
    if matches(gib_one, _GIB_ONE / 4):
        raise CheckFailed("`gib_one` is off: a float32 number takes 4 bytes, not 1.")
    if matches(gib_one, _GIB_ONE * 2**30 / 1e9):
        raise CheckFailed("`gib_one` is in gigabytes (10^9 bytes); a gibibyte is 2^30 bytes.")
    if matches(gib_one, _GIB_ONE / 8):
        raise CheckFailed("`gib_one` counts one sequence; the batch has 8 sequences of 4,096.")
    expect_close(
        "gib_one",
        gib_one,
        _GIB_ONE,
        hint="positions x vocabulary x 4 bytes, divided by 2**30.",
    )
    if matches(gib_each, _GIB_ONE):
        raise CheckFailed("`gib_each` is the whole batch's logits; each process holds V / P.")
    expect_close("gib_each", gib_each, _GIB_EACH, hint="Each of the 8 processes holds V / 8.")


# ex-dist-mean: per-token losses of a short and a long sequence on two processes.
LOSSES_P0 = np.array([0.5, 2.5, 1.5])
LOSSES_P1 = np.array([1.0, 1.2, 0.8, 1.1, 0.9, 1.0, 1.3, 0.7])
_MOM = float((LOSSES_P0.mean() + LOSSES_P1.mean()) / 2)
_TOKEN = float(np.concatenate([LOSSES_P0, LOSSES_P1]).mean())
_RATIO = 11 / (2 * 3)


@register(
    "ex-dist-mean",
    correct={"mean_of_means": _MOM, "token_mean": _TOKEN, "weight_ratio": _RATIO},
    wrong=[
        {"mean_of_means": _TOKEN, "token_mean": _MOM, "weight_ratio": _RATIO},
        {"mean_of_means": _MOM, "token_mean": _TOKEN, "weight_ratio": 1 / _RATIO},
        {"mean_of_means": _MOM, "token_mean": _TOKEN, "weight_ratio": 11 / (2 * 8)},
        {"mean_of_means": _MOM * 2, "token_mean": _TOKEN, "weight_ratio": _RATIO},
    ],
)
def _dist_mean(mean_of_means, token_mean, weight_ratio):
    if matches(mean_of_means, _TOKEN) and matches(token_mean, _MOM):
        raise CheckFailed("`mean_of_means` and `token_mean` are swapped.")
    if matches(mean_of_means, 2 * _MOM):
        raise CheckFailed("`mean_of_means` is the sum of the two means; divide by P = 2.")
    expect_close(
        "mean_of_means",
        mean_of_means,
        _MOM,
        hint="Average each process's losses, then average the two averages.",
    )
    expect_close(
        "token_mean", token_mean, _TOKEN, hint="Average all eleven losses together, as one batch."
    )
    if matches(weight_ratio, 1 / _RATIO):
        raise CheckFailed("`weight_ratio` is upside down: process 0's tokens count *more*.")
    if matches(weight_ratio, 11 / (2 * 8)):
        raise CheckFailed(
            "`weight_ratio` is that of a token of process 1; the exercise asks for process 0."
        )
    expect_close(
        "weight_ratio",
        weight_ratio,
        _RATIO,
        hint="A token of process 0 weighs 1 / (P n_0) in the mean of means and 1 / (n_0 + n_1) "
        "in the token mean; divide the first by the second.",
    )
