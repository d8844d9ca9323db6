"""Language models measured with cross-entropy: text, tokenizers, n-grams, perplexity, bits/byte.

A language model gives every token of a text a probability given the tokens before it; its loss
is the average of ``-log q(token | context)``, in nats, over the tokens of a held-out text. This
module has what chapter 8 needs to measure that on real text, with no download:

- ``load_corpus``: the text of Python's own reference manual, as every Python installation
  ships it in the standard-library module ``pydoc_data.topics`` (the text behind ``help("if")``,
  under the Python Software Foundation licence), split by topic into training and held-out text;
- two lossless tokenizers, ``byte_tokenizer`` (the 256 byte values) and ``word_tokenizer``
  (frequent words as single tokens, everything else spelled out in bytes);
- ``fit_ngram``: a count-based n-gram model with add-k smoothing, the maximum-likelihood model
  of chapter 4 with ``k`` pseudo-counts added to every count;
- ``train_neural_lm``: a small torch model (embeddings, one hidden layer, softmax) trained with
  ``cross_entropy``, for comparison;
- ``score``: perplexity and bits per token and per byte of a model's log-probabilities.

Everything is in nats unless the name says bits.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "LMScore",
    "NGramModel",
    "NeuralLM",
    "Tokenizer",
    "bits_per_byte",
    "byte_tokenizer",
    "fit_ngram",
    "load_corpus",
    "perplexity",
    "score",
    "train_neural_lm",
    "word_tokenizer",
]

# A word with the space before it, a run of punctuation with the space before it, or other
# white space: the pieces of text that the word tokenizer turns into single tokens.
_PIECES = re.compile(r" ?[A-Za-z0-9_]+| ?[^\sA-Za-z0-9_]+|\s+")


def load_corpus(heldout_every: int = 10) -> tuple[str, str]:
    """Python's reference-manual text (``pydoc_data.topics``), split into training and held-out.

    The standard library ships the text of the language reference's main topics (the
    ``if`` statement, the data model, ...) for ``help()``. The topics are sorted by name;
    every ``heldout_every``-th one (starting with the 5th) is held out, the rest is training
    text, so the held-out text is whole topics the model never saw. The text differs a little
    between Python versions, and so do the numbers measured on it.

    Parameters
    ----------
    heldout_every : int, default 10
        One topic in this many is held out (at least 2).

    Returns
    -------
    (str, str)
        The training text and the held-out text.

    Raises
    ------
    ValueError
        If ``heldout_every`` is not a whole number of at least 2.

    Examples
    --------
    >>> train, heldout = load_corpus()
    >>> len(train) > 5 * len(heldout) > 0
    True
    """
    if isinstance(heldout_every, bool) or not isinstance(heldout_every, int | np.integer):
        raise ValueError(f"heldout_every must be a whole number; got {heldout_every!r}")
    if heldout_every < 2:
        raise ValueError(f"heldout_every must be at least 2 (1 holds out all); got {heldout_every}")
    from pydoc_data.topics import topics

    names = sorted(topics)
    heldout = [topics[n] for i, n in enumerate(names) if i % heldout_every == 4 % heldout_every]
    train = [topics[n] for i, n in enumerate(names) if i % heldout_every != 4 % heldout_every]
    return "\n".join(train), "\n".join(heldout)


@dataclass(frozen=True)
class Tokenizer:
    """A lossless tokenizer: ``decode(encode(text)) == text`` for every text.

    Token ids ``0..255`` are the byte values; ids from 256 on are the entries of ``words``.

    Attributes
    ----------
    name : str
        A short description, for tables.
    words : tuple of str
        The multi-byte tokens (empty for the byte tokenizer).
    """

    name: str
    words: tuple[str, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({w: 256 + i for i, w in enumerate(self.words)})

    @property
    def vocab_size(self) -> int:
        """The number of different tokens, ``V``."""
        return 256 + len(self.words)

    def encode(self, text: str) -> NDArray[np.int64]:
        """The token ids of ``text`` (a known piece is one token, the rest its UTF-8 bytes).

        Examples
        --------
        >>> byte_tokenizer().encode("hi")
        array([104, 105])
        """
        if not isinstance(text, str):
            raise ValueError(f"text must be a str; got {type(text).__name__}")
        if not self.words:
            return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        ids: list[int] = []
        for piece in _PIECES.findall(text):
            token = self._index.get(piece)
            if token is None:
                ids.extend(piece.encode("utf-8"))
            else:
                ids.append(token)
        return np.asarray(ids, dtype=np.int64)

    def decode(self, ids: ArrayLike) -> str:
        """The text of the token ids ``ids``; the inverse of ``encode``.

        Examples
        --------
        >>> tok = word_tokenizer("the cat, the dog, the end", 1)
        >>> tok.words, tok.decode(tok.encode("the cat"))
        ((' the',), 'the cat')
        """
        arr = np.asarray(ids)
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise ValueError("ids must be a flat array of integer token ids")
        if arr.size and (arr.min() < 0 or arr.max() >= self.vocab_size):
            raise ValueError(f"token ids must lie in 0..{self.vocab_size - 1}")
        out = bytearray()
        for t in arr.tolist():
            out.extend(bytes([t]) if t < 256 else self.words[t - 256].encode("utf-8"))
        return out.decode("utf-8")


def byte_tokenizer() -> Tokenizer:
    """The byte tokenizer: one token per byte of the UTF-8 text, 256 tokens.

    Examples
    --------
    >>> tok = byte_tokenizer()
    >>> tok.vocab_size, tok.encode("é").tolist()
    (256, [195, 169])
    """
    return Tokenizer("bytes")


def word_tokenizer(text: str, n_words: int) -> Tokenizer:
    """A word tokenizer fitted to ``text``: its ``n_words`` most frequent pieces become tokens.

    The text is cut into pieces (a word with the space before it, a run of punctuation with
    the space before it, or white space); the ``n_words`` most frequent pieces of two bytes or
    more become tokens 256, 257, ... (ties broken alphabetically). A piece that is not a token,
    such as a word never seen in ``text``, is spelled out in bytes, so every text can be
    encoded and decoded again exactly, as in GPT-2's byte-level tokenizer.

    Parameters
    ----------
    text : str
        The training text.
    n_words : int
        How many multi-byte tokens to keep (at least 0).

    Returns
    -------
    Tokenizer
        With ``vocab_size == 256 + (number of pieces kept)``.

    Raises
    ------
    ValueError
        If ``text`` is not a string or ``n_words`` is not a whole number >= 0.

    Examples
    --------
    >>> tok = word_tokenizer(" to be or not to be", 2)
    >>> tok.words
    (' be', ' to')
    >>> len(tok.encode(" to be or")), len(" to be or".encode())
    (5, 9)
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str; got {type(text).__name__}")
    if isinstance(n_words, bool) or not isinstance(n_words, int | np.integer) or n_words < 0:
        raise ValueError(f"n_words must be a whole number >= 0; got {n_words!r}")
    counts = Counter(p for p in _PIECES.findall(text) if len(p.encode("utf-8")) > 1)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: int(n_words)]
    return Tokenizer(f"words ({len(ranked)} + 256 bytes)", tuple(sorted(w for w, _ in ranked)))


def _check_tokens(tokens: ArrayLike, vocab_size: int, name: str = "tokens") -> NDArray[np.int64]:
    arr = np.asarray(tokens)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be a flat array of integer token ids; got {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.min() < 0 or arr.max() >= vocab_size:
        raise ValueError(
            f"{name} holds ids from {arr.min()} to {arr.max()}, outside 0..{vocab_size - 1}"
        )
    return arr.astype(np.int64)


def _contexts(tokens: NDArray[np.int64], order: int, vocab_size: int) -> NDArray[np.int64]:
    """The previous ``order - 1`` tokens of each position as one integer (start padded by V)."""
    base = vocab_size + 1
    padded = np.concatenate([np.full(order - 1, vocab_size, dtype=np.int64), tokens])
    ctx = np.zeros(len(tokens), dtype=np.int64)
    for j in range(order - 1):
        ctx = ctx * base + padded[j : j + len(tokens)]
    return ctx


@dataclass(frozen=True)
class NGramModel:
    """A count-based n-gram model with add-k smoothing (see ``fit_ngram``).

    Attributes
    ----------
    order : int
        ``n``: each token is predicted from the ``n - 1`` before it.
    vocab_size : int
        ``V``, the number of different tokens.
    k : float
        The pseudo-count added to every (context, token) count.
    """

    order: int
    vocab_size: int
    k: float
    _pairs: NDArray[np.int64] = field(repr=False)
    _pair_counts: NDArray[np.int64] = field(repr=False)
    _contexts: NDArray[np.int64] = field(repr=False)
    _context_counts: NDArray[np.int64] = field(repr=False)

    def log_probs(self, tokens: ArrayLike) -> NDArray[np.float64]:
        """``log q(token_i | previous n - 1 tokens)`` of every token, in nats.

        ``q = (count(context, token) + k) / (count(context) + k V)``; the first tokens have
        start-of-text padding as context.

        Examples
        --------
        >>> m = fit_ngram([0, 1, 0, 1], order=2, vocab_size=2, k=1.0)
        >>> np.exp(m.log_probs([0, 1])).round(3)  # 0 from the start (1+1)/(1+2), 1 after 0
        array([0.667, 0.75 ])
        """
        t = _check_tokens(tokens, self.vocab_size)
        ctx = _contexts(t, self.order, self.vocab_size)
        pair = ctx * self.vocab_size + t
        n_pair = _lookup(self._pairs, self._pair_counts, pair)
        n_ctx = _lookup(self._contexts, self._context_counts, ctx)
        return np.log(n_pair + self.k) - np.log(n_ctx + self.k * self.vocab_size)


def _lookup(keys: NDArray, counts: NDArray, query: NDArray) -> NDArray[np.float64]:
    """``counts`` of each ``query`` in the sorted ``keys``, 0 where absent."""
    if keys.size == 0:
        return np.zeros(len(query))
    i = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[i] == query, counts[i], 0).astype(np.float64)


def fit_ngram(tokens: ArrayLike, order: int, vocab_size: int, k: float = 1.0) -> NGramModel:
    """Fit an n-gram model with add-k smoothing by counting.

    The maximum-likelihood n-gram model (chapter 4) predicts token ``t`` after context ``c``
    with probability ``count(c, t) / count(c)``: the frequencies of the training text. It gives
    probability 0, and so infinite surprisal, to every pair it never saw. Add-k smoothing adds
    ``k`` pseudo-counts to every pair, ``q(t | c) = (count(c, t) + k) / (count(c) + k V)``,
    which is never 0 (``k = 1`` is Laplace's rule of succession).

    Parameters
    ----------
    tokens : array_like of int
        The training tokens, ids in ``0..vocab_size-1``.
    order : int
        ``n`` >= 1 (1: unigram, no context; 2: bigram; ...). ``vocab_size + 1`` to the power
        ``order`` must fit in 63 bits.
    vocab_size : int
        ``V``.
    k : float, default 1.0
        Pseudo-count, > 0.

    Returns
    -------
    NGramModel

    Raises
    ------
    ValueError
        For token ids outside ``0..V-1``, an order below 1 or too large, or ``k <= 0``.

    Examples
    --------
    >>> m = fit_ngram([0, 0, 0, 1], order=1, vocab_size=2, k=0.5)
    >>> np.exp(m.log_probs([0, 1])).round(3)  # (3 + 0.5) / (4 + 1), (1 + 0.5) / (4 + 1)
    array([0.7, 0.3])
    """
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int | np.integer):
        raise ValueError(f"vocab_size must be a whole number; got {vocab_size!r}")
    if vocab_size < 1:
        raise ValueError(f"vocab_size must be at least 1; got {vocab_size}")
    if isinstance(order, bool) or not isinstance(order, int | np.integer) or order < 1:
        raise ValueError(f"order must be a whole number >= 1; got {order!r}")
    if order * math.log2(vocab_size + 1) >= 63:
        raise ValueError(f"order {order} is too large for a vocabulary of {vocab_size} tokens")
    if not (isinstance(k, int | float | np.floating) and math.isfinite(k) and k > 0):
        raise ValueError(f"k must be a positive number (a pseudo-count); got {k!r}")
    t = _check_tokens(tokens, vocab_size)
    ctx = _contexts(t, order, vocab_size)
    pairs, pair_counts = np.unique(ctx * vocab_size + t, return_counts=True)
    contexts, context_counts = np.unique(ctx, return_counts=True)
    return NGramModel(
        int(order), int(vocab_size), float(k), pairs, pair_counts, contexts, context_counts
    )


def perplexity(log_probs: ArrayLike) -> float:
    """Perplexity ``exp(-mean log q)`` of per-token log-probabilities (nats).

    It is ``2 ** (bits per token)``: the number of equally likely choices that would surprise
    the model as much on average. A model that spreads its probability uniformly over ``V``
    tokens has perplexity ``V``.

    Examples
    --------
    >>> round(perplexity(np.log(np.full(10, 1 / 50))), 6)  # uniform over 50 tokens
    50.0
    """
    lp = _check_log_probs(log_probs)
    return float(np.exp(-lp.mean()))


def bits_per_byte(log_probs: ArrayLike, n_bytes: int) -> float:
    """Bits per byte: the total surprisal of a text, in bits, divided by its length in bytes.

    Unlike perplexity it does not depend on how the text was cut into tokens, so it compares
    models with different tokenizers on the same text.

    Examples
    --------
    >>> bits_per_byte(np.log([0.5, 0.25]), 3)  # 1 + 2 bits over 3 bytes
    1.0
    """
    lp = _check_log_probs(log_probs)
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, int | np.integer) or n_bytes < 1:
        raise ValueError(f"n_bytes must be a whole number >= 1; got {n_bytes!r}")
    return float(-lp.sum() / math.log(2) / n_bytes)


def _check_log_probs(log_probs: ArrayLike) -> NDArray[np.float64]:
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 1 or lp.size == 0:
        raise ValueError("log_probs must be a non-empty flat array, one log-probability a token")
    if np.isnan(lp).any() or (lp > 1e-9).any():
        raise ValueError("log_probs must be log-probabilities (numbers <= 0, no NaN), in nats")
    return lp


@dataclass(frozen=True)
class LMScore:
    """How well a model predicts a text (see ``score``).

    Attributes
    ----------
    nll : float
        Mean negative log-likelihood per token, nats: the cross-entropy loss.
    perplexity : float
        ``exp(nll)``.
    bits_per_token : float
        ``nll / ln 2``; perplexity is ``2 ** bits_per_token``.
    bits_per_byte : float
        Total surprisal in bits divided by the text's length in bytes.
    tokens : int
        Number of tokens scored.
    n_bytes : int
        Length of the text in bytes.
    """

    nll: float
    perplexity: float
    bits_per_token: float
    bits_per_byte: float
    tokens: int
    n_bytes: int


def score(log_probs: ArrayLike, n_bytes: int) -> LMScore:
    """Perplexity, bits per token and bits per byte of a model on a text of ``n_bytes`` bytes.

    Examples
    --------
    >>> s = score(np.log([0.5, 0.5, 0.25]), n_bytes=4)
    >>> round(s.perplexity, 4), s.bits_per_token, s.bits_per_byte
    (2.5198, 1.3333333333333333, 1.0)
    """
    lp = _check_log_probs(log_probs)
    nll = float(-lp.mean())
    return LMScore(
        nll, math.exp(nll), nll / math.log(2), bits_per_byte(lp, n_bytes), lp.size, int(n_bytes)
    )


@dataclass
class NeuralLM:
    """A trained neural n-gram model (see ``train_neural_lm``).

    Attributes
    ----------
    context : int
        Number of previous tokens it sees.
    vocab_size : int
        ``V``.
    train_loss : list of float
        Training loss (nats per token) every 50 steps.
    module : torch.nn.Module
        The torch model: embeddings, a hidden tanh layer and the output layer.
    """

    context: int
    vocab_size: int
    train_loss: list[float]
    module: Any = field(repr=False)

    def log_probs(self, tokens: ArrayLike, batch: int = 4096) -> NDArray[np.float64]:
        """``log q(token_i | previous context tokens)`` of every token, in nats.

        Examples
        --------
        >>> m = train_neural_lm([0, 1] * 200, 2, context=1, steps=40, seed=0)
        >>> bool(np.exp(m.log_probs([0, 1, 0])[1:]).min() > 0.9)  # 0 follows 1 follows 0
        True
        """
        import torch
        import torch.nn.functional as F

        t = _check_tokens(tokens, self.vocab_size)
        windows = torch.from_numpy(_windows(t, self.context, self.vocab_size))
        target = torch.from_numpy(t)
        out = []
        with torch.no_grad():
            for i in range(0, len(t), batch):
                logits = self.module(windows[i : i + batch])
                out.append(-F.cross_entropy(logits, target[i : i + batch], reduction="none"))
        return torch.cat(out).double().numpy()


def _windows(tokens: NDArray[np.int64], context: int, vocab_size: int) -> NDArray[np.int64]:
    """Row i holds the ``context`` tokens before position i (start padded with id V)."""
    padded = np.concatenate([np.full(context, vocab_size, dtype=np.int64), tokens])
    return np.lib.stride_tricks.sliding_window_view(padded, context)[: len(tokens)].copy()


def train_neural_lm(
    tokens: ArrayLike,
    vocab_size: int,
    context: int = 4,
    embed: int = 24,
    hidden: int = 128,
    steps: int = 400,
    batch: int = 256,
    lr: float = 3e-3,
    seed: int = 0,
    callback: Callable[[int, float], None] | None = None,
) -> NeuralLM:
    """Train a small neural n-gram model (Bengio et al., 2003) with torch's cross-entropy.

    Each of the ``context`` previous tokens is looked up in an embedding table; the
    embeddings, side by side, go through one hidden ``tanh`` layer and a linear layer with
    ``V`` outputs, the logits of the next token. Training minimises
    ``F.cross_entropy(logits, next_token)`` with Adam on random mini-batches of positions.
    Runs on the CPU in a second or two for the sizes of chapter 8; seeded, so repeatable.

    Parameters
    ----------
    tokens : array_like of int
        Training tokens, ids in ``0..vocab_size-1``.
    vocab_size : int
        ``V``.
    context, embed, hidden : int
        Previous tokens seen, embedding width and hidden width.
    steps, batch : int
        Number of Adam steps and positions per step.
    lr : float
        Adam's learning rate.
    seed : int
        Seed of torch's generator (initial weights and mini-batches).
    callback : callable, optional
        Called as ``callback(step, loss)`` every 50 steps.

    Returns
    -------
    NeuralLM

    Raises
    ------
    ValueError
        For token ids outside ``0..V-1`` or sizes that are not positive whole numbers.

    Examples
    --------
    >>> m = train_neural_lm([1, 2, 3] * 50, 4, context=2, steps=20, seed=0)
    >>> m.train_loss[0] > m.train_loss[-1]
    True
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    for name, value in (
        ("vocab_size", vocab_size),
        ("context", context),
        ("embed", embed),
        ("hidden", hidden),
        ("steps", steps),
        ("batch", batch),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number; got {lr!r}")
    t = _check_tokens(tokens, vocab_size)
    windows = torch.from_numpy(_windows(t, context, vocab_size))
    target = torch.from_numpy(t)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    module = nn.Sequential(
        nn.Embedding(vocab_size + 1, embed),  # + 1: the start-of-text padding
        nn.Flatten(),
        nn.Linear(context * embed, hidden),
        nn.Tanh(),
        nn.Linear(hidden, vocab_size),
    )
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    losses: list[float] = []
    for step in range(steps):
        idx = torch.randint(0, len(t), (batch,), generator=gen)
        loss = F.cross_entropy(module(windows[idx]), target[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            losses.append(loss.item())
            if callback is not None:
                callback(step, loss.item())
    module.eval()
    return NeuralLM(int(context), int(vocab_size), losses, module)
