"""Memory and time of a linear layer + cross-entropy over a large vocabulary, four ways, one run.

Run with ``.venv/bin/python benchmarks/bench_linear_cross_entropy.py`` (about a minute). At
(N, d, V) = (2048, 64, 32768) in float32, the loss and the gradients with respect to the
input, the weight and the bias are computed

- by xent, streamed: ``linear_cross_entropy`` + ``linear_cross_entropy_grad`` (chunks of the
  vocabulary, online log-sum-exp), and by xent through the full logits (``x @ W.T + b``, then
  ``cross_entropy`` and ``cross_entropy_grad``); peak memory by ``tracemalloc`` (which sees
  NumPy's arrays), time as the best of a few runs;
- by torch 2.13, ``F.linear_cross_entropy`` on its reference path (``options=None``: the full
  logits) and its chunked path (``options=LinearCrossEntropyOptions()``), forward and
  backward, each in a fresh subprocess whose peak resident memory (``VmHWM`` of
  ``/proc/self/status``) is reported with the resident memory just before the first call
  (the interpreter, torch's libraries and the data).

All four must agree on the loss. The results are printed and written as JSON to
``code/xent/data/linear_cross_entropy_benchmark.json``, which chapter 8 reads (pass
``--no-save`` to leave it alone). Torch and NumPy's BLAS are limited to one thread each
(``torch.set_num_threads(1)``, ``OPENBLAS_NUM_THREADS=1``; NumPy's element-wise functions use
one thread anyway), so that the comparison is like for like on a shared machine; the two xent
routes are timed in alternation, so that a busy moment of the machine hits both.
"""

from __future__ import annotations

import os

# One BLAS thread, set before NumPy loads OpenBLAS (the torch subprocesses inherit it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import platform
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from xent import functional as xf

SHAPE = (2048, 64, 32768)  # N tokens, d features, V vocabulary
RESULTS = Path(__file__).resolve().parents[1] / "code/xent/data/linear_cross_entropy_benchmark.json"

# Runs in a subprocess: data, one warm-up, timed runs, peak RSS (Linux's VmHWM, in KiB).
_TORCH_SCRIPT = """
import json, sys, time, warnings
import numpy as np, torch, torch.nn.functional as F
def rss(field):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field)) / 1024
torch.set_num_threads(1)
n, d, v, chunked, smoothing, repeat = (int(a) for a in sys.argv[1:7])
rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((n, d)).astype(np.float32))
w = torch.from_numpy((rng.standard_normal((v, d)) / 8).astype(np.float32))
b = torch.from_numpy(rng.standard_normal(v).astype(np.float32))
y = torch.from_numpy(rng.integers(0, v, n))
options = torch.nn.LinearCrossEntropyOptions() if chunked else None
rss_before = rss("VmRSS:")
times, caught = [], []
for i in range(repeat + 1):
    xs, ws, bs = (t.clone().requires_grad_(True) for t in (x, w, b))
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        loss = F.linear_cross_entropy(xs, ws, y, linear_bias=bs, options=options,
                                      label_smoothing=smoothing / 10)
        loss.backward()
    if i:
        times.append(time.perf_counter() - start)
    caught += [str(r.message) for r in rec]
peak = rss("VmHWM:")
print(json.dumps({"loss": loss.item(), "seconds": min(times), "peak_rss_mb": peak,
                  "rss_before_mb": rss_before, "warnings": sorted(set(caught))}))
"""


def data(n: int, d: int, v: int) -> tuple[np.ndarray, ...]:
    """The same inputs as the torch subprocess (same seed, same order of draws)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = (rng.standard_normal((v, d)) / 8).astype(np.float32)
    b = rng.standard_normal(v).astype(np.float32)
    y = rng.integers(0, v, n)
    return x, w, b, y


def streamed(x, w, b, y) -> tuple:
    loss = xf.linear_cross_entropy(x, w, y, linear_bias=b)
    return loss, *xf.linear_cross_entropy_grad(x, w, y, linear_bias=b)


def through_logits(x, w, b, y) -> tuple:
    logits = x @ w.T + b
    loss = xf.cross_entropy(logits, y)
    g = xf.cross_entropy_grad(logits, y)
    return loss, g @ w, g.T @ x, g.sum(axis=0)


def measure_xent(routes: dict, args: tuple, repeat: int) -> dict:
    """Peak traced memory (MB) of one call of each route, and the best of ``repeat`` timings.

    The routes are timed in turns (a, b, a, b, ...), so that both meet the same machine load.
    """
    out = {}
    for name, fn in routes.items():
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        result = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        out[name] = {"loss": float(result[0]), "seconds": float("inf"), "peak_mb": peak / 2**20}
    for _ in range(repeat):
        for name, fn in routes.items():
            start = time.perf_counter()
            fn(*args)
            out[name]["seconds"] = min(out[name]["seconds"], time.perf_counter() - start)
    return out


def measure_torch(shape: tuple[int, int, int], chunked: bool, smoothing: bool, repeat: int) -> dict:
    args = [*map(str, shape), str(int(chunked)), str(int(smoothing)), str(repeat)]
    out = subprocess.run(
        [sys.executable, "-c", _TORCH_SCRIPT, *args], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise RuntimeError(f"the torch subprocess failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(shape: tuple[int, int, int], repeat: int) -> dict:
    """Measure the four routes at ``shape``; return the results as a JSON-ready dict."""
    import torch

    n, d, v = shape
    args = data(n, d, v)
    results = {  # torch first, while this process is still small
        "torch_reference": measure_torch(shape, False, False, repeat),
        "torch_chunked": measure_torch(shape, True, False, repeat),
    }
    routes = {"xent_streamed": streamed, "xent_logits": through_logits}
    results = {**measure_xent(routes, args, repeat), **results}
    smoothed = measure_torch(shape, True, True, 1)
    losses = [r["loss"] for r in results.values()]
    assert np.allclose(losses, losses[0], rtol=1e-4), f"the four routes disagree: {losses}"
    chunk = xf._linear_ce_args(args[0], args[1], args[3], None, None, "mean", None, 0.0, None)[-1]
    return {
        "shape": {"N": n, "d": d, "V": v},
        "dtype": "float32",
        "logits_mb": n * v * 4 / 2**20,
        "xent_chunk_size": chunk,
        **results,
        "torch_chunked_label_smoothing_warnings": smoothed["warnings"],
        "ratios": {
            "xent_memory_streamed_over_logits": results["xent_streamed"]["peak_mb"]
            / results["xent_logits"]["peak_mb"],
            "xent_time_streamed_over_logits": results["xent_streamed"]["seconds"]
            / results["xent_logits"]["seconds"],
            "torch_rss_chunked_over_reference": results["torch_chunked"]["peak_rss_mb"]
            / results["torch_reference"]["peak_rss_mb"],
            "torch_time_chunked_over_reference": results["torch_chunked"]["seconds"]
            / results["torch_reference"]["seconds"],
        },
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": torch.__version__,
            "processor": platform.machine(),
            "threads": 1,
            "blas": "OPENBLAS_NUM_THREADS=" + os.environ["OPENBLAS_NUM_THREADS"],
            "repeat": repeat,
        },
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=3, default=SHAPE, metavar=("N", "D", "V"))
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (best is kept)")
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON file")
    opts = parser.parse_args()
    results = run(tuple(opts.shape), opts.repeat)
    n, d, v = opts.shape
    print(f"(N, d, V) = ({n}, {d}, {v}) float32; full logits {results['logits_mb']:.0f} MB")
    print(f"{'route':<34} {'peak MB':>9} {'seconds':>8}")
    for key, label in (
        ("xent_streamed", "xent streamed (tracemalloc)"),
        ("xent_logits", "xent through logits (tracemalloc)"),
    ):
        r = results[key]
        print(f"{label:<34} {r['peak_mb']:9.1f} {r['seconds']:8.3f}")
    for key, label in (
        ("torch_reference", "torch reference (peak RSS)"),
        ("torch_chunked", "torch chunked (peak RSS)"),
    ):
        r = results[key]
        print(
            f"{label:<34} {r['peak_rss_mb']:9.1f} {r['seconds']:8.3f}"
            f"   (RSS before the call {r['rss_before_mb']:.0f} MB)"
        )
    for name, value in results["ratios"].items():
        print(f"{name:<40} {value:.3f}")
    print("torch chunked + label smoothing:", results["torch_chunked_label_smoothing_warnings"])
    if not opts.no_save:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
