"""Memory and time of a linear layer + cross-entropy over a large vocabulary, four ways, one meter.

Run with ``.venv/bin/python benchmarks/bench_linear_cross_entropy.py`` (a minute or two). At
(N, d, V) = (2048, 64, 32768) in float32, the loss and the gradients with respect to the
input, the weight and the bias are computed

- by xent, streamed: ``linear_cross_entropy_with_grad`` (chunks of the vocabulary, online
  log-sum-exp, two passes), and by xent through the full logits (``x @ W.T + b``, then
  ``cross_entropy`` and ``cross_entropy_grad``);
- by torch 2.13, ``F.linear_cross_entropy`` on its reference path (``options=None``: the full
  logits) and its chunked path (``options=LinearCrossEntropyOptions()``), forward and backward.

Every route is measured the same way: in a fresh subprocess that imports NumPy, torch and xent
and makes the data, the route runs once as a warm-up (the chunked path's first call loads
torch's compiler machinery, a one-time cost), then the peak resident memory is reset (Linux's
``/proc/self/clear_refs``) and the route runs again; the memory of the route is the peak
resident memory during that call minus the resident memory just before it (``VmHWM`` and
``VmRSS`` of ``/proc/self/status``). The first call's growth is recorded too, with the number
of Python modules it imports. glibc's
``malloc`` is told to return every large block to the system at once
(``MALLOC_MMAP_THRESHOLD_``), so that memory freed by the warm-up is not silently reused.
Time is the best of a few calls after the warm-up.

All four must agree on the loss. The results are printed and written as JSON to
``code/xent/data/linear_cross_entropy_benchmark.json``, which chapter 8 reads (pass
``--no-save`` to leave it alone). Torch and NumPy's BLAS are limited to one thread each
(``torch.set_num_threads(1)``, ``OPENBLAS_NUM_THREADS=1``), so that the comparison is like for
like on a shared machine. Timings depend on the machine and its load: the file records the
machine, and nothing checks a timing against a bound.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

SHAPE = (2048, 64, 32768)  # N tokens, d features, V vocabulary
RESULTS = Path(__file__).resolve().parents[1] / "code/xent/data/linear_cross_entropy_benchmark.json"
ROUTES = ("xent_streamed", "xent_logits", "torch_reference", "torch_chunked")
ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MALLOC_MMAP_THRESHOLD_": "131072",  # a fixed threshold: large blocks are always unmapped
    "MALLOC_TRIM_THRESHOLD_": "131072",
}

# Runs in a subprocess: imports, data, warm-up, the measured call, timed calls.
_SCRIPT = """
import json, sys, time, warnings
import numpy as np, torch, torch.nn.functional as F
from xent import functional as xf

def status(field):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field)) / 1024

def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

torch.set_num_threads(1)
route = sys.argv[1]
n, d, v, smoothing, repeat = (int(a) for a in sys.argv[2:7])
rng = np.random.default_rng(0)
x = rng.standard_normal((n, d)).astype(np.float32)
w = (rng.standard_normal((v, d)) / 8).astype(np.float32)
b = rng.standard_normal(v).astype(np.float32)
y = rng.integers(0, v, n)
tensors = [torch.from_numpy(a) for a in (x, w, b, y)]
caught = []

def call():
    if route == "xent_streamed":
        loss, grads = xf.linear_cross_entropy_with_grad(x, w, y, linear_bias=b)
        return float(loss)
    if route == "xent_logits":
        logits = x @ w.T + b
        loss = xf.cross_entropy(logits, y)
        g = xf.cross_entropy_grad(logits, y)
        grads = g @ w, g.T @ x, g.sum(axis=0)
        return float(loss)
    options = torch.nn.LinearCrossEntropyOptions() if route == "torch_chunked" else None
    xs, ws, bs = (t.clone().requires_grad_(True) for t in tensors[:3])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        loss = F.linear_cross_entropy(xs, ws, tensors[3], linear_bias=bs, options=options,
                                      label_smoothing=smoothing / 10)
        loss.backward()
    caught.extend(str(r.message) for r in rec)
    return loss.item()

def measured():
    reset_peak()
    before = status("VmRSS:")
    start = time.perf_counter()
    loss = call()
    seconds = time.perf_counter() - start
    return loss, status("VmHWM:") - before, before, seconds

modules_before = len(sys.modules)
_, first_mb, _, first_s = measured()   # the warm-up
modules_first_call = len(sys.modules) - modules_before
loss, peak_mb, before, _ = measured()
times = []
for _ in range(repeat):
    start = time.perf_counter()
    call()
    times.append(time.perf_counter() - start)
print(json.dumps({"loss": loss, "peak_mb": peak_mb, "first_call_peak_mb": first_mb,
                  "rss_before_mb": before, "seconds": min(times), "first_call_seconds": first_s,
                  "modules_imported_by_first_call": modules_first_call,
                  "warnings": sorted(set(caught))}))
"""


def measure(route: str, shape: tuple[int, int, int], smoothing: bool, repeat: int) -> dict:
    """Run one route in a fresh subprocess and return what it measured."""
    args = [route, *map(str, shape), str(int(smoothing)), str(repeat)]
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **ENV},
    )
    if out.returncode:
        raise RuntimeError(f"the {route} subprocess failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(
                line.split(":", 1)[1].strip() for line in f if line.startswith("model name")
            )
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def run(shape: tuple[int, int, int], repeat: int) -> dict:
    """Measure the four routes at ``shape``; return the results as a JSON-ready dict."""
    import numpy as np
    import torch

    from xent import functional as xf

    n, d, v = shape
    results = {route: measure(route, shape, False, repeat) for route in ROUTES}
    smoothed = measure("torch_chunked", shape, True, 1)
    losses = [r["loss"] for r in results.values()]
    assert np.allclose(losses, losses[0], rtol=1e-4), f"the four routes disagree: {losses}"
    x = np.zeros((n, d), np.float32)
    w = np.zeros((v, d), np.float32)
    chunk = xf._linear_ce_args(x, w, np.zeros(n, int), None, None, "mean", None, 0.0, None)[-1]
    return {
        "shape": {"N": n, "d": d, "V": v},
        "dtype": "float32",
        "unit": "MiB (2**20 bytes)",
        "meter": "peak resident memory during a call after a warm-up call, minus the resident "
        "memory before it (VmHWM - VmRSS, after resetting the peak); one fresh process a route",
        "logits_mb": n * v * 4 / 2**20,
        "xent_chunk_size": chunk,
        **results,
        "torch_chunked_label_smoothing_warnings": smoothed["warnings"],
        "machine": {
            "cpu": _cpu(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": torch.__version__,
            "processor": platform.machine(),
            "threads": 1,
            "blas": "OPENBLAS_NUM_THREADS=1",
            "repeat": repeat,
            "load_average_1min": os.getloadavg()[0],
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
    print(f"(N, d, V) = ({n}, {d}, {v}) float32; full logits {results['logits_mb']:.0f} MiB")
    print(f"{'route':<18} {'peak MiB':>9} {'first call':>10} {'seconds':>8}")
    for route in ROUTES:
        r = results[route]
        print(
            f"{route:<18} {r['peak_mb']:9.1f} {r['first_call_peak_mb']:10.1f} {r['seconds']:8.3f}"
        )
    print("torch chunked + label smoothing:", results["torch_chunked_label_smoothing_warnings"])
    print("machine:", results["machine"])
    if not opts.no_save:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
