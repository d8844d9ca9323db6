"""Checks of chapter 8's coding exercises (cross-entropy in language models)."""

from __future__ import annotations

import numpy as np

from .. import lm
from . import CheckFailed, expect_array_close, expect_close, expect_true, matches, register

# ex-lm-bigram: a byte-level bigram with add-one smoothing on the chapter's corpus.
_TRAIN, _, _HELDOUT = lm.load_corpus()  # the chapter's training and test text
_TRAIN_IDS = lm.byte_tokenizer().encode(_TRAIN)
_HELDOUT_IDS = lm.byte_tokenizer().encode(_HELDOUT)
_N_BYTES = len(_HELDOUT_IDS)
_BIGRAM = lm.fit_ngram(_TRAIN_IDS, order=2, vocab_size=256, k=1.0)
_SCORE = lm.score(_BIGRAM.log_probs(_HELDOUT_IDS), _N_BYTES)
_TRAIN_SCORE = lm.score(_BIGRAM.log_probs(_TRAIN_IDS), len(_TRAIN_IDS))
_K_SMALL = lm.score(
    lm.fit_ngram(_TRAIN_IDS, order=2, vocab_size=256, k=0.01).log_probs(_HELDOUT_IDS), _N_BYTES
)
_UNIGRAM = lm.score(
    lm.fit_ngram(_TRAIN_IDS, order=1, vocab_size=256, k=1.0).log_probs(_HELDOUT_IDS), _N_BYTES
)


@register(
    "ex-lm-bigram",
    correct={"ppl_bigram": _SCORE.perplexity, "bpb_bigram": _SCORE.bits_per_byte},
    wrong=[
        {"ppl_bigram": _TRAIN_SCORE.perplexity, "bpb_bigram": _TRAIN_SCORE.bits_per_byte},
        {"ppl_bigram": 2**_SCORE.nll, "bpb_bigram": _SCORE.nll},  # nats taken for bits
        {"ppl_bigram": _K_SMALL.perplexity, "bpb_bigram": _K_SMALL.bits_per_byte},  # k = 0.01
        {"ppl_bigram": _UNIGRAM.perplexity, "bpb_bigram": _UNIGRAM.bits_per_byte},  # order 1
        {"ppl_bigram": _SCORE.perplexity, "bpb_bigram": _SCORE.nll},  # bits per byte in nats
    ],
)
def _lm_bigram(ppl_bigram, bpb_bigram):
    hint = "Fit lm.fit_ngram(train_ids, order=2, vocab_size=256, k=1.0); score the test bytes."
    if matches(ppl_bigram, _TRAIN_SCORE.perplexity):
        hint = "That is the perplexity on the training text; the exercise asks for the test text."
    elif matches(ppl_bigram, 2**_SCORE.nll):
        hint = "Perplexity is exp of the mean loss in nats (or 2 to the power of it in bits)."
    elif matches(ppl_bigram, _K_SMALL.perplexity):
        hint = "Add-one smoothing means k = 1."
    elif matches(ppl_bigram, _UNIGRAM.perplexity):
        hint = "A bigram model has order 2: each byte is predicted from the one before it."
    expect_close("ppl_bigram", ppl_bigram, _SCORE.perplexity, hint=hint, rel=1e-6)
    hint = "Total surprisal in bits (nats divided by ln 2) over the number of test bytes."
    if matches(bpb_bigram, _SCORE.nll):
        hint = "That is in nats; bits per byte needs the surprisal in bits (divide by ln 2)."
    expect_close("bpb_bigram", bpb_bigram, _SCORE.bits_per_byte, hint=hint, rel=1e-6)


# ex-lm-online-lse: the rows of the exercise's given cell, streamed 4 columns at a time.
_LSE_RNG = np.random.default_rng(8)
Z_ONLINE = (_LSE_RNG.standard_normal((3, 10)) * 60).astype(np.float32)
_CHUNK = 4
_Z64 = Z_ONLINE.astype(np.float64)
_M = _Z64.max(axis=1)
_LSE = _M + np.log(np.exp(_Z64 - _M[:, None]).sum(axis=1))


def _no_rescale(z: np.ndarray) -> np.ndarray:
    """The typical bug: the running sum is not rescaled when the maximum grows."""
    m = np.full(z.shape[0], -np.inf)
    s = np.zeros(z.shape[0])
    for start in range(0, z.shape[1], _CHUNK):
        c = z[:, start : start + _CHUNK]
        m = np.maximum(m, c.max(axis=1))
        s += np.exp(c - m[:, None]).sum(axis=1)
    return m + np.log(s)


def _chunk_lses(z: np.ndarray) -> list[np.ndarray]:
    out = []
    for start in range(0, z.shape[1], _CHUNK):
        c = z[:, start : start + _CHUNK]
        mc = c.max(axis=1)
        out.append(mc + np.log(np.exp(c - mc[:, None]).sum(axis=1)))
    return out


_NO_RESCALE = _no_rescale(_Z64)
_SUM_OF_LSES = np.sum(_chunk_lses(_Z64), axis=0)
_LAST_CHUNK = _chunk_lses(_Z64)[-1]


@register(
    "ex-lm-online-lse",
    correct={"lse_rows": _LSE.astype(np.float32)},
    wrong=[
        {"lse_rows": _NO_RESCALE},
        {"lse_rows": _SUM_OF_LSES},
        {"lse_rows": _M},  # the running maximum alone
        {"lse_rows": _LAST_CHUNK},  # only the last chunk kept
        {"lse_rows": np.full(3, np.inf)},  # exp overflows in float32
    ],
)
def _lm_online_lse(lse_rows):
    arr = np.asarray(lse_rows, dtype=float) if lse_rows is not None else None
    expect_true(
        arr is not None and arr.shape == (3,),
        "`lse_rows` should hold one number a row, shape (3,).",
    )
    if np.isinf(arr).any():
        raise CheckFailed(
            "`lse_rows` is infinite: exp of logits this large overflows in float32. Subtract "
            "the running maximum before exponentiating."
        )
    hint = (
        "Keep, per row, a running maximum m and a running sum s of exp(z - m); when a chunk "
        "raises the maximum to m', multiply s by exp(m - m') before adding the chunk's terms."
    )
    if np.allclose(arr, _NO_RESCALE, rtol=1e-5) and not np.allclose(arr, _LSE, rtol=1e-5):
        hint = (
            "The running sum must be rescaled by exp(m_old - m_new) whenever the maximum grows; "
            "otherwise terms measured from different maxima are added."
        )
    elif np.allclose(arr, _SUM_OF_LSES, rtol=1e-5):
        hint = "Log-sum-exps of chunks are not added; their exponentials are."
    elif np.allclose(arr, _M, rtol=1e-6):
        hint = "That is the maximum alone; add log of the running sum s."
    elif np.allclose(arr, _LAST_CHUNK, rtol=1e-5):
        hint = "Every chunk must count, not only the last one: carry m and s from chunk to chunk."
    expect_array_close("lse_rows", arr, _LSE, hint=hint, rel=1e-5, abs=1e-4)
