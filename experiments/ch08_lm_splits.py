"""Chapter 8's language models on all ten splits of the corpus: is the comparison robust?

For each split of ``xent.lm.load_corpus`` (split 0 is the chapter's), the byte and the word
tokenizer (2,000 words fitted on that split's training text), add-k n-gram models of orders
1-4 with ``k`` chosen on the development text from ``K_GRID``, and the chapter's two small neural
models are measured on the test text, in bits per byte and perplexity. Over the ten splits every
topic is test text once. Also recorded: the overlap of test and dev text with the training text
(after the de-duplication of ``load_corpus``), and what it was before it (the raw test topics),
including the split the chapter used before de-duplication (topics ``i % 10 == 4`` held out).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import torch

from xent import lm

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

N_SPLITS = 10
K_GRID = [0.001, 0.01, 0.1, 1.0]
ORDERS = [1, 2, 3, 4]
N_WORDS = 2000
#: The chapter's neural models (sizes fixed, not tuned) and their training.
NEURAL = {
    "bytes": {"context": 8, "embed": 24, "hidden": 128},
    "words": {"context": 3, "embed": 16, "hidden": 32},
}
TRAINING = {"steps": 200, "batch": 256, "lr": 1e-2, "seed": 0}
MODELS = [
    "byte trigram",
    "word trigram",
    "byte neural",
    "word neural",
    "byte best n-gram",
    "word best n-gram",
]


def raw_topics(split: int, heldout_every: int = N_SPLITS) -> tuple[str, str]:
    """Training text and the test topics *before* de-duplication (for the overlap it removes)."""
    from pydoc_data.topics import topics

    names = sorted(topics)
    test = [topics[n] for i, n in enumerate(names) if i % heldout_every == split]
    dev = (split + 1) % heldout_every
    train = [topics[n] for i, n in enumerate(names) if i % heldout_every not in (split, dev)]
    return "\n".join(train), "\n".join(test)


def old_split_overlap() -> float:
    """The chapter's former split: topics i % 10 == 4 held out, all others training text."""
    from pydoc_data.topics import topics

    names = sorted(topics)
    heldout = "\n".join(topics[n] for i, n in enumerate(names) if i % 10 == 4)
    train = "\n".join(topics[n] for i, n in enumerate(names) if i % 10 != 4)
    return lm.overlap(heldout, train)


def split_results(split: int) -> dict:
    train, dev, test = lm.load_corpus(split, N_SPLITS)
    n_dev, n_test = len(dev.encode("utf-8")), len(test.encode("utf-8"))
    raw_train, raw_test = raw_topics(split)
    out: dict = {
        "train_bytes": len(train.encode("utf-8")),
        "dev_bytes": n_dev,
        "test_bytes": n_test,
        "overlap_test": lm.overlap(test, train),
        "overlap_dev": lm.overlap(dev, train),
        "overlap_test_before": lm.overlap(raw_test, raw_train),
        "models": {},
        "chosen": {},
    }
    tokenizers = {"bytes": lm.byte_tokenizer(), "words": lm.word_tokenizer(train, N_WORDS)}
    for name, tok in tokenizers.items():
        short = name[:-1]  # "byte", "word"
        ids_train, ids_dev, ids_test = (tok.encode(t) for t in (train, dev, test))
        dev_bpb = {}
        fitted = {}
        for order in ORDERS:
            fitted[order] = lm.fit_ngram(ids_train, order, tok.vocab_size, k=K_GRID[0])
            for k in K_GRID:
                model = dataclasses.replace(fitted[order], k=k)
                dev_bpb[order, k] = lm.score(model.log_probs(ids_dev), n_dev).bits_per_byte
        k3 = min(K_GRID, key=lambda k: dev_bpb[3, k])
        best_order, best_k = min(dev_bpb, key=dev_bpb.get)
        out["chosen"][name] = {"trigram_k": k3, "best_order": best_order, "best_k": best_k}
        for label, order, k in (
            (f"{short} trigram", 3, k3),
            (f"{short} best n-gram", best_order, best_k),
        ):
            model = dataclasses.replace(fitted[order], k=k)
            s = lm.score(model.log_probs(ids_test), n_test)
            out["models"][label] = {"bits_per_byte": s.bits_per_byte, "perplexity": s.perplexity}
        net = lm.train_neural_lm(ids_train, tok.vocab_size, **NEURAL[name], **TRAINING)
        s = lm.score(net.log_probs(ids_test), n_test)
        out["models"][f"{short} neural"] = {
            "bits_per_byte": s.bits_per_byte,
            "perplexity": s.perplexity,
        }
    return out


def paired(splits: list[dict], a: str, b: str, resamples: int = 10_000) -> dict:
    """Bits per byte of ``a`` minus ``b`` on each split: mean, range, how often a wins, and a
    95% percentile-bootstrap interval of the mean (the splits resampled, seeded)."""
    d = np.array(
        [s["models"][a]["bits_per_byte"] - s["models"][b]["bits_per_byte"] for s in splits]
    )
    rng = np.random.default_rng(0)
    means = d[rng.integers(0, len(d), (resamples, len(d)))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return {
        "mean": float(d.mean()),
        "min": float(d.min()),
        "max": float(d.max()),
        "ci_low": float(low),
        "ci_high": float(high),
        "a_better": int((d < 0).sum()),
        "n": len(d),
    }


def run() -> dict:
    torch.set_num_threads(1)
    splits = [split_results(s) for s in range(N_SPLITS)]
    total_bytes = sum(s["test_bytes"] for s in splits)
    pooled = {
        m: sum(s["models"][m]["bits_per_byte"] * s["test_bytes"] for s in splits) / total_bytes
        for m in MODELS
    }
    wins = {m: 0 for m in MODELS}
    for s in splits:
        wins[min(MODELS, key=lambda m: s["models"][m]["bits_per_byte"])] += 1
    before = [s["overlap_test_before"] for s in splits]
    after = [max(s["overlap_test"], s["overlap_dev"]) for s in splits]
    return {
        "n_splits": N_SPLITS,
        "k_grid": K_GRID,
        "splits": splits,
        "pooled_bits_per_byte": pooled,
        "test_bytes_total": total_bytes,
        "best_model_wins": wins,
        "word_minus_byte_trigram": paired(splits, "word trigram", "byte trigram"),
        "word_minus_byte_neural": paired(splits, "word neural", "byte neural"),
        "word_minus_byte_best_ngram": paired(splits, "word best n-gram", "byte best n-gram"),
        "word_neural_minus_word_best_ngram": paired(splits, "word neural", "word best n-gram"),
        "overlap_before": {"min": min(before), "max": max(before)},
        "overlap_after_max": max(after),
        "old_split_overlap": old_split_overlap(),
    }


if __name__ == "__main__":
    common.write("ch08_lm_splits", run)
