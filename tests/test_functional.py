"""xent.functional agrees with torch.nn.functional 2.13 on random shapes, options and dtypes.

Every property test draws a shape, a dtype (float32 or float64), the options and a seed, builds
the same arrays for both libraries, and compares values, dtypes and shapes. The largest
absolute (and relative) difference seen per dtype and function is printed when the module
finishes, under the line ``xent.functional vs torch: largest differences``.
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xent import functional as xf

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DTYPES = [np.float32, np.float64]
#: Rounding unit per dtype; tolerances are a few of these, scaled by the size of the numbers.
EPS = {np.dtype(np.float32): float(np.finfo(np.float32).eps), np.dtype(np.float64): 2.2e-16}

#: Largest |xent - torch| per dtype (and per function) over every comparison in this module,
#: and the same divided by max(1, largest |torch value|) of the compared array.
MAX_DIFF: dict[str, float] = defaultdict(float)
MAX_REL: dict[str, float] = defaultdict(float)


@pytest.fixture(scope="module", autouse=True)
def report_max_differences(request: pytest.FixtureRequest):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not MAX_DIFF:
        return
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_sep("-", "xent.functional vs torch: largest differences")
        reporter.write_line(f"{'dtype and function':<45} {'absolute':>10} {'relative':>10}")
        for key in sorted(MAX_DIFF):
            reporter.write_line(f"{key:<45} {MAX_DIFF[key]:10.3e} {MAX_REL[key]:10.3e}")


def compare(name: str, ours, theirs: torch.Tensor, scale: float = 1.0, ulps: float = 64) -> None:
    """Assert ours == theirs up to ``ulps`` rounding units times ``scale``; record the gap."""
    expected = theirs.detach().numpy()
    ours = np.asarray(ours)
    assert ours.dtype == expected.dtype, f"{name}: dtype {ours.dtype} != torch {expected.dtype}"
    assert ours.shape == expected.shape, f"{name}: shape {ours.shape} != torch {expected.shape}"
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected), err_msg=f"{name}: NaNs")
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(ours[~finite], expected[~finite], err_msg=f"{name}: inf")
    if not finite.any():
        return
    diff = float(np.max(np.abs(ours[finite].astype(np.float64) - expected[finite])))
    size = float(np.max(np.abs(expected[finite])))
    tol = ulps * EPS[ours.dtype] * (scale + size)
    assert diff <= tol, f"{name} ({ours.dtype}): |xent - torch| = {diff:.3g} > {tol:.3g}"
    for key in (str(ours.dtype), f"{ours.dtype} {name}"):
        MAX_DIFF[key] = max(MAX_DIFF[key], diff)
        MAX_REL[key] = max(MAX_REL[key], diff / max(1.0, size))


# ---------------------------------------------------------------- random inputs


@st.composite
def class_shapes(draw) -> tuple[int, ...]:
    """(C), (N, C) or (N, C, d1, ..., dk) with small sizes."""
    ndim = draw(st.sampled_from([1, 2, 2, 2, 3, 4]))
    n_classes = draw(st.integers(1, 7))
    if ndim == 1:
        return (n_classes,)
    batch = draw(st.integers(1, 6))
    extra = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim - 2, max_size=ndim - 2)))
    return (batch, n_classes, *extra)


def logits(rng: np.random.Generator, shape, dtype, scale: float, extreme: bool) -> np.ndarray:
    """Gaussian logits of the given scale; with ``extreme``, some entries set to +-1e4."""
    x = np.array(rng.standard_normal(shape) * scale)
    if extreme:
        mask = np.asarray(rng.random(shape) < 0.3)
        x[mask] = rng.choice([-1e4, 1e4], size=int(mask.sum()))
    return x.astype(dtype)


common = {
    "seed": st.integers(0, 2**32 - 1),
    "dtype": st.sampled_from(DTYPES),
    "scale": st.sampled_from([0.1, 1.0, 10.0, 300.0]),
    "extreme": st.booleans(),
}


def class_dim(shape) -> int:
    return 0 if len(shape) == 1 else 1


def index_targets(rng, shape, ignore_index: int, ignore_fraction: float) -> np.ndarray:
    """Random class indices of the batch shape, some replaced by ``ignore_index``."""
    n_classes = shape[class_dim(shape)]
    batch = () if len(shape) == 1 else (shape[0], *shape[2:])
    t = rng.integers(0, n_classes, size=batch)
    drop = rng.random(batch) < ignore_fraction
    return np.where(drop, ignore_index, t).astype(np.int64)


def probability_targets(rng, shape, dtype, kind: str) -> np.ndarray:
    """Soft targets along the class axis: dirichlet rows or one-hot rows (as floats)."""
    dim = class_dim(shape)
    if kind == "onehot":
        idx = rng.integers(0, shape[dim], size=shape)
        first = np.argmax(idx == idx.max(axis=dim, keepdims=True), axis=dim)
        p = np.moveaxis(np.eye(shape[dim])[first], -1, dim)
    else:
        g = rng.gamma(0.5, size=shape) + 1e-12
        p = g / g.sum(axis=dim, keepdims=True)
    return p.astype(dtype)


# ---------------------------------------------------------------- softmax and log_softmax


@SETTINGS
@given(shape=class_shapes(), data=st.data(), **common)
def test_softmax_and_log_softmax_match_torch(shape, data, seed, dtype, scale, extreme) -> None:
    rng = np.random.default_rng(seed)
    x = logits(rng, shape, dtype, scale, extreme)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    xt = torch.from_numpy(x)
    compare("softmax", xf.softmax(x, dim=dim), F.softmax(xt, dim=dim))
    top = float(np.abs(x).max())
    compare("log_softmax", xf.log_softmax(x, dim=dim), F.log_softmax(xt, dim=dim), top)


# ---------------------------------------------------------------- cross_entropy and nll_loss


@st.composite
def index_options(draw, shape):
    n_classes = shape[class_dim(shape)]
    return {
        "ignore_index": draw(st.sampled_from([-100, 0, n_classes - 1, 3])),
        "ignore_fraction": draw(st.sampled_from([0.0, 0.3, 1.0])),  # 1.0: all ignored
        "weighted": draw(st.booleans()),
        "reduction": draw(st.sampled_from(["none", "mean", "sum"])),
        "label_smoothing": draw(st.sampled_from([0.0, 0.0, 0.1, 0.37, 1.0])),
    }


@SETTINGS
@given(shape=class_shapes(), data=st.data(), **common)
def test_cross_entropy_with_class_indices(shape, data, seed, dtype, scale, extreme) -> None:
    opts = data.draw(index_options(shape), label="options")
    rng = np.random.default_rng(seed)
    x = logits(rng, shape, dtype, scale, extreme)
    n_classes = shape[class_dim(shape)]
    y = index_targets(rng, shape, opts["ignore_index"], opts["ignore_fraction"])
    w = rng.uniform(0.0, 3.0, n_classes).astype(dtype) if opts["weighted"] else None
    kwargs = {
        "weight": w,
        "ignore_index": opts["ignore_index"],
        "reduction": opts["reduction"],
        "label_smoothing": opts["label_smoothing"],
    }
    xt = torch.from_numpy(x).requires_grad_(True)
    tkw = {**kwargs, "weight": None if w is None else torch.from_numpy(w)}
    loss = F.cross_entropy(xt, torch.from_numpy(y), **tkw)
    top = float(np.abs(x).max())
    # the loss is a difference of two numbers as large as the logits: scale the tolerance
    compare("cross_entropy", xf.cross_entropy(x, y, **kwargs), loss, top * n_classes)
    loss.sum().backward()
    compare("cross_entropy_grad", xf.cross_entropy_grad(x, y, **kwargs), xt.grad, 1.0)


@SETTINGS
@given(shape=class_shapes(), data=st.data(), **common)
def test_cross_entropy_with_probabilities(shape, data, seed, dtype, scale, extreme) -> None:
    kind = data.draw(st.sampled_from(["dirichlet", "onehot"]), label="kind")
    weighted = data.draw(st.booleans(), label="weighted")
    reduction = data.draw(st.sampled_from(["none", "mean", "sum"]), label="reduction")
    smoothing = data.draw(st.sampled_from([0.0, 0.2, 1.0]), label="label_smoothing")
    rng = np.random.default_rng(seed)
    x = logits(rng, shape, dtype, scale, extreme)
    p = probability_targets(rng, shape, dtype, kind)
    n_classes = shape[class_dim(shape)]
    w = rng.uniform(0.0, 3.0, n_classes).astype(dtype) if weighted else None
    kwargs = {"weight": w, "reduction": reduction, "label_smoothing": smoothing}
    xt = torch.from_numpy(x).requires_grad_(True)
    tkw = {**kwargs, "weight": None if w is None else torch.from_numpy(w)}
    loss = F.cross_entropy(xt, torch.from_numpy(p), **tkw)
    top = float(np.abs(x).max())
    compare("cross_entropy (probabilities)", xf.cross_entropy(x, p, **kwargs), loss, top)
    loss.sum().backward()
    compare("cross_entropy_grad (probabilities)", xf.cross_entropy_grad(x, p, **kwargs), xt.grad)


@SETTINGS
@given(shape=class_shapes(), data=st.data(), **common)
def test_nll_loss_matches_torch(shape, data, seed, dtype, scale, extreme) -> None:
    opts = data.draw(index_options(shape), label="options")
    rng = np.random.default_rng(seed)
    x = logits(rng, shape, dtype, scale, extreme)
    logp = F.log_softmax(torch.from_numpy(x), dim=class_dim(shape)).numpy()
    y = index_targets(rng, shape, opts["ignore_index"], opts["ignore_fraction"])
    w = rng.uniform(0.0, 3.0, shape[class_dim(shape)]).astype(dtype) if opts["weighted"] else None
    kwargs = {"ignore_index": opts["ignore_index"], "reduction": opts["reduction"]}
    ours = xf.nll_loss(logp, y, weight=w, **kwargs)
    theirs = F.nll_loss(
        torch.from_numpy(logp),
        torch.from_numpy(y),
        weight=None if w is None else torch.from_numpy(w),
        **kwargs,
    )
    compare("nll_loss", ours, theirs)


def test_the_three_ways_agree() -> None:
    """cross_entropy == nll_loss(log_softmax) == mean of -log softmax[target]."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 5))
    y = rng.integers(0, 5, 8)
    a = xf.cross_entropy(x, y)
    b = xf.nll_loss(xf.log_softmax(x, dim=1), y)
    c = np.mean(-np.log(xf.softmax(x, dim=1)[np.arange(8), y]))
    np.testing.assert_allclose([a, b], [c, c], rtol=1e-12)


def test_all_ignored_mean_is_nan_without_a_warning() -> None:
    x = np.zeros((3, 4))
    y = np.full(3, -100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(xf.cross_entropy(x, y))
        assert np.isnan(xf.cross_entropy(x, y, label_smoothing=0.1, weight=np.ones(4)))
        assert np.isnan(xf.nll_loss(x - np.log(4), y))
        assert xf.cross_entropy(x, y, reduction="sum") == 0
        assert np.all(xf.cross_entropy(x, y, reduction="none") == 0)
        np.testing.assert_array_equal(xf.cross_entropy_grad(x, y), np.zeros((3, 4)))


def test_weighted_mean_divides_by_the_total_weight() -> None:
    logp = np.log(np.array([[0.5, 0.5], [0.25, 0.75], [0.9, 0.1]]))
    y = np.array([0, 1, 1])
    w = np.array([1.0, 4.0])
    per_example = xf.nll_loss(logp, y, weight=w, reduction="none")
    np.testing.assert_allclose(per_example, -w[y] * logp[np.arange(3), y])
    np.testing.assert_allclose(xf.nll_loss(logp, y, weight=w), per_example.sum() / 9.0)


# ---------------------------------------------------------------- binary cross-entropy


@st.composite
def binary_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=0, max_size=3)))
    weight_kind = draw(st.sampled_from([None, "full", "last"]))
    reduction = draw(st.sampled_from(["none", "mean", "sum"]))
    hard = draw(st.booleans())
    return shape, weight_kind, reduction, hard


def binary_weight(rng, shape, kind, dtype):
    if kind is None:
        return None
    wshape = shape if kind == "full" else shape[-1:]
    return rng.uniform(0.0, 2.0, wshape).astype(dtype)


def binary_targets(rng, shape, dtype, hard: bool) -> np.ndarray:
    t = rng.integers(0, 2, shape) if hard else rng.random(shape)
    return np.asarray(t, dtype=dtype)


@SETTINGS
@given(case=binary_case(), seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(DTYPES))
def test_binary_cross_entropy_matches_torch(case, seed, dtype) -> None:
    shape, weight_kind, reduction, hard = case
    rng = np.random.default_rng(seed)
    p = rng.random(shape)
    saturated = rng.random(shape) < 0.2  # exact 0s and 1s exercise the clamp at -100
    p = np.where(saturated, rng.integers(0, 2, shape), p).astype(dtype)
    t = binary_targets(rng, shape, dtype, hard)
    w = binary_weight(rng, shape, weight_kind, dtype)
    ours = xf.binary_cross_entropy(p, t, weight=w, reduction=reduction)
    theirs = F.binary_cross_entropy(
        torch.from_numpy(np.asarray(p)),
        torch.from_numpy(np.asarray(t)),
        weight=None if w is None else torch.from_numpy(w),
        reduction=reduction,
    )
    compare("binary_cross_entropy", ours, theirs)


@SETTINGS
@given(
    case=binary_case(),
    pos=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from(DTYPES),
    scale=common["scale"],
    extreme=st.booleans(),
)
def test_bce_with_logits_matches_torch(case, pos, seed, dtype, scale, extreme) -> None:
    shape, weight_kind, reduction, hard = case
    rng = np.random.default_rng(seed)
    x = np.asarray(logits(rng, shape, dtype, scale, extreme))
    t = binary_targets(rng, shape, dtype, hard)
    w = binary_weight(rng, shape, weight_kind, dtype)
    pw = rng.uniform(0.0, 5.0, shape[-1:]).astype(dtype) if pos else None
    ours = xf.binary_cross_entropy_with_logits(x, t, w, reduction, pos_weight=pw)
    theirs = F.binary_cross_entropy_with_logits(
        torch.from_numpy(x),
        torch.from_numpy(t),
        weight=None if w is None else torch.from_numpy(w),
        reduction=reduction,
        pos_weight=None if pw is None else torch.from_numpy(pw),
    )
    compare("binary_cross_entropy_with_logits", ours, theirs, float(np.abs(x).max(initial=0)))


# ---------------------------------------------------------------- kl_div and mse_loss


@SETTINGS
@given(
    shape=class_shapes(),
    reduction=st.sampled_from(["none", "mean", "batchmean", "sum"]),
    log_target=st.booleans(),
    zeros=st.booleans(),
    **common,
)
def test_kl_div_matches_torch(shape, reduction, log_target, zeros, seed, dtype, scale, extreme):
    rng = np.random.default_rng(seed)
    dim = class_dim(shape)
    x = logits(rng, shape, dtype, scale, extreme)
    logq = F.log_softmax(torch.from_numpy(x), dim=dim).numpy()
    p = probability_targets(rng, shape, dtype, "onehot" if zeros else "dirichlet")
    if log_target:
        p = F.log_softmax(torch.from_numpy(logits(rng, shape, dtype, scale, False)), dim).numpy()
    ours = xf.kl_div(logq, p, reduction=reduction, log_target=log_target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that 'mean' is not 'batchmean'
        theirs = F.kl_div(
            torch.from_numpy(logq),
            torch.from_numpy(p),
            reduction=reduction,
            log_target=log_target,
        )
    compare("kl_div", ours, theirs, float(np.abs(logq).max()))


@SETTINGS
@given(
    shape=st.lists(st.integers(1, 5), min_size=0, max_size=3).map(tuple),
    reduction=st.sampled_from(["none", "mean", "sum"]),
    weighted=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from(DTYPES),
    scale=common["scale"],
)
def test_mse_loss_matches_torch(shape, reduction, weighted, seed, dtype, scale) -> None:
    rng = np.random.default_rng(seed)
    x, t = (np.asarray(rng.standard_normal(shape) * scale, dtype=dtype) for _ in range(2))
    w = np.asarray(rng.uniform(0.1, 2.0, shape), dtype=dtype) if weighted else None
    ours = xf.mse_loss(x, t, reduction=reduction, weight=w)
    theirs = F.mse_loss(
        torch.from_numpy(x),
        torch.from_numpy(t),
        reduction=reduction,
        weight=None if w is None else torch.from_numpy(w),
    )
    compare("mse_loss", ours, theirs)


def test_kl_div_zero_target_terms_are_zero() -> None:
    """0 log 0 = 0 even where the model's log-probability is -inf (torch gives NaN there)."""
    logq = np.array([[-np.inf, 0.0]])
    assert xf.kl_div(logq, np.array([[0.0, 1.0]]), reduction="sum") == 0.0
    assert xf.kl_div(logq, np.array([[-np.inf, 0.0]]), reduction="sum", log_target=True) == 0.0


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xf.cross_entropy(np.zeros((2, 3)), [0, 3]), "class index 3"),
        (lambda: xf.cross_entropy(np.zeros((2, 3)), [0, -1]), "class index -1"),
        (lambda: xf.cross_entropy(np.zeros((2, 3)), [0, 1, 2]), "shape"),
        (lambda: xf.cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])), "integer"),
        (lambda: xf.cross_entropy(np.zeros((2, 3)), np.eye(3, dtype=int)[:2]), "floating"),
        (lambda: xf.cross_entropy(np.zeros((2, 3)), [0, 1], weight=[1, 2]), "one number per"),
        (lambda: xf.cross_entropy(np.zeros((2, 3)), [0, 1], reduction="avg"), "reduction"),
        (lambda: xf.cross_entropy(np.zeros((2, 3)), [0, 1], label_smoothing=1.5), "between"),
        (lambda: xf.cross_entropy([[np.nan, 0.0]], [0]), "NaN"),
        (lambda: xf.cross_entropy([[np.inf, 0.0]], [0]), "finite"),
        (lambda: xf.cross_entropy(np.zeros((2, 3)), np.full((2, 3), 2.0)), "above 1"),
        (lambda: xf.cross_entropy(3.0, 0), "class axis"),
        (lambda: xf.nll_loss([[0.2, 0.8]], [1]), "log-probabilities"),
        (lambda: xf.binary_cross_entropy([1.5, 0.5], [1.0, 0.0]), "with_logits"),
        (lambda: xf.binary_cross_entropy([0.5, 0.5], [1.0, 2.0]), "above 1"),
        (lambda: xf.binary_cross_entropy([0.5, 0.5], [1.0]), "shape"),
        (lambda: xf.binary_cross_entropy_with_logits([2.0], [-1.0]), "negative"),
        (lambda: xf.binary_cross_entropy_with_logits([2.0], [1.0], weight=[1, 2]), "broadcast"),
        (lambda: xf.kl_div([[0.5, 0.5]], [[0.9, 0.1]]), "log_q, p"),
        (lambda: xf.kl_div(np.log([[0.9, 0.1]]), np.log([[0.5, 0.5]])), "log_target=True"),
        (lambda: xf.kl_div([[-1.0]], [[0.5]], reduction="avg"), "batchmean"),
        (lambda: xf.mse_loss([1.0, 2.0], [1.0]), "shape"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_softmax_signature_is_kept() -> None:
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(xf.softmax(x).sum(axis=-1), 1.0)
    np.testing.assert_allclose(xf.softmax(x, dim=0).sum(axis=0), 1.0)
    np.testing.assert_allclose(np.exp(xf.log_softmax(input=x, dim=-1)), xf.softmax(x))
