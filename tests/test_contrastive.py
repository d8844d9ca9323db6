"""xent.functional.info_nce and its gradient, against torch's F.cross_entropy and autograd."""

from __future__ import annotations

import math

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
def similarity_problems(draw):
    """A similarity matrix (N, M), M >= N (square when symmetric), and the loss's options."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    symmetric = draw(st.booleans())
    n = draw(st.integers(1, 7))
    m = n if symmetric else n + draw(st.integers(0, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([0.01, 1.0, 10.0, 1e3]))  # 1e3: extreme, confident rows
    s = (rng.standard_normal((n, m)) * scale).astype(dtype)
    temperature = draw(st.sampled_from([0.01, 0.07, 0.5, 1.0, 3.0]))
    return s, temperature, symmetric


def torch_info_nce(s, temperature, symmetric, reduction):
    """InfoNCE the way PyTorch code writes it: cross-entropy with labels arange(N)."""
    labels = torch.arange(s.shape[0])
    loss = F.cross_entropy(s / temperature, labels, reduction=reduction)
    if symmetric:
        loss = 0.5 * (loss + F.cross_entropy(s.T / temperature, labels, reduction=reduction))
    return loss


@SETTINGS
@given(problem=similarity_problems(), reduction=st.sampled_from(REDUCTIONS))
def test_similarity_matrix_matches_torch_cross_entropy_and_autograd(problem, reduction) -> None:
    s, temperature, symmetric = problem
    s64 = torch.tensor(s.astype(np.float64), requires_grad=True)
    ref = torch_info_nce(s64, temperature, symmetric, reduction)
    ref.sum().backward()
    ours = xf.info_nce(s, temperature=temperature, symmetric=symmetric, reduction=reduction)
    grad = xf.info_nce_grad(s, temperature=temperature, symmetric=symmetric, reduction=reduction)
    assert ours.dtype == s.dtype and grad.dtype == s.dtype and grad.shape == s.shape
    assert ours.shape == ref.shape
    assert (ours >= 0).all()  # a cross-entropy: never below 0, even for confident rows
    tol = TOL[s.dtype]
    # float32 rounds the logits s / t, which can be 1e5: compare relative to their size
    atol = tol * max(1.0, float(np.abs(s).max()) / temperature) if s.dtype == np.float32 else tol
    np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=tol, atol=atol)
    np.testing.assert_allclose(grad, s64.grad.numpy(), rtol=10 * tol, atol=10 * tol / temperature)


@st.composite
def embedding_problems(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 6))
    extra = draw(st.integers(0, 3))
    d = draw(st.integers(1, 5))
    scale = draw(st.sampled_from([0.1, 1.0, 30.0]))
    q = rng.standard_normal((n, d)) * scale
    k = rng.standard_normal((n + extra, d)) * scale
    return q, k


@SETTINGS
@given(
    problem=embedding_problems(),
    normalize=st.booleans(),
    temperature=st.sampled_from([0.05, 0.5, 2.0]),
    reduction=st.sampled_from(REDUCTIONS),
)
def test_embeddings_match_torch_autograd(problem, normalize, temperature, reduction) -> None:
    q, k = problem
    tq = torch.tensor(q, requires_grad=True)
    tk = torch.tensor(k, requires_grad=True)
    a, b = (F.normalize(tq, dim=1), F.normalize(tk, dim=1)) if normalize else (tq, tk)
    ref = torch_info_nce(a @ b.T, temperature, False, reduction)
    ref.sum().backward()
    kwargs = dict(temperature=temperature, normalize=normalize, reduction=reduction)
    ours = xf.info_nce(q, k, **kwargs)
    g_q, g_k = xf.info_nce_grad(q, k, **kwargs)
    np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=1e-9, atol=1e-9)
    atol = 1e-9 * max(1.0, float(np.abs(q).max() * np.abs(k).max()) / temperature)
    np.testing.assert_allclose(g_q, tq.grad.numpy(), rtol=1e-8, atol=atol)
    np.testing.assert_allclose(g_k, tk.grad.numpy(), rtol=1e-8, atol=atol)


@SETTINGS
@given(problem=embedding_problems())
def test_symmetric_embeddings_match_torch_autograd(problem) -> None:
    q, k = problem
    k = k[: len(q)]
    tq = torch.tensor(q, requires_grad=True)
    tk = torch.tensor(k, requires_grad=True)
    ref = torch_info_nce(F.normalize(tq, dim=1) @ F.normalize(tk, dim=1).T, 0.1, True, "mean")
    ref.backward()
    g_q, g_k = xf.info_nce_grad(q, k, temperature=0.1, symmetric=True)
    np.testing.assert_allclose(xf.info_nce(q, k, temperature=0.1, symmetric=True), ref.item())
    np.testing.assert_allclose(g_q, tq.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(g_k, tk.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_equal_similarities_give_log_n_and_the_bound_zero() -> None:
    for n in (1, 2, 10, 257):
        loss = xf.info_nce(np.full((n, n), 3.0), temperature=0.1)
        assert math.isclose(float(loss), math.log(n), abs_tol=1e-12)


def test_the_loss_is_zero_only_in_the_limit_and_the_bound_never_passes_log_n() -> None:
    s = np.eye(4) * 1e4  # each positive overwhelmingly the most similar
    loss = float(xf.info_nce(s, temperature=1.0))
    assert 0 <= loss < 1e-300 or loss == 0.0
    assert math.log(4) - loss <= math.log(4)
    rng = np.random.default_rng(0)
    for _ in range(50):
        s = rng.standard_normal((8, 8)) * rng.uniform(0.1, 100)
        assert float(xf.info_nce(s)) >= 0


def test_extra_candidates_are_negatives_for_every_query() -> None:
    rng = np.random.default_rng(1)
    s = rng.standard_normal((3, 5))
    loss = xf.info_nce(s, temperature=0.7, reduction="none")
    by_hand = [np.log(np.exp(s[i] / 0.7).sum()) - s[i, i] / 0.7 for i in range(3)]
    np.testing.assert_allclose(loss, by_hand)


def test_symmetric_none_is_the_mean_of_row_and_column_losses_per_pair() -> None:
    rng = np.random.default_rng(2)
    s = rng.standard_normal((4, 4))
    rows = xf.info_nce(s, reduction="none")
    cols = xf.info_nce(s.T, reduction="none")
    np.testing.assert_allclose(xf.info_nce(s, symmetric=True, reduction="none"), (rows + cols) / 2)


def test_the_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    s = rng.standard_normal((4, 4))
    g = xf.info_nce_grad(s, temperature=0.3, symmetric=True)
    h = 1e-6
    for i, j in [(0, 0), (1, 2), (3, 1)]:
        e = np.zeros_like(s)
        e[i, j] = h
        up = xf.info_nce(s + e, temperature=0.3, symmetric=True)
        down = xf.info_nce(s - e, temperature=0.3, symmetric=True)
        assert math.isclose(g[i, j], float(up - down) / (2 * h), rel_tol=1e-6, abs_tol=1e-9)


def test_the_normalised_gradient_ignores_the_embeddings_length() -> None:
    rng = np.random.default_rng(4)
    q, k = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    g_q, g_k = xf.info_nce_grad(q, k, temperature=0.2)
    np.testing.assert_allclose((g_q * q).sum(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose((g_k * k).sum(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(
        xf.info_nce(3 * q, k, temperature=0.2), xf.info_nce(q, k, temperature=0.2)
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((np.zeros((3, 2)),), {}, "only 2 candidates"),
        ((np.zeros((2, 3)),), {"symmetric": True}, "square"),
        ((np.zeros(3),), {}, "shape"),
        ((np.zeros((0, 0)),), {}, "N >= 1"),
        ((np.zeros((2, 2)),), {"temperature": 0.0}, "temperature"),
        ((np.zeros((2, 2)),), {"temperature": -1.0}, "temperature"),
        ((np.zeros((2, 2)),), {"temperature": float("inf")}, "temperature"),
        ((np.zeros((2, 2)),), {"temperature": True}, "temperature"),
        ((np.zeros((2, 2)),), {"reduction": "avg"}, "reduction"),
        ((np.array([[0.0, np.nan], [0.0, 0.0]]),), {}, "NaN"),
        ((np.array([[0.0, np.inf], [0.0, 0.0]]),), {}, "inf"),
        ((np.array([[1e300, 0.0], [0.0, 0.0]]),), {"temperature": 1e-10}, "overflow"),
        ((np.ones((2, 3)), np.ones((2, 4))), {}, "D = 3"),
        ((np.array([[1.0, 0.0], [0.0, 0.0]]), np.ones((2, 2))), {}, "zero vector"),
        ((np.zeros((2, 2)),), {"symmetric": "yes"}, "True or False"),
    ],
)
def test_mistakes_get_a_clear_value_error(args, kwargs, message) -> None:
    for fn in (xf.info_nce, xf.info_nce_grad):
        with pytest.raises(ValueError, match=message):
            fn(*args, **kwargs)


def test_zero_embeddings_are_fine_without_normalising() -> None:
    q = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert math.isclose(float(xf.info_nce(q, q, normalize=False)), float(xf.info_nce(q @ q.T)))
