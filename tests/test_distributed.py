"""xent.distributed: vocabulary-parallel cross-entropy and the data-parallel token mean.

The shard arithmetic (``sharded_cross_entropy``) and the torch loss on one process are compared
with torch's ``F.cross_entropy`` and its autograd gradients by property tests, extreme logits
included. Two tests start real processes (torch.distributed, gloo, 127.0.0.1): one checks the
loss and gradients on three processes (uneven shards) against one process's, the other that a
failing process is reported and every process is ended. They cost seconds, so they are `slow`.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from xent import distributed as xd

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RTOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-12}


@st.composite
def sharded(draw) -> dict:
    """Logits (some extreme), targets with padding, and a split of the columns into shards."""
    dtype = np.dtype(draw(st.sampled_from([np.float32, np.float64])))
    n = draw(st.integers(1, 8))
    v = draw(st.integers(1, 20))
    p = draw(st.integers(1, v))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([0.1, 1.0, 30.0, 1e3]))  # 1e3: exp overflows without the max
    z = (rng.standard_normal((n, v)) * scale).astype(dtype)
    y = rng.integers(0, v, n)
    if draw(st.booleans()):
        y[rng.random(n) < 0.3] = -100
    cuts = np.sort(rng.choice(np.arange(1, v), p - 1, replace=False)) if p > 1 else []
    return {"z": z, "y": y, "shards": np.split(z, cuts, axis=1), "dtype": dtype}


def _torch_reference(z: np.ndarray, y: np.ndarray):
    zt = torch.tensor(z, requires_grad=True)
    losses = F.cross_entropy(zt, torch.tensor(y), reduction="none")
    losses.sum().backward()
    return losses.detach().numpy(), zt.grad.numpy()


@SETTINGS
@given(sharded())
def test_sharded_cross_entropy_matches_torch_autograd(case) -> None:
    loss, grads = xd.sharded_cross_entropy(case["shards"], case["y"])
    ref_loss, ref_grad = _torch_reference(case["z"], case["y"])
    rtol = RTOL[case["dtype"]]
    assert loss.dtype == case["dtype"] and all(g.dtype == case["dtype"] for g in grads)
    assert np.all(loss >= 0)  # a sum of two terms >= 0, even in float32
    scale = max(1.0, float(np.abs(ref_loss).max()))
    np.testing.assert_allclose(loss, ref_loss, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(np.hstack(grads), ref_grad, rtol=rtol, atol=rtol)


@SETTINGS
@given(sharded(), st.sampled_from(["mean", "sum", "none"]))
def test_vocab_parallel_on_one_process_matches_torch(case, reduction) -> None:
    z, y = case["z"], case["y"]
    if reduction == "mean" and np.all(y == -100):
        y = y.copy()
        y[0] = 0
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.tensor(z, requires_grad=True)
    ours = xd.vocab_parallel_cross_entropy(zt, torch.tensor(y), 0, reduction=reduction)
    theirs = F.cross_entropy(ref, torch.tensor(y), reduction=reduction)
    ours.sum().backward()
    theirs.sum().backward()
    rtol = RTOL[case["dtype"]]
    scale = max(1.0, float(theirs.detach().abs().max()))
    np.testing.assert_allclose(ours.detach(), theirs.detach(), rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(zt.grad, ref.grad, rtol=rtol, atol=rtol)


@given(st.integers(1, 500), st.integers(1, 40))
def test_shard_bounds_cover_the_vocabulary_evenly(vocab_size, world_size) -> None:
    if vocab_size < world_size:
        with pytest.raises(ValueError, match="at least world_size"):
            xd.shard_bounds(vocab_size, world_size, 0)
        return
    bounds = [xd.shard_bounds(vocab_size, world_size, r) for r in range(world_size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == vocab_size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    sizes = [stop - start for start, stop in bounds]
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


def test_count_tokens_on_one_process() -> None:
    assert xd.count_tokens(torch.tensor([[1, 2, -100], [-100, -100, 3]])) == 3
    assert xd.count_tokens([np.array([0, 5]), torch.tensor([-1, 7])], ignore_index=-1) == 3
    with pytest.raises(ValueError, match="integers"):
        xd.count_tokens(torch.tensor([0.5, 1.0]))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xd.sharded_cross_entropy([], [0]), "shards is empty"),
        (
            lambda: xd.sharded_cross_entropy([np.zeros((2, 3)), np.zeros((3, 1))], [0, 1]),
            "same rows",
        ),
        (lambda: xd.sharded_cross_entropy([np.zeros((1, 3))], [3]), "outside the vocabulary"),
        (lambda: xd.sharded_cross_entropy([np.zeros((1, 3))], [0.5]), "integers"),
        (lambda: xd.sharded_cross_entropy([np.array([[np.nan, 0.0]])], [0]), "finite numbers"),
        (lambda: xd.shard_bounds(10, 0, 0), "at least 1"),
        (lambda: xd.shard_bounds(10, 2, 2), "rank must be"),
        (lambda: xd.shard_bounds(10.0, 2, 0), "whole number"),
        (
            lambda: xd.vocab_parallel_cross_entropy(torch.zeros(2, 3), torch.tensor([0, 3]), 0),
            "outside the vocabulary",
        ),
        (
            lambda: xd.vocab_parallel_cross_entropy(
                torch.tensor([[float("inf"), 0.0]]), torch.tensor([0]), 0
            ),
            "NaN or inf",
        ),
        (
            lambda: xd.vocab_parallel_cross_entropy(torch.zeros(2, 3), torch.tensor([0.0, 1.0]), 0),
            "class index",
        ),
        (
            lambda: xd.vocab_parallel_cross_entropy(
                torch.zeros(2, 3), torch.tensor([0, 1]), 0, reduction="avg"
            ),
            "reduction",
        ),
        (
            lambda: xd.vocab_parallel_cross_entropy(
                torch.zeros(2, 3), torch.tensor([0, 1]), 0, group=object()
            ),
            "not initialised",
        ),
        (lambda: xd.run_processes(xd.both_checks, 0), "world_size"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_imports_without_torch() -> None:
    """``import xent.distributed`` and its NumPy functions work where torch is missing."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import numpy as np\n"
        "from xent import distributed as xd\n"
        "loss, _ = xd.sharded_cross_entropy([np.zeros((1, 2)), np.zeros((1, 2))], [3])\n"
        "assert abs(loss[0] - np.log(4)) < 1e-12 and xd.shard_bounds(5, 2, 1) == (3, 5)\n"
        "try:\n"
        "    xd.count_tokens([1])\n"
        "except ValueError as err:\n"
        "    assert 'torch' in str(err)\n"
        "else:\n"
        "    raise AssertionError('count_tokens ran without torch')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_three_real_processes_agree_with_one() -> None:
    """Three gloo processes (shards of 342, 341 and 341 classes) against one process, float32."""
    ranks = xd.run_processes(xd.both_checks, 3, ([1],), timeout=240)
    for rank in ranks:
        vocab, data = rank[0]["vocab"], rank[0]["data"]
        assert vocab["loss_diff"] <= 1e-5 * vocab["loss"]
        assert vocab["grad_w_diff"] <= 1e-5 * vocab["grad_w_scale"]
        assert vocab["grad_h_diff"] <= 1e-5
        assert data["right_grad_rel"] <= 1e-5 and abs(data["right"] - data["reference"]) <= 1e-5
        assert data["wrong_grad_rel"] > 1e-3  # the mean of the means is not the token mean
    shard_bytes = [r[0]["vocab"]["shard_bytes"] for r in ranks]
    assert shard_bytes == [342 * 64 * 4, 341 * 64 * 4, 341 * 64 * 4]  # float32 logits, 64 rows
    assert sum(shard_bytes) == ranks[0][0]["vocab"]["full_bytes"]
    assert len({r[0]["data"]["global_tokens"] for r in ranks}) == 1
    assert sum(r[0]["data"]["local_tokens"] for r in ranks) == ranks[0][0]["data"]["global_tokens"]


@pytest.mark.slow
def test_a_failing_process_is_reported_and_all_are_ended() -> None:
    import multiprocessing

    before = set(multiprocessing.active_children())
    with pytest.raises(RuntimeError, match=r"process \d of 2 failed"):
        # shard_bounds(rank, world_size) misses its third argument: a TypeError in each process
        xd.run_processes(xd.shard_bounds, 2, timeout=120)
    assert set(multiprocessing.active_children()) <= before
