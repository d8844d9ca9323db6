"""Preference losses (Bradley-Terry, DPO) and xent.preferences: against torch and closed forms."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xent import functional as xf
from xent import preferences as pref

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REDUCTIONS = ["mean", "sum", "none"]
TOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-11}


@st.composite
def score_pairs(draw):
    """Chosen and rejected scores of any shape, from tiny to extreme differences, and weights."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = draw(st.sampled_from([(), (1,), (5,), (3, 4)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([1e-3, 1.0, 10.0, 1e3, 1e5, 1e30]))
    a = (rng.standard_normal(shape) * scale).astype(dtype)
    b = (rng.standard_normal(shape) * scale).astype(dtype)
    weight = rng.uniform(0, 3, size=shape) if draw(st.booleans()) else None
    return a, b, weight


def torch_reduce(loss, reduction):
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@SETTINGS
@given(problem=score_pairs(), reduction=st.sampled_from(REDUCTIONS))
def test_bradley_terry_matches_torch_bce_and_logsigmoid(problem, reduction) -> None:
    a, b, weight = problem
    ta = torch.tensor(a.astype(np.float64), requires_grad=True)
    tb = torch.tensor(b.astype(np.float64), requires_grad=True)
    tw = None if weight is None else torch.tensor(weight)
    z = ta - tb
    bce = F.binary_cross_entropy_with_logits(z, torch.ones_like(z), weight=tw, reduction=reduction)
    per_pair = -F.logsigmoid(z) * (1 if tw is None else tw)
    ref = torch_reduce(per_pair, reduction)
    torch.testing.assert_close(bce, ref, rtol=1e-12, atol=1e-12)  # the two torch spellings agree
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, however large the scores
        ours = xf.bradley_terry_loss(a, b, weight=weight, reduction=reduction)
        g_a, g_b = xf.bradley_terry_loss_grad(a, b, weight=weight, reduction=reduction)
    assert ours.dtype == a.dtype and ours.shape == tuple(ref.shape)
    assert np.isfinite(ours).all()
    tol = TOL[a.dtype] * max(1.0, float(np.abs(a - b.astype(np.float64)).max(initial=0)))
    np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=TOL[a.dtype], atol=tol)
    ref.sum().backward()
    assert g_a.shape == a.shape and g_a.dtype == a.dtype
    np.testing.assert_allclose(g_a, ta.grad.numpy(), rtol=TOL[a.dtype], atol=TOL[a.dtype])
    np.testing.assert_allclose(g_b, tb.grad.numpy(), rtol=TOL[a.dtype], atol=TOL[a.dtype])


@SETTINGS
@given(problem=score_pairs(), shift=st.sampled_from([-50.0, 0.5, 7.0]))
def test_bradley_terry_ignores_a_common_shift(problem, shift) -> None:
    a, b, _ = problem
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if np.abs(a64).max(initial=0) > 1e6:  # adding 7 to 1e30 is lost to rounding
        return
    np.testing.assert_allclose(
        xf.bradley_terry_loss(a64 + shift, b64 + shift, reduction="none"),
        xf.bradley_terry_loss(a64, b64, reduction="none"),
        rtol=1e-9,
        atol=1e-9,
    )


@st.composite
def dpo_problems(draw):
    """Policy and reference log-probabilities (<= 0), some very negative, beta and weights."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([0.1, 1.0, 30.0, 1e4, 1e7]))
    logps = [(-np.abs(rng.standard_normal(n)) * scale).astype(dtype) for _ in range(4)]
    beta = draw(st.sampled_from([1e-3, 0.1, 0.5, 1.0, 10.0]))
    weight = rng.uniform(0, 2, size=n) if draw(st.booleans()) else None
    return logps, beta, weight


@SETTINGS
@given(problem=dpo_problems(), reduction=st.sampled_from(REDUCTIONS))
def test_dpo_matches_the_torch_formulation(problem, reduction) -> None:
    (pc, pr, rc, rr), beta, weight = problem
    tpc = torch.tensor(pc.astype(np.float64), requires_grad=True)
    tpr = torch.tensor(pr.astype(np.float64), requires_grad=True)
    trc, trr = torch.tensor(rc.astype(np.float64)), torch.tensor(rr.astype(np.float64))
    # the DPO paper's loss, as its reference implementation writes it
    logits = (tpc - tpr) - (trc - trr)
    per_pair = -F.logsigmoid(beta * logits)
    if weight is not None:
        per_pair = per_pair * torch.tensor(weight)
    ref = torch_reduce(per_pair, reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = xf.dpo_loss(pc, pr, rc, rr, beta=beta, weight=weight, reduction=reduction)
        g_c, g_r = xf.dpo_loss_grad(pc, pr, rc, rr, beta=beta, weight=weight, reduction=reduction)
    assert ours.dtype == pc.dtype and np.isfinite(ours).all()
    margin = float(np.abs(beta * ((pc - rc) - (pr - rr)).astype(np.float64)).max())
    tol = TOL[pc.dtype] * max(1.0, margin)
    np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=TOL[pc.dtype], atol=tol)
    ref.sum().backward()
    gtol = TOL[pc.dtype] * max(1.0, beta)
    np.testing.assert_allclose(g_c, tpc.grad.numpy(), rtol=TOL[pc.dtype], atol=gtol)
    np.testing.assert_allclose(g_r, tpr.grad.numpy(), rtol=TOL[pc.dtype], atol=gtol)


@SETTINGS
@given(problem=dpo_problems())
def test_dpo_is_bradley_terry_on_implicit_rewards(problem) -> None:
    (pc, pr, rc, rr), beta, _ = problem
    pc, pr, rc, rr = (x.astype(np.float64) for x in (pc, pr, rc, rr))
    implicit_c, implicit_r = beta * (pc - rc), beta * (pr - rr)
    np.testing.assert_allclose(
        xf.dpo_loss(pc, pr, rc, rr, beta=beta, reduction="none"),
        xf.bradley_terry_loss(implicit_c, implicit_r, reduction="none"),
        rtol=1e-9,
        atol=1e-9 * max(1.0, float(np.abs(implicit_c - implicit_r).max())),
    )


def test_dpo_at_the_reference_costs_log_2_and_pulls_by_half_beta() -> None:
    ref = np.log([0.7, 0.2, 0.1])
    loss = xf.dpo_loss(ref[[0, 2]], ref[[1, 0]], ref[[0, 2]], ref[[1, 0]], beta=0.3)
    assert loss == pytest.approx(np.log(2), rel=1e-15)
    g_c, g_r = xf.dpo_loss_grad(
        ref[[0, 2]], ref[[1, 0]], ref[[0, 2]], ref[[1, 0]], beta=0.3, reduction="sum"
    )
    np.testing.assert_allclose(g_c, [-0.15, -0.15], rtol=1e-15)
    np.testing.assert_allclose(g_r, [0.15, 0.15], rtol=1e-15)


def test_extreme_margins_do_not_overflow() -> None:
    big = np.array([1e308, -1e308, 3e4, -3e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = xf.bradley_terry_loss(big, -big, reduction="none")
        g_c, _ = xf.bradley_terry_loss_grad(big, -big, reduction="none")
    np.testing.assert_array_equal(loss, [0.0, np.inf, 0.0, 6e4])
    np.testing.assert_array_equal(g_c, [0.0, -1.0, 0.0, -1.0])
    assert not np.isnan(xf.dpo_loss([0.0], [-1e308], [-1e308], [0.0], beta=10.0))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xf.bradley_terry_loss([1.0, 2.0], [1.0]), "same shape"),
        (lambda: xf.bradley_terry_loss([np.nan], [1.0]), "NaN"),
        (lambda: xf.bradley_terry_loss([np.inf], [1.0]), "finite"),
        (lambda: xf.bradley_terry_loss([1.0], [0.0], reduction="avg"), "reduction"),
        (lambda: xf.bradley_terry_loss([1.0], [0.0], weight=[-1.0]), "weight"),
        (lambda: xf.bradley_terry_loss_grad([1.0], [0.0], weight=[1.0, 2.0]), "broadcast"),
        (lambda: xf.dpo_loss([0.5], [-1.0], [-1.0], [-1.0]), "above 0"),
        (lambda: xf.dpo_loss([-1.0], [-1.0], [-1.0], [-1.0], beta=0.0), "beta"),
        (lambda: xf.dpo_loss([-1.0], [-1.0], [-1.0], [-1.0], beta=-1.0), "beta"),
        (lambda: xf.dpo_loss([-1.0], [-1.0], [-1.0], [-1.0], beta="big"), "beta"),
        (lambda: xf.dpo_loss([-1.0], [-1.0], [-1.0, -2.0], [-1.0, -2.0]), "same shape"),
        (lambda: xf.dpo_loss_grad([-np.inf], [-1.0], [-1.0], [-1.0]), "finite"),
        (lambda: pref.kl_regularised_policy([0.5, 0.6], [0.0, 1.0], 1.0), "sum to 1"),
        (lambda: pref.kl_regularised_policy([0.5, 0.5], [0.0, 1.0, 2.0], 1.0), "one entry"),
        (lambda: pref.fit_reward_model([[0, -1], [1, 0]]), ">= 0"),
        (lambda: pref.fit_dpo_policy([[0, 1], [1, 0]], [1.0, 0.0], 1.0), "above 0"),
        (lambda: pref.fit_reward_model([[0, 1], [1, 0]], penalty=-1), "penalty"),
        (lambda: pref.comparison_counts([0, 1], [0, 0], 2), "itself"),
        (lambda: pref.sample_comparisons([0, 1], [[0, 0]], 3, np.random.default_rng(0)), "pair"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@st.composite
def worlds(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.integers(2, 7))
    reward = rng.standard_normal(k) * draw(st.sampled_from([0.3, 1.0, 3.0]))
    reference = rng.dirichlet(np.ones(k)) * 0.98 + 0.02 / k
    beta = draw(st.sampled_from([0.05, 0.3, 1.0, 5.0]))
    return reward, reference, beta, rng


@SETTINGS
@given(world=worlds())
def test_closed_form_beats_every_other_policy(world) -> None:
    """Gibbs' inequality: E_pi[r] - beta KL(pi || ref) is at most beta log Z, reached at pi*."""
    reward, reference, beta, rng = world
    star = pref.kl_regularised_policy(reference, reward, beta)

    def objective(pi):
        pi = np.asarray(pi)
        inside = pi > 0
        return pi @ reward - beta * np.sum(pi[inside] * np.log(pi[inside] / reference[inside]))

    shifted = reward - reward.max()  # log Z without overflow
    best = beta * (np.log(reference @ np.exp(shifted / beta)) + reward.max() / beta)
    assert objective(star) == pytest.approx(best, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(star, pref.kl_regularised_policy(reference, reward + 4.0, beta))
    for _ in range(20):
        other = rng.dirichlet(np.ones(len(reward)) * 0.5)
        assert objective(other) <= best + 1e-9


@SETTINGS
@given(world=worlds())
def test_fits_recover_the_truth_from_exact_preference_rates(world) -> None:
    """Counts proportional to the true Bradley-Terry rates: the MLE is the truth, exactly."""
    reward, reference, beta, _ = world
    k = len(reward)
    rates = 1 / (1 + np.exp(-(reward[:, None] - reward[None, :])))
    counts = 50.0 * rates * (1 - np.eye(k))
    fitted = pref.fit_reward_model(counts)
    np.testing.assert_allclose(fitted, reward - reward.mean(), atol=1e-5)
    policy = pref.fit_dpo_policy(counts, reference, beta)
    np.testing.assert_allclose(
        policy, pref.kl_regularised_policy(reference, reward, beta), atol=1e-5
    )


@SETTINGS
@given(world=worlds(), penalty=st.sampled_from([0.01, 0.3, 3.0]))
def test_dpo_fit_is_the_reward_fit_through_the_closed_form(world, penalty) -> None:
    """With the same penalty, DPO's policy is pi_ref * exp(r_hat / beta) / Z of the reward fit."""
    reward, reference, beta, rng = world
    pairs = np.array([(i, j) for i in range(len(reward)) for j in range(i + 1, len(reward))])
    chosen, rejected = pref.sample_comparisons(reward, pairs, 40, rng)
    counts = pref.comparison_counts(chosen, rejected, len(reward))
    r_hat = pref.fit_reward_model(counts, penalty)
    policy = pref.fit_dpo_policy(counts, reference, beta, penalty)
    np.testing.assert_allclose(
        policy, pref.kl_regularised_policy(reference, r_hat, beta), atol=2e-5
    )


def test_sampled_preferences_follow_bradley_terry() -> None:
    reward = np.array([0.0, 1.0])
    chosen, _ = pref.sample_comparisons(reward, [[0, 1]], 20000, np.random.default_rng(3))
    p = 1 / (1 + np.exp(-1.0))
    rate = np.mean(chosen == 1)
    assert abs(rate - p) < 4 * np.sqrt(p * (1 - p) / 20000)


def test_preference_cross_entropy_is_floor_plus_kl() -> None:
    true, model = np.array([0.0, 1.0, -2.0]), np.array([0.3, 0.1, -1.0])
    pairs = [[0, 1], [1, 2], [0, 2]]
    h, floor = pref.preference_cross_entropy(true, model, pairs)
    p = [1 / (1 + np.exp(-(true[a] - true[b]))) for a, b in pairs]
    q = [1 / (1 + np.exp(-(model[a] - model[b]))) for a, b in pairs]
    kl = np.mean(
        [
            pi * np.log(pi / qi) + (1 - pi) * np.log((1 - pi) / (1 - qi))
            for pi, qi in zip(p, q, strict=True)
        ]
    )
    assert h - floor == pytest.approx(kl, rel=1e-10)
    assert kl > 0
