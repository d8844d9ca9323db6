"""Chapter 11: the InfoNCE estimate of mutual information where the truth is known.

The data are pairs ``(x, y)`` of ``D = 10``-dimensional vectors whose coordinates come in
independent pairs ``(x_k, y_k)``, each a standard bivariate normal with correlation ``rho``, so
that ``I(X; Y) = -(D / 2) log(1 - rho**2)`` nats exactly; ``rho`` is set from the wanted ``I``.
Every estimate is ``log N - L``, with ``L`` the mean InfoNCE loss (``xent.functional.info_nce``)
over batches of ``N`` held-out pairs, each pair's ``y`` the positive of its ``x`` and the other
``N - 1`` the negatives.

- **optimal**: the critic ``f(x, y) = log p(y | x) / p(y)``, known in closed form, needs no
  training. For each seed 0..4, each ``I`` in ``MI_VALUES`` and each batch size in
  ``BATCH_SIZES``, 4,096 fresh pairs are cut into 4,096 / N batches.
- **bilinear** and **quadratic**: learned critics ``f(x, y) = x^T W y`` and
  ``f(x, y) = x^T W y + y^T V y`` (``W``, ``V`` are D x D, from zero; the second family holds
  the optimal critic, the first does not), trained with InfoNCE (batches of ``N_LEARN = 128``
  drawn from 4,096 training pairs, Adam, learning rate 0.05 decayed linearly to 0 over 300
  steps; these two settings were picked in trial runs on pairs drawn apart from every split
  used here), then scored on 4,096
  test pairs in batches of 128, together with the optimal critic on the *same* test batches
  (a paired comparison), for each ``I`` in ``MI_LEARN`` and seeds 0..4.
- **cosine**: the critic of SimCLR and CLIP, ``f(x, y) = cos(A x, B y) / tau`` (``A``, ``B``
  are D x D, from the identity plus noise), at ``I = 3`` nats and N = 128, for each
  temperature in ``TEMPERATURES`` and seeds 0..4 (same training). The temperature is chosen
  on a development set of 2,048 pairs (the one with the highest estimate there), and the
  test set reports it. A cosine lies in [-1, 1], so no critic of this form can push ``L``
  below ``log(1 + (N - 1) exp(-2 / tau))``: the script records that ceiling beside each
  estimate.

The training, development and test pairs of a seed are drawn from independent generators
(``numpy.random.SeedSequence`` children), and the script counts the test pairs equal to a
training pair (0 is expected: the data are continuous; the count is measured, not assumed).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from xent import functional as xf

D = 10
MI_VALUES = [0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
BATCH_SIZES = [16, 64, 256, 1024]
N_EVAL = 4096
SEEDS = range(5)

MI_LEARN = [1.0, 2.0, 4.0, 6.0, 8.0]
N_LEARN = 128
N_TRAIN, N_DEV, N_TEST = 4096, 2048, 4096
STEPS = 300
LR = 0.05
LEARN_SEEDS = range(5)
MI_TAU = 3.0
TEMPERATURES = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]


def rho_for(mi: float, d: int = D) -> float:
    """The correlation that gives ``d`` coordinate pairs a mutual information of ``mi`` nats."""
    return math.sqrt(1 - math.exp(-2 * mi / d))


def sample(rng: np.random.Generator, n: int, rho: float, d: int = D):
    """``n`` pairs: ``x`` standard normal, ``y = rho x + sqrt(1 - rho^2) noise``."""
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y


def optimal_scores(x: np.ndarray, y: np.ndarray, rho: float) -> np.ndarray:
    """``f(x_i, y_j) = log p(y_j | x_i) - log p(y_j)`` for every i, j (nats)."""
    v = 1 - rho**2
    sq = (y**2).sum(1)[None, :] - 2 * rho * x @ y.T + rho**2 * (x**2).sum(1)[:, None]
    return -0.5 * x.shape[1] * math.log(v) - sq / (2 * v) + 0.5 * (y**2).sum(1)[None, :]


def optimal_critic(rho: float):
    """The optimal critic for correlation ``rho``, as a function of two batches."""
    return lambda a, b: optimal_scores(a, b, rho)


def estimate(scores_of, x: np.ndarray, y: np.ndarray, n: int, temperature: float = 1.0) -> float:
    """``log N`` minus the mean InfoNCE loss over the batches of ``n`` consecutive pairs."""
    losses = [
        float(xf.info_nce(scores_of(x[i : i + n], y[i : i + n]), temperature=temperature))
        for i in range(0, len(x) - n + 1, n)
    ]
    return math.log(n) - float(np.mean(losses))


def train_critic(kind: str, x: np.ndarray, y: np.ndarray, seed: int, temperature: float = 1.0):
    """Train a bilinear or cosine critic with InfoNCE on batches of ``N_LEARN`` training pairs."""
    torch.manual_seed(seed)
    tx, ty = torch.from_numpy(x).float(), torch.from_numpy(y).float()
    labels = torch.arange(N_LEARN)
    if kind == "bilinear":
        params = [torch.zeros(D, D, requires_grad=True)]
    elif kind == "quadratic":
        params = [torch.zeros(D, D, requires_grad=True) for _ in range(2)]
    else:
        params = [(torch.eye(D) + 0.1 * torch.randn(D, D)).requires_grad_() for _ in range(2)]

    def scores(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if kind == "bilinear":
            return a @ params[0] @ b.T
        if kind == "quadratic":  # x^T W y + y^T V y: a term in y alone does not cancel
            return a @ params[0] @ b.T + ((b @ params[1]) * b).sum(1)[None, :]
        u = torch.nn.functional.normalize(a @ params[0].T, dim=1)
        v = torch.nn.functional.normalize(b @ params[1].T, dim=1)
        return u @ v.T

    opt = torch.optim.Adam(params, lr=LR)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1 - step / STEPS)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(STEPS):
        idx = torch.randperm(len(x), generator=gen)[:N_LEARN]
        loss = torch.nn.functional.cross_entropy(scores(tx[idx], ty[idx]) / temperature, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()

    def numpy_scores(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return scores(torch.from_numpy(a).float(), torch.from_numpy(b).float()).double().numpy()

    return numpy_scores


def cosine_ceiling(n: int, temperature: float) -> float:
    """The largest ``log N - L`` a critic with values in [-1/tau, 1/tau] can reach."""
    return math.log(n) - math.log1p((n - 1) * math.exp(-2 / temperature))


def run() -> dict:
    torch.set_num_threads(1)
    optimal = {}
    for mi in MI_VALUES:
        rho = rho_for(mi)
        for n in BATCH_SIZES:
            per_seed = []
            for seed in SEEDS:
                rng = np.random.default_rng([seed, int(mi * 10), n])
                x, y = sample(rng, N_EVAL, rho)
                per_seed.append(estimate(optimal_critic(rho), x, y, n))
            optimal[f"{mi:g}/{n}"] = per_seed

    def splits(seed: int, mi: float):
        rho = rho_for(mi)
        train_ss, dev_ss, test_ss = np.random.SeedSequence([seed, int(mi * 10), 11]).spawn(3)
        train = sample(np.random.default_rng(train_ss), N_TRAIN, rho)
        dev = sample(np.random.default_rng(dev_ss), N_DEV, rho)
        test = sample(np.random.default_rng(test_ss), N_TEST, rho)
        seen = {row.tobytes() for row in np.hstack(train)}
        overlap = sum(row.tobytes() in seen for row in np.hstack(test))
        overlap += sum(row.tobytes() in seen for row in np.hstack(dev))
        return rho, train, dev, test, overlap

    overlap_total = 0
    learned = {}
    for mi in MI_LEARN:
        rows = []
        for seed in LEARN_SEEDS:
            rho, train, _, test, overlap = splits(seed, mi)
            overlap_total += overlap
            row = {"optimal": estimate(optimal_critic(rho), *test, N_LEARN)}
            for kind in ("bilinear", "quadratic"):
                row[kind] = estimate(train_critic(kind, *train, seed), *test, N_LEARN)
            rows.append(row)
        learned[f"{mi:g}"] = rows

    cosine = []
    for seed in LEARN_SEEDS:
        rho, train, dev, test, overlap = splits(seed, MI_TAU)
        overlap_total += overlap
        by_tau = {}
        for tau in TEMPERATURES:
            critic = train_critic("cosine", *train, seed, temperature=tau)
            by_tau[f"{tau:g}"] = {
                "dev": estimate(critic, *dev, N_LEARN, temperature=tau),
                "test": estimate(critic, *test, N_LEARN, temperature=tau),
            }
        chosen = max(by_tau, key=lambda t: by_tau[t]["dev"])
        cosine.append(
            {
                "by_tau": by_tau,
                "chosen_tau": float(chosen),
                "chosen_test": by_tau[chosen]["test"],
                "optimal_test": estimate(optimal_critic(rho), *test, N_LEARN),
            }
        )

    return {
        "d": D,
        "n_eval": N_EVAL,
        "mi_values": MI_VALUES,
        "batch_sizes": BATCH_SIZES,
        "optimal": optimal,
        "n_learn": N_LEARN,
        "splits": {"train": N_TRAIN, "dev": N_DEV, "test": N_TEST},
        "steps": STEPS,
        "lr": LR,
        "mi_learn": MI_LEARN,
        "learned": learned,
        "mi_tau": MI_TAU,
        "temperatures": TEMPERATURES,
        "cosine_ceiling": {f"{t:g}": cosine_ceiling(N_LEARN, t) for t in TEMPERATURES},
        "cosine": cosine,
        "held_out_pairs_also_in_training": overlap_total,
    }


if __name__ == "__main__":
    from common import write

    write("ch11_infonce", run)
