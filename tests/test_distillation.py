"""xent.functional.distillation_loss and its gradient: against the PyTorch recipe and autograd."""

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
TOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-10}


@st.composite
def problems(draw):
    """Student and teacher logits (N, C), labels, a temperature and a weight, extremes included."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, c = draw(st.integers(1, 6)), draw(st.integers(1, 7))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale_s = draw(st.sampled_from([0.01, 1.0, 10.0, 100.0, 1e3]))
    scale_t = draw(st.sampled_from([0.01, 1.0, 10.0, 100.0, 1e3]))
    s = (rng.standard_normal((n, c)) * scale_s).astype(dtype)
    t = (rng.standard_normal((n, c)) * scale_t).astype(dtype)
    y = rng.integers(0, c, size=n)
    temperature = draw(st.sampled_from([0.05, 0.5, 1.0, 2.0, 4.0, 20.0, 1e3]))
    alpha = draw(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
    return s, t, y, temperature, alpha


def torch_recipe(s, t, y, temperature, alpha, reduction):
    """The common PyTorch recipe: T^2 * kl_div(log_softmax(s/T), softmax(t/T)) and the labels."""
    log_q = F.log_softmax(s / temperature, dim=1)
    p = F.softmax(t / temperature, dim=1)
    if reduction == "mean":
        soft = F.kl_div(log_q, p, reduction="batchmean")
        hard = F.cross_entropy(s, y)
    else:
        soft = F.kl_div(log_q, p, reduction="none").sum(dim=1)
        hard = F.cross_entropy(s, y, reduction="none")
        if reduction == "sum":
            soft, hard = soft.sum(), hard.sum()
    return alpha * temperature**2 * soft + (1 - alpha) * hard


# the chapter says "hundreds of random batches": keep max_examples at 200 or more
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), reduction=st.sampled_from(REDUCTIONS))
def test_value_and_gradient_match_the_torch_recipe_and_autograd(problem, reduction) -> None:
    s, t, y, temperature, alpha = problem
    s64 = torch.tensor(s.astype(np.float64), requires_grad=True)
    t64 = torch.tensor(t.astype(np.float64))
    ref = torch_recipe(s64, t64, torch.from_numpy(y), temperature, alpha, reduction)
    ref.sum().backward()
    ours = xf.distillation_loss(s, t, y, temperature, alpha, reduction)
    grad = xf.distillation_loss_grad(s, t, y, temperature, alpha, reduction)
    assert ours.dtype == s.dtype and grad.dtype == s.dtype and grad.shape == s.shape
    assert ours.shape == ref.shape
    assert np.isfinite(ours).all() and np.isfinite(grad).all()
    tol = TOL[s.dtype]
    # float32 rounding of the logits themselves: relative to the size of the loss terms
    size = 1 + np.abs(s).max() / temperature + np.abs(t).max() / temperature
    scale = (alpha * temperature**2 + 1) * size
    np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=tol * 10, atol=tol * scale)
    np.testing.assert_allclose(grad, s64.grad.numpy(), rtol=tol * 10, atol=tol * 10 * scale)


@SETTINGS
@given(problem=problems())
def test_soft_gradient_is_the_cross_entropy_gradient_to_the_teacher(problem) -> None:
    """KL and cross-entropy to the teacher: the same gradient, T * (q_T - p_T)."""
    s, t, _, temperature, _ = problem
    s, t = s.astype(np.float64), t.astype(np.float64)
    p = xf.softmax(t / temperature, dim=1)
    via_ce = temperature * xf.cross_entropy_grad(s / temperature, p)  # chain rule, times T^2
    np.testing.assert_allclose(
        xf.distillation_loss_grad(s, t, temperature=temperature), via_ce, rtol=1e-9, atol=1e-12
    )


@SETTINGS
@given(problem=problems())
def test_kl_and_cross_entropy_differ_by_the_teachers_entropy(problem) -> None:
    """T^2 H(p_T, q_T) = T^2 H(p_T) + T^2 KL(p_T || q_T): a different floor, the same slope."""
    s, t, _, temperature, _ = problem
    s, t = s.astype(np.float64), t.astype(np.float64)
    p = xf.softmax(t / temperature, dim=1)
    ce = temperature**2 * xf.cross_entropy(s / temperature, p, reduction="none")
    log_p = xf.log_softmax(t / temperature, dim=1)
    entropy = -np.sum(np.where(p > 0, p * log_p, 0), axis=1)
    kl = xf.distillation_loss(s, t, temperature=temperature, reduction="none")
    size = temperature**2 * (1 + np.abs(s).max() / temperature + np.abs(t).max() / temperature)
    np.testing.assert_allclose(ce, temperature**2 * entropy + kl, atol=1e-12 * size, rtol=1e-9)


def test_loss_is_zero_when_the_student_copies_the_teacher() -> None:
    rng = np.random.default_rng(0)
    t = rng.standard_normal((5, 4)) * 3
    for temperature in (0.5, 1.0, 4.0):
        assert abs(float(xf.distillation_loss(t + 7.0, t, temperature=temperature))) < 1e-12
        assert np.abs(xf.distillation_loss_grad(t + 7.0, t, temperature=temperature)).max() < 1e-12


def test_soft_gradient_tends_to_the_centred_logit_difference_over_c() -> None:
    """Hinton et al.'s high-temperature limit: T^2 * gradient -> (z - v - mean(z - v)) / C."""
    rng = np.random.default_rng(1)
    z, v = rng.standard_normal((3, 5)), rng.standard_normal((3, 5)) * 2
    d = z - v
    limit = (d - d.mean(axis=1, keepdims=True)) / 5
    errors = []
    for temperature in (10.0, 100.0, 1000.0):
        grad = xf.distillation_loss_grad(z, v, temperature=temperature, reduction="none")
        errors.append(np.abs(grad - limit).max())
    # the error falls as 1 / T: ten times smaller for each tenfold temperature
    assert errors[2] < 1e-2 and errors[0] > 5 * errors[1] > 25 * errors[2]
    # without the T^2 factor the gradient would vanish as 1 / T^2
    small = xf.distillation_loss_grad(z, v, temperature=1000.0, reduction="none") / 1000.0**2
    assert np.abs(small).max() < 1e-5


def test_alpha_mixes_the_soft_and_hard_terms() -> None:
    rng = np.random.default_rng(2)
    s, t, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), np.array([0, 2, 1, 1])
    soft = xf.distillation_loss(s, t, temperature=3.0)
    hard = xf.cross_entropy(s, y)
    mixed = xf.distillation_loss(s, t, y, temperature=3.0, alpha=0.3)
    np.testing.assert_allclose(mixed, 0.3 * soft + 0.7 * hard)
    np.testing.assert_allclose(xf.distillation_loss(s, t, y, alpha=0.0), hard)
    np.testing.assert_allclose(
        xf.distillation_loss_grad(s, t, y, alpha=0.0), xf.cross_entropy_grad(s, y)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input": np.zeros(3), "teacher": np.zeros(3)}, "shape \\(N, C\\)"),
        ({"input": np.zeros((2, 3)), "teacher": np.zeros((2, 4))}, "same examples"),
        ({"input": np.zeros((0, 3)), "teacher": np.zeros((0, 3))}, "at least one example"),
        ({"input": [[np.inf, 0.0]], "teacher": [[0.0, 0.0]]}, "finite"),
        ({"input": [[0.0, 0.0]], "teacher": [[np.nan, 0.0]]}, "NaN"),
        ({"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "temperature": 0.0}, "> 0"),
        ({"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "temperature": -2}, "> 0"),
        ({"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "temperature": np.inf}, "> 0"),
        ({"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "temperature": "4"}, "positive"),
        ({"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "alpha": 1.5}, "between 0 and 1"),
        ({"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "alpha": 0.5}, "target"),
        (
            {"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "target": [2], "alpha": 0.5},
            "class index 2",
        ),
        (
            {"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "target": [-100], "alpha": 0.5},
            "ignore_index",
        ),
        ({"input": [[0.0, 0.0]], "teacher": [[0.0, 0.0]], "reduction": "batchmean"}, "reduction"),
    ],
)
def test_bad_input_raises_a_clear_error(kwargs, message) -> None:
    for fn in (xf.distillation_loss, xf.distillation_loss_grad):
        with pytest.raises(ValueError, match=message):
            fn(**kwargs)
