"""Chapter 13 on real processes (P = 1, 2, 4) and the gradient-accumulation mean, over 5 seeds.

**Across processes.** For each P in 1, 2, 4, ``xent.distributed.run_processes`` starts P local
processes (``torch.distributed``, gloo backend, 127.0.0.1), and each runs
``xent.distributed.both_checks`` for seeds 0..4 (float32 throughout):

- vocabulary-parallel cross-entropy of 64 positions over a vocabulary of 1,024 (hidden size 32,
  one target in eight ignored) against ``F.cross_entropy`` of the full logits in one process:
  the largest absolute difference of the loss, of the gradient of each process's weight shard
  and of the (all-reduced) gradient of the hidden states, over all processes; and the bytes of
  each process's logits shard;
- the data-parallel mean of 16 padded sequences of random lengths 1..64 (vocabulary 50):
  the average of the per-process means (wrong) and the sum divided by the global token count
  (right), each against the mean over all tokens in one process, with the gradient's
  relative error.

**Gradient accumulation in training.** A byte bigram model (a 256 x 256 table of logits, from
zeros) is trained on the paragraphs of Python's reference text (``xent.lm.load_corpus``, split
``s`` for seed ``s``: test topics disjoint from training topics, and held-out paragraphs that
share 50 characters with the training text dropped; the overlap left is measured with
``xent.lm.overlap``). Each step draws 32 paragraphs (numpy generator ``s``), cut into 4
micro-batches of 8, and three copies of the model take the same steps with plain SGD:
``full`` (the token mean of the 32 paragraphs, one batch), ``mean_of_means`` (the mean of the
4 micro-batch means: the bug) and ``global_count`` (the micro-batches' summed losses divided by
the step's token count: the fix). The learning rate is chosen from a grid by the full-batch
model's cross-entropy on the development text of split 0 after the same number of steps.
Reported per seed: each model's test cross-entropy (nats per byte), the largest difference
between the fixed and the full-batch model's parameters, and the mean relative error of the
loss the buggy loop would log.
"""

from __future__ import annotations

import re

import numpy as np
import torch
import torch.nn.functional as F

from xent import distributed as xd
from xent import lm

SEEDS = list(range(5))
WORLD_SIZES = (1, 2, 4)
STEPS = 100
BATCH = 16
MICRO = 16
MAX_BYTES = 300  # a paragraph is cut to its first 300 bytes
LEARNING_RATES = (10.0, 30.0, 100.0)


def across_processes() -> dict:
    out = {}
    for world_size in WORLD_SIZES:
        ranks = xd.run_processes(xd.both_checks, world_size, (SEEDS,), timeout=300)
        per_seed = []
        for i, seed in enumerate(SEEDS):
            vocab = [r[i]["vocab"] for r in ranks]
            data = ranks[0][i]["data"]
            per_seed.append(
                {
                    "seed": seed,
                    "loss": vocab[0]["loss"],
                    "loss_diff": max(v["loss_diff"] for v in vocab),
                    "grad_w_diff": max(v["grad_w_diff"] for v in vocab),
                    "grad_h_diff": max(v["grad_h_diff"] for v in vocab),
                    "grad_w_scale": vocab[0]["grad_w_scale"],
                    "shard_bytes": max(v["shard_bytes"] for v in vocab),
                    "full_bytes": vocab[0]["full_bytes"],
                    "dp_reference": data["reference"],
                    "dp_wrong": data["wrong"],
                    "dp_right": data["right"],
                    "dp_wrong_grad_rel": data["wrong_grad_rel"],
                    "dp_right_grad_rel": data["right_grad_rel"],
                    "dp_right_grad_diff": max(r[i]["data"]["right_grad_diff"] for r in ranks),
                }
            )
        out[str(world_size)] = per_seed
    return out


def paragraphs(text: str) -> list[torch.Tensor]:
    """Each paragraph's bytes (at most MAX_BYTES), as a tensor; paragraphs of < 2 bytes dropped."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        data = para.strip().encode("utf-8")[:MAX_BYTES]
        if len(data) >= 2:
            out.append(torch.tensor(list(data), dtype=torch.int64))
    return out


def padded(seqs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (previous byte) and targets (next byte, -100 as padding) of a batch of paragraphs."""
    length = max(len(s) for s in seqs) - 1
    x = torch.zeros(len(seqs), length, dtype=torch.int64)
    y = torch.full((len(seqs), length), -100, dtype=torch.int64)
    for i, s in enumerate(seqs):
        x[i, : len(s) - 1], y[i, : len(s) - 1] = s[:-1], s[1:]
    return x, y


def cross_entropy_of(table: torch.Tensor, seqs: list[torch.Tensor]) -> float:
    """Token-mean cross-entropy (nats per byte) of the bigram table on the paragraphs."""
    x = torch.cat([s[:-1] for s in seqs])
    y = torch.cat([s[1:] for s in seqs])
    with torch.no_grad():
        return float(F.cross_entropy(table[x], y))


def train(train_seqs, seed: int, lr: float, steps: int = STEPS) -> dict:
    """The three training loops on the same batches; their tables and logged losses."""
    rng = np.random.default_rng(seed)
    tables = {k: torch.zeros(256, 256, requires_grad=True) for k in ("full", "mmean", "fixed")}
    logged_error = []
    for _ in range(steps):
        picks = rng.choice(len(train_seqs), BATCH, replace=False)
        micro = [padded([train_seqs[j] for j in part]) for part in np.split(picks, MICRO)]
        x_all, y_all = padded([train_seqs[j] for j in picks])
        full = F.cross_entropy(tables["full"][x_all].reshape(-1, 256), y_all.reshape(-1))
        full.backward()
        n_step = xd.count_tokens([y for _, y in micro])  # the fix: one count for the whole step
        logged = 0.0
        for x, y in micro:
            t = tables["mmean"]
            part = F.cross_entropy(t[x].reshape(-1, 256), y.reshape(-1)) / MICRO  # the bug
            part.backward()
            logged += float(part.detach())
            t = tables["fixed"]
            part = F.cross_entropy(t[x].reshape(-1, 256), y.reshape(-1), reduction="sum") / n_step
            part.backward()
        true = float(full.detach())
        logged_error.append(abs(logged - true) / true)
        with torch.no_grad():
            for t in tables.values():
                t -= lr * t.grad
                t.grad = None
    return {"tables": {k: t.detach() for k, t in tables.items()}, "logged_error": logged_error}


def gradient_accumulation() -> dict:
    train0, dev0, _ = lm.load_corpus(0)
    dev_ce = {
        str(lr): cross_entropy_of(
            train(paragraphs(train0), 0, lr)["tables"]["full"], paragraphs(dev0)
        )
        for lr in LEARNING_RATES
    }
    lr = float(min(LEARNING_RATES, key=lambda r: dev_ce[str(r)]))
    per_seed = []
    for seed in SEEDS:
        text_train, _, text_test = lm.load_corpus(seed)
        train_seqs, test_seqs = paragraphs(text_train), paragraphs(text_test)
        run = train(train_seqs, seed, lr)
        tables = run["tables"]
        per_seed.append(
            {
                "seed": seed,
                "overlap": lm.overlap(text_test, text_train),
                "test_bytes": sum(len(s) - 1 for s in test_seqs),
                "test_ce": {k: cross_entropy_of(t, test_seqs) for k, t in tables.items()},
                "fixed_vs_full_max_diff": float((tables["fixed"] - tables["full"]).abs().max()),
                "mmean_vs_full_max_diff": float((tables["mmean"] - tables["full"]).abs().max()),
                "logged_error_mean": float(np.mean(run["logged_error"])),
                "logged_error_max": float(np.max(run["logged_error"])),
            }
        )
    return {"learning_rate": lr, "dev_ce_by_lr": dev_ce, "seeds": per_seed}


def run() -> dict:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    return {
        "world_sizes": list(WORLD_SIZES),
        "dtype": "float32",
        "processes": across_processes(),
        "accumulation": gradient_accumulation(),
        "steps": STEPS,
        "batch": BATCH,
        "micro_batches": MICRO,
    }


if __name__ == "__main__":
    from common import write

    write("ch13_distributed", run)
