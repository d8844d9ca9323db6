"""Cross-entropy across processes: a vocabulary-parallel loss and the data-parallel token mean.

Two ways of spreading one cross-entropy over ``P`` processes (chapter 13):

- **Vocabulary (tensor) parallelism**, as in Megatron-LM (Shoeybi et al., 2019): process ``p``
  holds rows ``start_p:stop_p`` of the output layer (about ``V / P`` of the vocabulary), so it
  computes only its shard of every position's logits. The loss needs three all-reduces over the
  processes (the maximum, the sum of exponentials, the target's logit);
  the gradient with respect to the shard is the shard of ``softmax - onehot``, computed with no
  further communication. :func:`sharded_cross_entropy` does the same arithmetic on a list of
  NumPy shards in one process; :func:`vocab_parallel_cross_entropy` does it on real processes
  with ``torch.distributed``.
- **Data parallelism**: each process holds some of the examples. With padding
  (``ignore_index``) or gradient accumulation, the mean of the per-process (or per-micro-batch)
  means is not the mean over tokens; :func:`count_tokens` all-reduces the number of counted
  tokens, and the sum of the losses divided by it is.

:func:`run_processes` starts ``P`` local processes with the gloo backend on 127.0.0.1 (a free
port, a timeout, every process joined or terminated even on failure), runs a function in each
and returns their results. The same functions run across machines under ``torchrun`` (see the
chapter): only the launcher and, on GPUs, the backend (NCCL) change.

``import xent.distributed`` needs neither torch nor ``torch.distributed``: the functions that use
them import them when called.
"""

from __future__ import annotations

import os
import queue as queue_module
import socket
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .functional import _finite_array

__all__ = [
    "both_checks",
    "count_tokens",
    "data_parallel_check",
    "run_processes",
    "shard_bounds",
    "sharded_cross_entropy",
    "vocab_parallel_check",
    "vocab_parallel_cross_entropy",
]

FloatArray = NDArray[np.floating]


def shard_bounds(vocab_size: int, world_size: int, rank: int) -> tuple[int, int]:
    """The vocabulary rows ``start:stop`` that process ``rank`` of ``world_size`` holds.

    Contiguous shards of ``vocab_size // world_size`` rows; when ``world_size`` does not divide
    ``vocab_size``, the first ``vocab_size % world_size`` processes hold one row more.

    Parameters
    ----------
    vocab_size : int
        Number of classes ``V`` (at least ``world_size``, so that no shard is empty).
    world_size : int
        Number of processes ``P`` (at least 1).
    rank : int
        This process's rank, ``0 <= rank < world_size``.

    Returns
    -------
    (int, int)
        ``start`` and ``stop``: the shard is ``range(start, stop)``.

    Raises
    ------
    ValueError
        If a number is not a whole number, ``world_size < 1``, ``rank`` is out of range, or
        there are fewer classes than processes.

    Examples
    --------
    >>> [shard_bounds(10, 4, r) for r in range(4)]
    [(0, 3), (3, 6), (6, 8), (8, 10)]
    """
    for name, value in (("vocab_size", vocab_size), ("world_size", world_size), ("rank", rank)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"{name} must be a whole number; got {value!r}")
    if world_size < 1:
        raise ValueError(f"world_size must be at least 1 (processes); got {world_size}")
    if not 0 <= rank < world_size:
        raise ValueError(
            f"rank must be between 0 and world_size - 1 = {world_size - 1}; got {rank}"
        )
    if vocab_size < world_size:
        raise ValueError(
            f"vocab_size ({vocab_size}) must be at least world_size ({world_size}), so that "
            "every process holds at least one class"
        )
    base, extra = divmod(int(vocab_size), int(world_size))
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def _check_targets(target: ArrayLike, n: int, vocab_size: int, ignore_index: int) -> NDArray:
    t = np.asarray(target)
    if t.ndim != 1 or t.shape[0] != n:
        raise ValueError(f"target must hold one class index per row, shape ({n},); got {t.shape}")
    if t.size and not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"target must hold class indices (integers); got dtype {t.dtype}")
    t = t.astype(np.int64)
    bad = (t != ignore_index) & ((t < 0) | (t >= vocab_size))
    if bad.any():
        raise ValueError(
            f"target holds {t[bad][0]}, outside the vocabulary 0..{vocab_size - 1} (and not "
            f"ignore_index={ignore_index})"
        )
    return t


def sharded_cross_entropy(
    shards: Sequence[ArrayLike], target: ArrayLike, *, ignore_index: int = -100
) -> tuple[FloatArray, list[FloatArray]]:
    """Per-row cross-entropy and its gradient from the logits split by columns into shards.

    The arithmetic of vocabulary-parallel cross-entropy, with the ``P`` processes played by the
    ``P`` shards of one process's memory: ``shards[p]`` holds columns ``start_p:stop_p`` of the
    ``(N, V)`` logits, in order. Three reductions over the shards give each row's loss:

    1. the maximum ``m = max_p max(shards[p])`` (an all-reduce with MAX),
    2. the sum ``s = sum_p sum exp(shards[p] - m)`` (an all-reduce with SUM),
    3. the target's logit minus ``m``, taken from the one shard that holds the target and 0 in
       the others (an all-reduce with SUM),

    and the loss is ``(m - z_target) + log s``, a sum of two numbers that are >= 0 in floating
    point too. The gradient of the sum of the losses with respect to shard ``p`` is
    ``exp(shards[p] - m) / s`` minus the one-hot shard of the target: local to the shard.

    Parameters
    ----------
    shards : sequence of array_like
        ``P >= 1`` arrays of logits, each ``(N, V_p)`` with ``V_p >= 1``, the same ``N``; the
        vocabulary is ``V = sum_p V_p``.
    target : array_like of int
        Class indices, shape ``(N)``, in ``0..V-1`` or ``ignore_index``.
    ignore_index : int, default -100
        Rows whose target equals it get loss 0 and gradient 0, as in torch.

    Returns
    -------
    (ndarray, list of ndarray)
        The per-row losses, shape ``(N)`` (``reduction='none'``), and the gradient of their sum
        with respect to each shard, shaped like the shards.

    Raises
    ------
    ValueError
        If there are no shards, the shards' rows differ, a shard has no columns, a logit is
        NaN or infinite, or a target is not a class index.

    Examples
    --------
    >>> import numpy as np
    >>> from xent import functional as xf
    >>> z = np.random.default_rng(0).standard_normal((3, 10))
    >>> y = np.array([1, 7, 9])
    >>> loss, grads = sharded_cross_entropy([z[:, :4], z[:, 4:8], z[:, 8:]], y)
    >>> bool(np.allclose(loss, xf.cross_entropy(z, y, reduction="none")))
    True
    >>> bool(np.allclose(np.hstack(grads), xf.cross_entropy_grad(z, y, reduction="sum")))
    True
    """
    if len(shards) == 0:
        raise ValueError("shards is empty: give at least one (N, V_p) array of logits")
    arrays = [_finite_array(s, f"shards[{p}]") for p, s in enumerate(shards)]
    dtype = np.result_type(*arrays)
    arrays = [a.astype(dtype, copy=False) for a in arrays]
    for p, a in enumerate(arrays):
        if a.ndim != 2 or a.shape[1] == 0:
            raise ValueError(
                f"shards[{p}] must be a 2-d array (N rows, at least one column); got {a.shape}"
            )
        if a.shape[0] != arrays[0].shape[0]:
            raise ValueError(
                f"every shard must have the same rows: shards[0] has {arrays[0].shape[0]}, "
                f"shards[{p}] has {a.shape[0]}"
            )
    n = arrays[0].shape[0]
    widths = [a.shape[1] for a in arrays]
    starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)
    t = _check_targets(target, n, int(sum(widths)), ignore_index)
    valid = t != ignore_index
    rows = np.arange(n)
    # 1. all-reduce MAX of the local maxima
    m = np.max([a.max(axis=1) for a in arrays], axis=0)
    # 2. all-reduce SUM of the local sums of exp(z - m); 3. all-reduce SUM of the target logit
    exps = [np.exp(a - m[:, None]) for a in arrays]
    s = np.sum([e.sum(axis=1) for e in exps], axis=0)
    gap = np.zeros(n, dtype=dtype)  # m - z_target, >= 0
    for a, start in zip(arrays, starts, strict=True):
        here = valid & (t >= start) & (t < start + a.shape[1])
        gap[here] = m[here] - a[rows[here], t[here] - start]
    loss = np.where(valid, gap + np.log(s), 0).astype(dtype)
    grads = []
    for e, start in zip(exps, starts, strict=True):
        g = e / s[:, None]
        here = valid & (t >= start) & (t < start + e.shape[1])
        g[rows[here], t[here] - start] -= 1
        g[~valid] = 0
        grads.append(g.astype(dtype, copy=False))
    return loss, grads


# ---------------------------------------------------------------------------------------------
# On real processes: torch.distributed
# ---------------------------------------------------------------------------------------------


def _dist():
    """``torch.distributed``, or a ValueError that says why it cannot be used here."""
    try:
        import torch.distributed as dist
    except ImportError as err:  # pragma: no cover - torch is a dependency of the book
        raise ValueError("this needs torch (pip install torch)") from err
    if not dist.is_available():  # pragma: no cover - depends on the torch build
        raise ValueError(
            "this build of torch has no torch.distributed; install a build that has it (the "
            "CPU wheels for Linux, macOS and Windows do)"
        )
    return dist


def _world(group: Any) -> tuple[int, int]:
    """This process's rank and the world size of ``group`` (0 and 1 without a process group)."""
    dist = _dist()
    if not dist.is_initialized():
        if group is not None:
            raise ValueError("a process group was given but torch.distributed is not initialised")
        return 0, 1
    return dist.get_rank(group), dist.get_world_size(group)


def _all_reduce(tensor: Any, op: str, group: Any) -> None:
    dist = _dist()
    if dist.is_initialized() and dist.get_world_size(group) > 1:
        dist.all_reduce(tensor, op=getattr(dist.ReduceOp, op), group=group)


def _vocab_parallel_function():
    import torch

    class _VocabParallelCrossEntropy(torch.autograd.Function):
        """Megatron-LM's loss: three all-reduces forward, a local gradient backward."""

        @staticmethod
        def forward(ctx, shard, target, start, ignore_index, group):  # type: ignore[override]
            z = shard.detach()
            m = z.max(dim=1).values
            _all_reduce(m, "MAX", group)  # 1. the global maximum of each row
            z = z - m[:, None]  # <= 0 everywhere
            valid = target != ignore_index
            here = valid & (target >= start) & (target < start + z.shape[1])
            local = torch.where(here, target - start, torch.zeros_like(target))
            z_target = torch.where(here, z.gather(1, local[:, None])[:, 0], torch.zeros_like(m))
            found = torch.stack([z_target, here.to(z.dtype)])
            _all_reduce(found, "SUM", group)  # 2. the target's logit minus m, from its shard
            z_target = found[0]
            if bool((valid & (found[1] != 1)).any()):  # the same on every process
                raise ValueError("a target is outside the vocabulary held by the processes")
            e = z.exp()
            s = e.sum(dim=1)
            _all_reduce(s, "SUM", group)  # 3. the sum of exponentials over the vocabulary
            loss = torch.where(valid, -z_target + s.log(), torch.zeros_like(s))
            ctx.save_for_backward(e.div_(s[:, None]), local, here, valid)
            return loss

        @staticmethod
        def backward(ctx, grad_loss):  # type: ignore[override]
            p, local, here, valid = ctx.saved_tensors
            g = p.clone()  # softmax shard - onehot shard: no communication
            rows = torch.arange(g.shape[0], device=g.device)
            g[rows[here], local[here]] -= 1
            g *= torch.where(valid, grad_loss, torch.zeros_like(grad_loss))[:, None]
            return g, None, None, None, None

    return _VocabParallelCrossEntropy


def vocab_parallel_cross_entropy(
    logits_shard: Any,
    target: Any,
    vocab_start: int,
    *,
    group: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Any:
    """Cross-entropy of logits split over the vocabulary across the processes of ``group``.

    Each process passes its shard of the logits, columns ``vocab_start:vocab_start + V_p`` of
    the ``(N, V)`` logits (see :func:`shard_bounds`), and the same targets. Three all-reduces
    give every process every row's loss: the maximum of each row (MAX), the target's logit minus
    it (SUM; only the shard holding the target contributes) and the sum of exponentials (SUM).
    The backward pass is local: the gradient with respect to the shard is the shard of
    ``softmax - onehot``. The result is the same on every process, equal to
    ``torch.nn.functional.cross_entropy`` of the full logits up to rounding. Without an
    initialised process group it is a single process holding the whole vocabulary.

    Parameters
    ----------
    logits_shard : torch.Tensor
        This process's logits, shape ``(N, V_p)``, floating point; gradients flow to it.
    target : torch.Tensor of int
        Class indices into the *whole* vocabulary, shape ``(N)``, the same on every process.
    vocab_start : int
        The first vocabulary index of this process's shard.
    group : ProcessGroup, optional
        The processes that share the vocabulary; ``None`` is the default group.
    ignore_index : int, default -100
        Targets equal to it count for nothing, as in torch.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'mean'`` averages over the rows whose target is not ignored (NaN if there are none,
        as in torch).

    Returns
    -------
    torch.Tensor
        The loss (0-d, or shape ``(N)`` for ``'none'``).

    Raises
    ------
    ValueError
        On shapes or targets that do not fit, logits that are not finite, a bad ``reduction``,
        or a group given without an initialised ``torch.distributed``.

    Examples
    --------
    >>> import torch, torch.nn.functional as F
    >>> z = torch.randn(4, 10, generator=torch.Generator().manual_seed(0))
    >>> y = torch.tensor([1, 5, 9, 0])
    >>> loss = vocab_parallel_cross_entropy(z, y, 0)     # one process: the whole vocabulary
    >>> bool(torch.isclose(loss, F.cross_entropy(z, y)))
    True
    """
    _dist()
    import torch

    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none'; got {reduction!r}")
    if not isinstance(logits_shard, torch.Tensor) or not isinstance(target, torch.Tensor):
        raise ValueError("logits_shard and target must be torch tensors")
    if logits_shard.ndim != 2 or logits_shard.shape[1] == 0:
        raise ValueError(
            f"logits_shard must have shape (N, V_p) with V_p >= 1; got {tuple(logits_shard.shape)}"
        )
    if not logits_shard.is_floating_point():
        raise ValueError(f"logits_shard must be floating point; got {logits_shard.dtype}")
    if target.shape != logits_shard.shape[:1] or target.is_floating_point():
        raise ValueError(
            f"target must hold one class index (an integer) per row, shape "
            f"({logits_shard.shape[0]},); got shape {tuple(target.shape)}, dtype {target.dtype}"
        )
    if not torch.isfinite(logits_shard.detach()).all():
        raise ValueError("logits_shard holds NaN or inf; logits must be finite numbers")
    if isinstance(vocab_start, bool) or not isinstance(vocab_start, int) or vocab_start < 0:
        raise ValueError(f"vocab_start must be a whole number >= 0; got {vocab_start!r}")
    bad = (target != ignore_index) & (target < 0)
    if bad.any():
        raise ValueError(f"target holds {int(target[bad][0])}, not a class index nor ignore_index")
    _world(group)  # refuses a group without torch.distributed
    losses = _vocab_parallel_function().apply(
        logits_shard, target, vocab_start, ignore_index, group
    )
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / (target != ignore_index).sum()


def count_tokens(target: Any, *, ignore_index: int = -100, group: Any = None) -> int:
    """The number of targets not equal to ``ignore_index``, summed over the processes of ``group``.

    The denominator of the mean over tokens in data parallelism: each process divides the *sum*
    of its tokens' losses by this global count, and the gradients are then *summed* over the
    processes (or averaged and multiplied by the world size, under
    ``DistributedDataParallel``, which averages). For gradient accumulation, pass the targets of
    all the micro-batches of one optimiser step.

    Parameters
    ----------
    target : torch.Tensor or array_like of int, or a sequence of them
        Class indices on this process (several tensors: the micro-batches of one step).
    ignore_index : int, default -100
        Targets equal to it are padding, not counted.
    group : ProcessGroup, optional
        The data-parallel processes; ``None`` is the default group, or this process alone
        when ``torch.distributed`` is not initialised.

    Returns
    -------
    int
        The global number of counted tokens.

    Raises
    ------
    ValueError
        If a target is not made of integers.

    Examples
    --------
    >>> import torch
    >>> count_tokens([torch.tensor([3, 1, -100]), torch.tensor([2, -100, -100])])
    3
    """
    _dist()
    import torch

    parts = target if isinstance(target, list | tuple) else [target]
    local = 0
    for part in parts:
        t = torch.as_tensor(np.asarray(part) if not isinstance(part, torch.Tensor) else part)
        if t.is_floating_point() or t.is_complex():
            raise ValueError(f"target must hold class indices (integers); got {t.dtype}")
        local += int((t != ignore_index).sum())
    total = torch.tensor([local], dtype=torch.int64)
    _all_reduce(total, "SUM", group)
    return int(total.item())


# ---------------------------------------------------------------------------------------------
# Starting processes on one machine
# ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _entry(fn, rank, world_size, port, backend, timeout, args, results) -> None:  # pragma: no cover
    """What each spawned process runs (coverage cannot see into it)."""
    try:
        import torch
        import torch.distributed as dist

        torch.set_num_threads(1)
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
        dist.init_process_group(
            backend, rank=rank, world_size=world_size, timeout=timedelta(seconds=timeout)
        )
        try:
            value = fn(rank, world_size, *args)
        finally:
            dist.destroy_process_group()
        results.put((rank, True, value))
    except BaseException:  # report it to the parent, which raises
        results.put((rank, False, traceback.format_exc()))


def run_processes(
    fn: Callable[..., Any],
    world_size: int,
    args: Sequence[Any] = (),
    *,
    backend: str = "gloo",
    timeout: float = 120.0,
) -> list[Any]:
    """Run ``fn(rank, world_size, *args)`` in ``world_size`` new processes; return their results.

    Each process joins a ``torch.distributed`` process group (``backend``, by default gloo,
    which runs on CPUs) through ``MASTER_ADDR=127.0.0.1`` and a free ``MASTER_PORT``, uses one
    thread, calls ``fn`` and sends its result back (it must be picklable). The processes are
    started with ``spawn``, so ``fn`` must be importable (defined in a module, not in a
    notebook). Whatever happens (an exception in a process, a timeout), every process is joined
    or terminated before this returns or raises.

    Parameters
    ----------
    fn : callable
        A module-level function ``fn(rank, world_size, *args)``.
    world_size : int
        Number of processes (at least 1).
    args : sequence
        Further arguments of ``fn``, the same for every process.
    backend : str, default 'gloo'
        The ``torch.distributed`` backend (``'nccl'`` on GPUs).
    timeout : float, default 120
        Seconds to wait for all the results before terminating the processes.

    Returns
    -------
    list
        ``fn``'s results, by rank.

    Raises
    ------
    ValueError
        If ``world_size`` is not a whole number >= 1 or ``timeout`` is not positive.
    RuntimeError
        If a process raised (its traceback is in the message) or died.
    TimeoutError
        If the results did not all arrive within ``timeout`` seconds.

    Examples
    --------
    >>> from xent.distributed import run_processes, data_parallel_check
    >>> out = run_processes(data_parallel_check, 2, (0,))    # doctest: +SKIP
    """
    if isinstance(world_size, bool) or not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"world_size must be a whole number >= 1; got {world_size!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    _dist()
    import torch.multiprocessing as mp

    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    port = _free_port()
    procs = [
        ctx.Process(
            target=_entry,
            args=(fn, rank, world_size, port, backend, timeout, tuple(args), results),
            daemon=True,
        )
        for rank in range(world_size)
    ]
    out: dict[int, Any] = {}
    try:
        for proc in procs:
            proc.start()
        deadline = time.monotonic() + timeout
        while len(out) < world_size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"{world_size - len(out)} of {world_size} processes gave no result within "
                    f"{timeout} s"
                )
            try:
                rank, ok, value = results.get(timeout=min(left, 0.5))
            except queue_module.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(
                        f"a process died with exit code {dead[0].exitcode} before reporting"
                    ) from None
                continue
            if not ok:
                raise RuntimeError(f"process {rank} of {world_size} failed:\n{value}")
            out[rank] = value
        for proc in procs:
            proc.join(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            if proc.is_alive():  # pragma: no cover - terminate is enough on Linux
                proc.kill()
                proc.join()
        results.close()
    return [out[rank] for rank in range(world_size)]


# ---------------------------------------------------------------------------------------------
# The chapter's measurements, run in each process (module level, so that spawn can import them)
# ---------------------------------------------------------------------------------------------


def vocab_parallel_check(
    rank: int,
    world_size: int,
    seed: int,
    n_tokens: int = 64,
    vocab_size: int = 1024,
    hidden: int = 32,
) -> dict[str, float]:
    """Vocabulary-parallel loss and gradients against one process's, on this rank (float32).

    Every process makes the same hidden states ``h`` (``n_tokens x hidden``), output weight
    ``W`` (``vocab_size x hidden``) and targets (one in eight ignored) from ``seed``; it computes
    the reference, ``F.cross_entropy(h @ W.T, y)`` with autograd, and the vocabulary-parallel
    loss from its own shard of ``W``, then all-reduces (SUM) the hidden states' gradient, which
    is a sum over the shards. Returns the largest absolute differences from the reference (loss,
    gradient of the weight shard, gradient of ``h``), the reference's loss, and the bytes of
    this process's logits shard and of the full logits.

    Examples
    --------
    >>> r = vocab_parallel_check(0, 1, seed=0)    # one process: no torch.distributed needed
    >>> r["shard_bytes"] == r["full_bytes"] == 64 * 1024 * 4, r["loss_diff"] < 1e-5
    (True, True)
    """
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(seed)
    h = torch.randn(n_tokens, hidden, generator=gen)
    w = torch.randn(vocab_size, hidden, generator=gen) / hidden**0.5
    y = torch.randint(0, vocab_size, (n_tokens,), generator=gen)
    y[torch.rand(n_tokens, generator=gen) < 0.125] = -100
    h_ref, w_ref = h.clone().requires_grad_(), w.clone().requires_grad_()
    full = h_ref @ w_ref.T
    ref = F.cross_entropy(full, y)
    ref.backward()
    start, stop = shard_bounds(vocab_size, world_size, rank)
    h_p, w_p = h.clone().requires_grad_(), w[start:stop].clone().requires_grad_()
    shard = h_p @ w_p.T
    loss = vocab_parallel_cross_entropy(shard, y, start)
    loss.backward()
    grad_h = h_p.grad.clone()
    _all_reduce(grad_h, "SUM", None)  # dL/dh = sum over shards of g_p @ W_p
    return {
        "loss": float(ref.detach()),
        "loss_diff": abs(float(loss.detach()) - float(ref.detach())),
        "grad_w_diff": float((w_p.grad - w_ref.grad[start:stop]).abs().max()),
        "grad_h_diff": float((grad_h - h_ref.grad).abs().max()),
        "grad_w_scale": float(w_ref.grad.abs().max()),
        "shard_bytes": shard.element_size() * shard.nelement(),
        "full_bytes": full.element_size() * full.nelement(),
    }


def data_parallel_check(
    rank: int,
    world_size: int,
    seed: int,
    n_sequences: int = 16,
    max_length: int = 64,
    vocab_size: int = 50,
    hidden: int = 16,
) -> dict[str, float]:
    """The data-parallel mean of padded sequences, wrong and right, against one process's.

    Every process makes the same ``n_sequences`` sequences of random lengths 1..``max_length``
    (padded with -100 to ``max_length``), hidden states and shared weight ``W`` from ``seed``;
    process ``rank`` takes the sequences ``rank::world_size``. The reference is the mean over
    all tokens in one process. *Wrong*: each process takes the mean over its own tokens and the
    results (loss and gradient of ``W``) are averaged over the processes, as plain
    ``DistributedDataParallel`` averages gradients. *Right*: each process divides the sum of its
    losses by the global token count (:func:`count_tokens`) and the results are summed. Returns
    the loss of each and the reference's, the largest gradient difference from the reference
    and its norm relative to the reference gradient's.

    Examples
    --------
    >>> r = data_parallel_check(0, 1, seed=0)     # one process: wrong and right agree
    >>> r["wrong"] == r["right"] and r["local_tokens"] == r["global_tokens"]
    True
    """
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, max_length + 1, (n_sequences,), generator=gen)
    y = torch.randint(0, vocab_size, (n_sequences, max_length), generator=gen)
    y[torch.arange(max_length)[None, :] >= lengths[:, None]] = -100
    h = torch.randn(n_sequences, max_length, hidden, generator=gen)
    w = torch.randn(vocab_size, hidden, generator=gen) / hidden**0.5

    def loss_and_grad(rows, reduction, divide_by=1.0):
        w_ = w.clone().requires_grad_()
        logits = (h[rows] @ w_.T).reshape(-1, vocab_size)
        loss = F.cross_entropy(logits, y[rows].reshape(-1), reduction=reduction) / divide_by
        loss.backward()
        return loss.detach(), w_.grad

    ref, ref_grad = loss_and_grad(slice(None), "mean")
    mine = slice(rank, None, world_size)
    wrong, wrong_grad = loss_and_grad(mine, "mean")
    n_global = count_tokens(y[mine])
    right, right_grad = loss_and_grad(mine, "sum", n_global)
    for t in (wrong, wrong_grad):
        _all_reduce(t, "SUM", None)
        t /= world_size  # the average over processes
    for t in (right, right_grad):
        _all_reduce(t, "SUM", None)
    return {
        "reference": float(ref),
        "wrong": float(wrong),
        "right": float(right),
        "wrong_grad_diff": float((wrong_grad - ref_grad).abs().max()),
        "right_grad_diff": float((right_grad - ref_grad).abs().max()),
        "grad_scale": float(ref_grad.abs().max()),
        "wrong_grad_rel": float((wrong_grad - ref_grad).norm() / ref_grad.norm()),
        "right_grad_rel": float((right_grad - ref_grad).norm() / ref_grad.norm()),
        "local_tokens": int((y[mine] != -100).sum()),
        "global_tokens": n_global,
    }


def both_checks(rank: int, world_size: int, seeds: Sequence[int]) -> list[dict[str, Any]]:
    """:func:`vocab_parallel_check` and :func:`data_parallel_check` for each seed, on this rank.

    One process group serves every seed: starting processes costs more than the checks.

    Examples
    --------
    >>> [sorted(r) for r in both_checks(0, 1, [0, 1])]   # on one process
    [['data', 'seed', 'vocab'], ['data', 'seed', 'vocab']]
    """
    return [
        {
            "seed": int(seed),
            "vocab": vocab_parallel_check(rank, world_size, int(seed)),
            "data": data_parallel_check(rank, world_size, int(seed)),
        }
        for seed in seeds
    ]
