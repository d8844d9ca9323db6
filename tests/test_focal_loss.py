"""xent.functional.focal_loss and its gradient: against cross_entropy (gamma = 0) and torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xent import functional as xf

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REDUCTIONS = ["mean", "sum", "none"]
TOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-11}


@st.composite
def problems(draw):
    """Logits of shape (C), (N, C) or (N, C, d), class-index targets (some ignored), options."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    ndim = draw(st.sampled_from([1, 2, 2, 3]))
    c = draw(st.integers(1, 6))
    n = draw(st.integers(1, 5))
    shape = (c,) if ndim == 1 else (n, c) if ndim == 2 else (n, c, draw(st.integers(1, 3)))
    batch = () if ndim == 1 else (shape[0], *shape[2:])
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([0.1, 1.0, 5.0, 20.0]))
    x = (rng.standard_normal(shape) * scale).astype(dtype)
    t = rng.integers(0, c, size=batch)
    if draw(st.booleans()):
        t = np.where(rng.random(batch) < 0.3, -100, t)
    alpha = rng.uniform(0.1, 2.0, size=c) if draw(st.booleans()) else None
    return x, np.asarray(t, dtype=np.int64), alpha


def torch_focal(x, t, gamma, alpha, reduction, ignore_index=-100):
    """The focal loss written with torch operations, for autograd (class axis 1 or 0)."""
    dim = 0 if x.ndim == 1 else 1
    logp = F.log_softmax(x, dim=dim)
    valid = t != ignore_index
    safe = torch.where(valid, t, torch.zeros_like(t))
    log_py = logp.gather(dim, safe.unsqueeze(dim)).squeeze(dim)
    w = torch.ones_like(log_py) if alpha is None else alpha[safe]
    w = torch.where(valid, w, torch.zeros_like(w))
    loss = -w * (1 - log_py.exp()) ** gamma * log_py
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


@SETTINGS
@given(problem=problems(), reduction=st.sampled_from(REDUCTIONS))
def test_gamma_zero_is_cross_entropy(problem, reduction) -> None:
    x, t, alpha = problem
    ours = xf.focal_loss(x, t, gamma=0.0, alpha=alpha, reduction=reduction)
    ce = xf.cross_entropy(x, t, weight=alpha, reduction=reduction)
    assert ours.dtype == x.dtype and ours.shape == ce.shape
    np.testing.assert_allclose(ours, ce, rtol=TOL[x.dtype], atol=TOL[x.dtype])
    grad = xf.focal_loss_grad(x, t, gamma=0.0, alpha=alpha, reduction=reduction)
    ce_grad = xf.cross_entropy_grad(x, t, weight=alpha, reduction=reduction)
    np.testing.assert_allclose(grad, ce_grad, rtol=TOL[x.dtype], atol=TOL[x.dtype])


@SETTINGS
@given(
    problem=problems(),
    gamma=st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0]),
    reduction=st.sampled_from(REDUCTIONS),
)
def test_value_and_gradient_match_torch_autograd(problem, gamma, reduction) -> None:
    x, t, alpha = problem
    x64 = torch.tensor(x.astype(np.float64), requires_grad=True)
    a64 = None if alpha is None else torch.tensor(alpha, dtype=torch.float64)
    ref = torch_focal(x64, torch.from_numpy(t), gamma, a64, reduction)
    if reduction == "mean" and not torch.isfinite(ref):
        assert np.isnan(xf.focal_loss(x, t, gamma, alpha, reduction=reduction))
        assert not xf.focal_loss_grad(x, t, gamma, alpha, reduction=reduction).any()
        return
    ref.sum().backward()
    want = x64.grad.numpy()
    if not np.isfinite(want).all():  # torch's 0 * inf at p_y = 1 with gamma < 1: skip that case
        return
    ours = xf.focal_loss(x, t, gamma, alpha, reduction=reduction)
    grad = xf.focal_loss_grad(x, t, gamma, alpha, reduction=reduction)
    assert ours.dtype == x.dtype and grad.dtype == x.dtype and grad.shape == x.shape
    tol = TOL[x.dtype]
    np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(grad, want, rtol=10 * tol, atol=10 * tol)


def test_focal_matches_the_formula_on_a_small_example() -> None:
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3]])
    loss = xf.focal_loss(np.log(p), [0, 2], gamma=2.0, reduction="none")
    np.testing.assert_allclose(loss, [-(0.3**2) * np.log(0.7), -(0.7**2) * np.log(0.3)])


def test_alpha_weights_each_example_by_its_class_and_normalises_the_mean() -> None:
    x = np.log([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]])
    t = np.array([0, 2, 2])
    alpha = np.array([0.5, 1.0, 3.0])
    plain = xf.focal_loss(x, t, reduction="none")
    weighted = xf.focal_loss(x, t, alpha=alpha, reduction="none")
    np.testing.assert_allclose(weighted, alpha[t] * plain)
    mean = xf.focal_loss(x, t, alpha=alpha)
    np.testing.assert_allclose(mean, weighted.sum() / alpha[t].sum())


def test_ignored_targets_add_nothing() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 4))
    t = np.array([1, -100, 3, 0, -100])
    kept = t != -100
    np.testing.assert_allclose(xf.focal_loss(x, t), xf.focal_loss(x[kept], t[kept]))
    per = xf.focal_loss(x, t, reduction="none")
    assert per.shape == (5,) and not per[~kept].any()
    grad = xf.focal_loss_grad(x, t)
    assert not grad[~kept].any()
    np.testing.assert_allclose(grad[kept], xf.focal_loss_grad(x[kept], t[kept]))
    assert xf.focal_loss(x, np.where(kept, t, 0), ignore_index=3, reduction="none")[2] == 0
    everything = np.full(5, -100)
    assert np.isnan(xf.focal_loss(x, everything))
    assert not xf.focal_loss_grad(x, everything).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_extreme_logits_give_finite_accurate_values(dtype, gamma) -> None:
    # right by a margin of 1e4: p_y rounds to 1, loss and gradient 0; wrong by 1e4: loss 1e4
    x = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0], [20.0, 0.0, 0.0]], dtype=dtype)
    t = np.array([0, 0, 0])
    loss = xf.focal_loss(x, t, gamma=gamma, reduction="none")
    grad = xf.focal_loss_grad(x, t, gamma=gamma, reduction="none")
    assert np.isfinite(loss).all() and np.isfinite(grad).all()
    assert loss[0] == 0 and not grad[0].any()
    np.testing.assert_allclose(loss[1], 1e4, rtol=1e-6)
    np.testing.assert_allclose(grad[1], [-1.0, 1.0, 0.0], atol=1e-6)
    # p_y = 1 - 2e^-20: the loss is tiny but accurate in both dtypes (log p_y from the logit
    # differences, 1 - p_y = -expm1(log p_y): no cancellation), although in float32 p_y rounds
    # to 1; so is the gradient's target entry, -(1 - p_y) times the scale
    q = 2 * np.exp(-20.0)
    np.testing.assert_allclose(loss[2], q**gamma * q, rtol=1e-5)
    np.testing.assert_allclose(
        grad[2], q**gamma * (1 + gamma) * np.array([-q, q / 2, q / 2]), rtol=1e-4
    )
    assert loss.dtype == dtype and grad.dtype == dtype


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1.0, 10.0, 30.0, 100.0]),
    gamma=st.sampled_from([0.0, 0.5, 2.0]),
)
def test_float32_loss_is_accurate_relative_to_its_size(seed, scale, gamma) -> None:
    # the docstring's claim: accurate relative to the loss's own size, not only to 1
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((20, 5)) * scale).astype(np.float32)
    t = rng.integers(0, 5, size=20)
    low = xf.focal_loss(x, t, gamma=gamma, reduction="none")
    exact = xf.focal_loss(x.astype(np.float64), t, gamma=gamma, reduction="none")
    tiny = exact < np.finfo(np.float32).tiny * 1e3  # float32 cannot hold these at all
    np.testing.assert_allclose(low[~tiny], exact[~tiny], rtol=2e-4)


def test_minus_inf_logits_are_masked_classes() -> None:
    # -inf is a class with probability 0: as if it were not there (cross_entropy agrees)
    x = np.array([[2.0, -np.inf, 0.5], [0.0, -np.inf, 1.0]])
    t = np.array([0, 2])
    kept = x[:, [0, 2]]
    np.testing.assert_allclose(
        xf.focal_loss(x, t, reduction="none"), xf.focal_loss(kept, [0, 1], reduction="none")
    )
    grad = xf.focal_loss_grad(x, t)
    assert (grad[:, 1] == 0).all()
    np.testing.assert_allclose(grad[:, [0, 2]], xf.focal_loss_grad(kept, [0, 1]))
    np.testing.assert_allclose(xf.focal_loss(x, t, gamma=0.0), xf.cross_entropy(x, t), rtol=1e-12)
    # the target's own logit -inf: probability 0, loss inf, and the gradient is p - onehot
    loss = xf.focal_loss(x, [1, 1], reduction="none")
    assert np.isposinf(loss).all()
    grad = xf.focal_loss_grad(x, [1, 1], reduction="none")
    np.testing.assert_allclose(grad, xf.cross_entropy_grad(x, [1, 1], reduction="none"))


def test_gradient_scale_can_exceed_cross_entropy_for_hard_examples() -> None:
    # at p_y = 0.1, gamma = 2 the focal gradient is about 1.22 times the cross-entropy one
    x = np.log([[0.1, 0.9]])
    ratio = xf.focal_loss_grad(x, [0])[0, 0] / xf.cross_entropy_grad(x, [0])[0, 0]
    q, p = 0.9, 0.1
    np.testing.assert_allclose(ratio, q**2 + 2 * p * q * -np.log(p))
    assert ratio > 1.2


def test_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 4))
    t = np.array([2, 0, 3])
    h = 1e-6
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (xf.focal_loss(up, t, gamma=1.5) - xf.focal_loss(down, t, gamma=1.5)) / 2e-6
    np.testing.assert_allclose(xf.focal_loss_grad(x, t, gamma=1.5), numeric, atol=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gamma": -1.0}, "gamma must be a finite number >= 0"),
        ({"gamma": float("nan")}, "gamma must be a finite number >= 0"),
        ({"gamma": "two"}, "gamma must be a number"),
        ({"alpha": 0.25}, "one weight per class"),
        ({"alpha": [1.0, 2.0]}, "one number per class"),
        ({"alpha": [1.0, -2.0, 1.0]}, "finite and >= 0"),
        ({"reduction": "avg"}, "reduction must be one of"),
        ({"target": np.array([0, 3])}, "class index 3"),
        ({"target": np.array([0.0, 1.0])}, "integer"),
        ({"target": np.eye(3)[[0, 1]]}, "class indices as target"),
        ({"input": np.array([[np.inf, 0, 0], [0, 0, 0]])}, "finite"),
        ({"input": np.array([[np.nan, 0, 0], [0, 0, 0]])}, "finite"),
        ({"input": np.array([[-np.inf, -np.inf, -np.inf], [0, 0, 0]])}, "entirely -inf"),
    ],
)
@pytest.mark.parametrize("fn", [xf.focal_loss, xf.focal_loss_grad])
def test_bad_arguments_raise_clear_errors(fn, kwargs, message) -> None:
    args = {"input": np.zeros((2, 3)), "target": np.array([0, 1]), **kwargs}
    with pytest.raises(ValueError, match=message):
        fn(**args)
