"""Time xent.functional.cross_entropy and its gradient against torch on CPU.

Run with ``.venv/bin/python benchmarks/bench_functional.py``. For (4096, 1000) logits in
float32 and float64 it prints the median time of each library and the ratio xent / torch
(the goal is a ratio below 3). NumPy's element-wise functions run on one thread, so torch is
limited to one thread too (``torch.set_num_threads(1)``) for a like-for-like comparison; pass
``--threads N`` to give torch more.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch
import torch.nn.functional as F

from xent import functional as xf

SHAPE = (4096, 1000)


def median_seconds(fn, repeat: int) -> float:
    fn()  # warm up
    return float(np.median(timeit.repeat(fn, number=1, repeat=repeat)))


def bench(dtype: type[np.floating], repeat: int) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(SHAPE) * 3).astype(dtype)
    y = rng.integers(0, SHAPE[1], SHAPE[0])
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def torch_grad() -> torch.Tensor:
        leaf = xt.detach().requires_grad_(True)
        F.cross_entropy(leaf, yt).backward()
        return leaf.grad

    # the two libraries agree before they are timed
    np.testing.assert_allclose(xf.cross_entropy(x, y), F.cross_entropy(xt, yt).numpy(), rtol=1e-5)
    np.testing.assert_allclose(xf.cross_entropy_grad(x, y), torch_grad().numpy(), atol=1e-6)

    return [
        (
            "cross_entropy",
            median_seconds(lambda: xf.cross_entropy(x, y), repeat),
            median_seconds(lambda: F.cross_entropy(xt, yt), repeat),
        ),
        (
            "cross_entropy_grad (torch: forward + backward)",
            median_seconds(lambda: xf.cross_entropy_grad(x, y), repeat),
            median_seconds(torch_grad, repeat),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--repeat", type=int, default=30, help="timings per measurement")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"logits {SHAPE}, numpy {np.__version__}, torch {torch.__version__}")
    print(f"torch.get_num_threads() = {torch.get_num_threads()} (numpy's ufuncs use one thread)")
    print(f"median of {args.repeat} runs each\n")
    print(f"{'dtype':<8} {'function':<48} {'xent ms':>9} {'torch ms':>9} {'ratio':>6}")
    for dtype in (np.float32, np.float64):
        for name, ours, theirs in bench(dtype, args.repeat):
            ratio = ours / theirs
            print(
                f"{np.dtype(dtype).name:<8} {name:<48} {ours * 1e3:9.2f} {theirs * 1e3:9.2f}"
                f" {ratio:6.2f}"
            )


if __name__ == "__main__":
    main()
