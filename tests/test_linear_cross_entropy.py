"""xent.functional.linear_cross_entropy (and its gradient) agree with torch 2.13.

Each property test draws shapes, a chunk size (dividing the vocabulary or not), class weights,
label smoothing, ignored targets, a bias or none, a reduction and a dtype; it compares xent's
streamed value with torch's ``F.linear_cross_entropy`` (reference path) and xent's streamed
gradients with torch's autograd gradients of the same call.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xent import functional as xf

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Tolerance per dtype, relative to the size of the numbers compared.
RTOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-12}


@st.composite
def cases(draw) -> dict:
    """Random arguments of linear_cross_entropy, as NumPy arrays, and the torch equivalents."""
    dtype = np.dtype(draw(st.sampled_from([np.float32, np.float64])))
    batched = draw(st.sampled_from([True, True, True, False]))
    n = draw(st.integers(1, 9)) if batched else None
    d = draw(st.integers(1, 6))
    c = draw(st.integers(1, 23))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([0.1, 1.0, 5.0]))
    shape = (n, d) if batched else (d,)
    x = (rng.standard_normal(shape) * scale).astype(dtype)
    w = rng.standard_normal((c, d)).astype(dtype)
    y = rng.integers(0, c, shape[:-1])
    if batched and draw(st.booleans()):  # some padding
        y[rng.random(n) < 0.3] = -100
    kwargs: dict = {}
    if draw(st.booleans()):
        kwargs["linear_bias"] = rng.standard_normal(c).astype(dtype)
    if draw(st.booleans()):
        kwargs["weight"] = rng.uniform(0.1, 2.0, c).astype(dtype)
    kwargs["label_smoothing"] = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]))
    kwargs["reduction"] = draw(st.sampled_from(["mean", "sum", "none"]))
    chunk = draw(st.one_of(st.none(), st.integers(1, c + 2)))
    return {"x": x, "w": w, "y": y, "kwargs": kwargs, "chunk": chunk}


def _torch_call(case: dict, requires_grad: bool = False):
    tensors = {
        "x": torch.tensor(case["x"], requires_grad=requires_grad),
        "w": torch.tensor(case["w"], requires_grad=requires_grad),
    }
    kw = dict(case["kwargs"])
    if "linear_bias" in kw:
        bias = torch.tensor(kw["linear_bias"], requires_grad=requires_grad)
        kw["linear_bias"] = tensors["b"] = bias
    if "weight" in kw:
        kw["weight"] = torch.tensor(kw["weight"])
    loss = F.linear_cross_entropy(tensors["x"], tensors["w"], torch.tensor(case["y"]), **kw)
    return loss, tensors


def _close(name: str, ours, theirs: np.ndarray) -> None:
    ours = np.asarray(ours)
    assert ours.dtype == theirs.dtype, f"{name}: dtype {ours.dtype} != {theirs.dtype}"
    assert ours.shape == theirs.shape, f"{name}: shape {ours.shape} != {theirs.shape}"
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{name}: NaNs")
    ok = ~np.isnan(theirs)
    size = max(1.0, float(np.max(np.abs(theirs[ok]), initial=0.0)))
    np.testing.assert_allclose(
        ours[ok], theirs[ok], rtol=0, atol=RTOL[ours.dtype] * size * 10, err_msg=name
    )


@SETTINGS
@given(case=cases())
def test_value_matches_torch(case: dict) -> None:
    ours = xf.linear_cross_entropy(
        case["x"], case["w"], case["y"], chunk_size=case["chunk"], **case["kwargs"]
    )
    theirs, _ = _torch_call(case)
    _close("loss", ours, theirs.detach().numpy())


@SETTINGS
@given(case=cases())
def test_gradients_match_torch_autograd(case: dict) -> None:
    loss, tensors = _torch_call(case, requires_grad=True)
    loss.sum().backward()  # 'none': the gradient of the sum, as documented
    gx, gw, gb = xf.linear_cross_entropy_grad(
        case["x"], case["w"], case["y"], chunk_size=case["chunk"], **case["kwargs"]
    )
    _close("grad_input", gx, tensors["x"].grad.numpy())
    _close("grad_linear_weight", gw, tensors["w"].grad.numpy())
    if "b" in tensors:
        _close("grad_linear_bias", gb, tensors["b"].grad.numpy())
    else:
        assert gb is None


@settings(max_examples=40, deadline=None)
@given(
    chunk=st.integers(1, 40),
    seed=st.integers(0, 1000),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_chunk_size_changes_nothing_but_rounding(chunk: int, seed: int, dtype) -> None:
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((5, 4)).astype(dtype), rng.standard_normal((37, 4)).astype(dtype)
    y = rng.integers(0, 37, 5)
    whole = xf.cross_entropy(x @ w.T, y, label_smoothing=0.2)
    streamed = xf.linear_cross_entropy(x, w, y, label_smoothing=0.2, chunk_size=chunk)
    np.testing.assert_allclose(streamed, whole, rtol=RTOL[np.dtype(dtype)] * 10)
    g = xf.cross_entropy_grad(x @ w.T, y, label_smoothing=0.2)
    gx, gw, _ = xf.linear_cross_entropy_grad(x, w, y, label_smoothing=0.2, chunk_size=chunk)
    np.testing.assert_allclose(gx, g @ w, atol=RTOL[np.dtype(dtype)] * 10)
    np.testing.assert_allclose(gw, g.T @ x, atol=RTOL[np.dtype(dtype)] * 10)


def test_large_logits_do_not_overflow() -> None:
    """Logits of about 3000 overflow exp() in float32; the running maximum keeps them finite."""
    x = np.full((2, 3), 30.0, dtype=np.float32)
    w = np.array([[40.0, 30.0, 30.0], [-40.0, 0.0, 0.0], [0.0, 0.0, 35.0]], dtype=np.float32)
    y = np.array([1, 2])
    ours = xf.linear_cross_entropy(x, w, y, chunk_size=1)
    assert np.isfinite(ours)
    theirs = F.linear_cross_entropy(torch.tensor(x), torch.tensor(w), torch.tensor(y))
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6)
    assert all(np.isfinite(g).all() for g in xf.linear_cross_entropy_grad(x, w, y)[:2])


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    margin=st.sampled_from([5.0, 30.0, 200.0, 2000.0]),
    chunk=st.one_of(st.none(), st.integers(1, 70)),
    smoothing=st.sampled_from([0.0, 0.0, 0.1]),
    weighted=st.booleans(),
    biased=st.booleans(),
)
def test_per_row_losses_are_never_negative_in_float32(
    seed: int, margin: float, chunk: int | None, smoothing: float, weighted: bool, biased: bool
) -> None:
    """Confident, correct rows: the target's logit leads by ``margin``, the loss is about 0.

    The true loss of each row is > 0; summed in a different order from the log-sum-exp, the
    target's logit could exceed it by rounding (down to -1.5e-3 before), which torch never
    gives. Rows with their target ignored are 0.
    """
    rng = np.random.default_rng(seed)
    n, d, c = 12, 16, 64
    w = rng.standard_normal((c, d)).astype(np.float32)
    y = rng.integers(0, c, n)
    x = (margin / d * w[y] + rng.standard_normal((n, d)) * 0.01).astype(np.float32)
    y[rng.random(n) < 0.2] = -100
    kwargs: dict = {"label_smoothing": smoothing, "chunk_size": chunk}
    if weighted:
        kwargs["weight"] = rng.uniform(0.0, 2.0, c).astype(np.float32)
    if biased:
        kwargs["linear_bias"] = (rng.standard_normal(c) * margin / 10).astype(np.float32)
    rows = xf.linear_cross_entropy(x, w, y, reduction="none", **kwargs)
    assert rows.dtype == np.float32
    assert (rows >= 0).all(), rows.min()
    assert (rows[y == -100] == 0).all()
    with_grad, _ = xf.linear_cross_entropy_with_grad(x, w, y, reduction="none", **kwargs)
    np.testing.assert_array_equal(with_grad, rows)


def test_all_ignored_mean_is_nan_and_gradients_are_zero_as_in_torch() -> None:
    x, w, b = np.ones((3, 2)), np.ones((4, 2)), np.zeros(4)
    y = np.full(3, -100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(xf.linear_cross_entropy(x, w, y))
        gx, gw, gb = xf.linear_cross_entropy_grad(x, w, y, linear_bias=b)
    assert not gx.any() and not gw.any() and not gb.any()
    leaves = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    loss = F.linear_cross_entropy(leaves[0], leaves[1], torch.tensor(y), linear_bias=leaves[2])
    loss.backward()
    assert torch.isnan(loss)
    assert all(not t.grad.any() for t in leaves)  # torch: zeros too


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_every_counted_target_of_weight_0_mean_is_nan_gradients_zero_where_torch_gives_nan(
    smoothing: float,
) -> None:
    """The documented difference: torch's gradients are NaN here, xent's are zeros."""
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 2)), np.zeros(4)
    y, weight = np.array([0, 1, -100]), np.array([0.0, 0.0, 1.0, 1.0])
    kwargs = {"weight": weight, "label_smoothing": smoothing}
    loss, (gx, gw, gb) = xf.linear_cross_entropy_with_grad(x, w, y, linear_bias=b, **kwargs)
    assert np.isnan(loss) and np.isnan(xf.linear_cross_entropy(x, w, y, **kwargs))
    assert not gx.any() and not gw.any() and not gb.any()
    leaves = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = F.linear_cross_entropy(
        leaves[0],
        leaves[1],
        torch.tensor(y),
        linear_bias=leaves[2],
        weight=torch.tensor(weight),
        label_smoothing=smoothing,
    )
    theirs.backward()
    assert torch.isnan(theirs)
    # torch: NaN, as the docstring says (an ignored row's input gradient stays 0)
    assert torch.isnan(leaves[0].grad[:2]).all() and not leaves[0].grad[2].any()
    assert torch.isnan(leaves[1].grad).all() and torch.isnan(leaves[2].grad).all()


@settings(max_examples=40, deadline=None)
@given(case=cases())
def test_loss_with_gradients_is_the_loss_and_the_gradients(case: dict) -> None:
    kwargs = {**case["kwargs"], "chunk_size": case["chunk"]}
    loss, grads = xf.linear_cross_entropy_with_grad(case["x"], case["w"], case["y"], **kwargs)
    np.testing.assert_array_equal(
        loss, xf.linear_cross_entropy(case["x"], case["w"], case["y"], **kwargs)
    )
    for ours, alone in zip(
        grads, xf.linear_cross_entropy_grad(case["x"], case["w"], case["y"], **kwargs), strict=True
    ):
        np.testing.assert_array_equal(ours, alone)


def test_loss_and_gradients_make_two_passes_over_the_vocabulary(monkeypatch) -> None:
    """Each chunk's logits are computed twice for loss + gradients, not three times."""
    calls = []
    original = xf._chunk_logits
    monkeypatch.setattr(xf, "_chunk_logits", lambda *a: calls.append(a[-1]) or original(*a))
    rng = np.random.default_rng(0)
    x, w, y = rng.standard_normal((6, 3)), rng.standard_normal((10, 3)), rng.integers(0, 10, 6)
    xf.linear_cross_entropy_with_grad(x, w, y, chunk_size=4, label_smoothing=0.1)
    assert len(calls) == 2 * 3  # chunks 0-3, 4-7, 8-9, in two passes
    calls.clear()
    xf.linear_cross_entropy(x, w, y, chunk_size=4, label_smoothing=0.1)
    assert len(calls) == 3


def test_ignore_index_none_means_minus_100_and_can_be_changed() -> None:
    x, w = np.eye(3), np.eye(3)
    y = np.array([0, -100, 2])
    a = xf.linear_cross_entropy(x, w, y)
    assert a == xf.linear_cross_entropy(x, w, y, ignore_index=-100)
    b = xf.linear_cross_entropy(x, w, np.array([0, 7, 2]), ignore_index=7)
    assert a == b


def test_default_chunk_keeps_about_a_million_logits() -> None:
    x, w = np.zeros((4096, 2), dtype=np.float32), np.zeros((1000, 2), dtype=np.float32)
    *_, chunk = xf._linear_ce_args(x, w, np.zeros(4096, int), None, None, "mean", None, 0.0, None)
    assert chunk == 2**20 // 4096
    *_, chunk = xf._linear_ce_args(x[:1], w, np.zeros(1, int), None, None, "mean", None, 0.0, None)
    assert chunk == 1000  # never more than the vocabulary


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": np.ones((2, 3, 4))}, "flatten them first"),
        ({"w": np.ones((5, 3))}, "input has 4 features but linear_weight has 3 columns"),
        ({"w": np.ones((0, 4))}, "no classes"),
        ({"y": np.array([0.0, 1.0])}, "class indices"),
        ({"y": np.array([0, 5])}, "class index 5"),
        ({"y": np.array([0])}, "one class index per example"),
        ({"linear_bias": np.ones(4)}, "linear_bias must hold one number per class"),
        ({"weight": np.ones(3)}, "weight must hold one number per class"),
        ({"chunk_size": 0}, "chunk_size must be at least 1"),
        ({"chunk_size": 2.5}, "chunk_size must be a whole number"),
        ({"reduction": "avg"}, "reduction must be one of"),
        ({"label_smoothing": 1.5}, "label_smoothing"),
        (
            {"x": np.array([[np.nan] * 4, [0.0] * 4])},
            "input must hold finite numbers; it contains NaN",
        ),
        ({"w": np.full((5, 4), np.nan)}, "linear_weight must hold finite numbers; it contains NaN"),
        ({"linear_bias": np.array([0.0, np.nan, 0, 0, 0])}, "linear_bias .* contains NaN"),
        ({"w": np.full((5, 4), np.inf)}, "finite numbers; it contains inf"),
        (
            {"x": np.full((2, 4), 1e30, np.float32), "w": np.full((5, 4), 1e30, np.float32)},
            "overflow",
        ),
        ({"ignore_index": 1.5}, "ignore_index must be an integer"),
    ],
)
def test_bad_input_raises_a_clear_value_error(kwargs: dict, message: str) -> None:
    args = {"x": np.ones((2, 4)), "w": np.ones((5, 4)), "y": np.array([0, 1])}
    args.update(kwargs)
    x, w, y = args.pop("x"), args.pop("w"), args.pop("y")
    fns = (xf.linear_cross_entropy, xf.linear_cross_entropy_grad, xf.linear_cross_entropy_with_grad)
    for fn in fns:
        with pytest.raises(ValueError, match=message) as err:
            fn(x, w, y, **args)
        assert "a probability must be" not in str(err.value)
