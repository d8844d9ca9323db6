"""xent.lm: lossless tokenizers, add-k n-grams that are distributions, perplexity, bits per byte."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xent import lm

TEXT = "The cat sat on the mat. The dog sat on the log; the cat saw the dog!\n"


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=60), n_words=st.integers(0, 10))
def test_tokenizers_are_lossless(text: str, n_words: int) -> None:
    for tok in (lm.byte_tokenizer(), lm.word_tokenizer(TEXT + text, n_words)):
        ids = tok.encode(text)
        assert ids.dtype == np.int64 and (ids < tok.vocab_size).all()
        assert tok.decode(ids) == text


def test_word_tokenizer_keeps_the_most_frequent_pieces() -> None:
    tok = lm.word_tokenizer(TEXT, 3)
    assert tok.vocab_size == 259
    # " the" 4 times; " cat", " dog", " on", " sat" twice each, ties broken alphabetically
    assert set(tok.words) == {" the", " cat", " dog"}
    assert len(tok.encode(" the sat")) == 1 + len(b" sat")


def test_corpus_ships_with_python_and_splits_by_topic() -> None:
    train, dev, test = lm.load_corpus()
    assert len(test) > 10_000 and len(dev) > 10_000 and len(train) > 10 * len(test)
    assert test not in train and dev not in train
    with pytest.raises(ValueError, match="at least 3"):
        lm.load_corpus(0, 2)
    with pytest.raises(ValueError, match=r"0\.\.9"):
        lm.load_corpus(10)


@pytest.mark.parametrize("split", range(10))
def test_heldout_text_does_not_overlap_the_training_text(split: int) -> None:
    """No 50-character passage of the dev or test text is copied from the training text.

    Before de-duplication up to 88% of a split's test text lay in such passages (topics nest
    others: ``if`` is a section of ``compound``); a residue under 1% remains where a dropped
    paragraph's neighbours join into a passage the training text also has.
    """
    train, dev, test = lm.load_corpus(split)
    assert lm.overlap(test, train) < 0.01
    assert lm.overlap(dev, train) < 0.01
    assert len(test) > 2000 and len(dev) > 2000


def test_overlap_counts_the_characters_of_copied_passages() -> None:
    assert lm.overlap("abcdefgh", "xxabcdxx", window=4) == 0.5
    assert lm.overlap("abcdefgh", "abcdefgh", window=4) == 1.0
    assert lm.overlap("abcdefgh", "hgfedcba", window=2) == 0.0
    assert lm.overlap("abc", "abc", window=4) == 0.0  # shorter than a window
    text = "the quick brown fox jumps over the lazy dog " * 3
    assert lm.overlap(text, text[:100]) == 1.0  # every 50 characters of it are in text[:100]
    assert lm.overlap(text, text[:60]) < 1.0
    with pytest.raises(ValueError, match="window"):
        lm.overlap("a", "b", window=0)


@settings(max_examples=50, deadline=None)
@given(heldout=st.text(max_size=80), train=st.text(max_size=80), window=st.integers(1, 6))
def test_overlap_agrees_with_a_direct_search(heldout: str, train: str, window: int) -> None:
    """The rolling hash finds exactly the passages that ``str.find`` finds."""
    covered = [False] * len(heldout)
    for i in range(len(heldout) - window + 1):
        if heldout[i : i + window] in train:
            covered[i : i + window] = [True] * window
    expected = sum(covered) / len(heldout) if len(heldout) >= window else 0.0
    assert lm.overlap(heldout, train, window) == pytest.approx(expected)


def test_the_old_split_was_contaminated_and_the_new_one_is_not() -> None:
    """The held-out topics of the former split (one in ten, from the 5th) copy training text."""
    from pydoc_data.topics import topics

    names = sorted(topics)
    old_heldout = "\n".join(topics[n] for i, n in enumerate(names) if i % 10 == 4)
    old_train = "\n".join(topics[n] for i, n in enumerate(names) if i % 10 != 4)
    assert lm.overlap(old_heldout, old_train) > 0.3
    train, _, test = lm.load_corpus(4)
    assert lm.overlap(test, train) < 0.01


@settings(max_examples=50, deadline=None)
@given(
    order=st.integers(1, 3),
    vocab=st.integers(1, 5),
    k=st.sampled_from([0.01, 0.5, 1.0, 3.0]),
    seed=st.integers(0, 10_000),
)
def test_ngram_gives_a_distribution_after_every_context(order, vocab, k, seed) -> None:
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, vocab, 40)
    model = lm.fit_ngram(tokens, order, vocab, k)
    # for some contexts (seen or not), the probabilities of the V next tokens sum to 1
    for _ in range(5):
        prefix = rng.integers(0, vocab, order - 1)
        total = sum(
            math.exp(model.log_probs(np.append(prefix, t).astype(np.int64))[-1])
            for t in range(vocab)
        )
        assert total == pytest.approx(1.0, abs=1e-12)


def test_ngram_is_add_k_counting() -> None:
    tokens = np.array([0, 1, 0, 1, 0, 2])
    model = lm.fit_ngram(tokens, 2, 3, k=0.5)
    # after 0: next is 1, 1, 2 (3 times); after 1: next is 0, 0
    lp = model.log_probs(np.array([0, 1, 0, 2]))
    assert np.exp(lp[1]) == pytest.approx((2 + 0.5) / (3 + 1.5))
    assert np.exp(lp[2]) == pytest.approx((2 + 0.5) / (2 + 1.5))
    assert np.exp(lp[3]) == pytest.approx((1 + 0.5) / (3 + 1.5))


def test_uniform_model_has_perplexity_v_and_log2_v_bits() -> None:
    lp = np.full(100, -math.log(37))
    s = lm.score(lp, n_bytes=50)
    assert s.perplexity == pytest.approx(37)
    assert 2**s.bits_per_token == pytest.approx(s.perplexity)
    assert s.bits_per_byte == pytest.approx(math.log2(37) * 100 / 50)


def test_bits_per_byte_does_not_depend_on_the_tokenizer_for_the_same_probabilities() -> None:
    """Splitting a token's probability into a chain of byte probabilities keeps the total."""
    lp_word = np.log([0.2, 0.05])  # two tokens of 3 bytes each
    lp_bytes = np.log([0.5, 0.8, 0.5, 0.25, 0.4, 0.5])  # same products, byte by byte
    assert lm.bits_per_byte(lp_word, 6) == pytest.approx(lm.bits_per_byte(lp_bytes, 6))
    assert lm.perplexity(lp_word) > 3 * lm.perplexity(lp_bytes)


def test_neural_lm_learns_and_is_repeatable() -> None:
    tokens = np.tile([3, 1, 4, 1, 5], 60)
    a = lm.train_neural_lm(tokens, 6, context=2, steps=60, seed=1)
    b = lm.train_neural_lm(tokens, 6, context=2, steps=60, seed=1)
    assert a.train_loss == b.train_loss
    assert lm.perplexity(a.log_probs(tokens)) < 1.5  # the sequence is predictable from 2 tokens


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: lm.fit_ngram([0, 3], 2, 3), "outside 0..2"),
        (lambda: lm.fit_ngram([0.5, 1], 2, 3), "integer token ids"),
        (lambda: lm.fit_ngram([0, 1], 0, 3), "order"),
        (lambda: lm.fit_ngram([0, 1], 2, 3, k=0), "k must be a positive"),
        (lambda: lm.fit_ngram([0, 1], 20, 50_000), "too large"),
        (lambda: lm.perplexity([0.5]), "log-probabilities"),
        (lambda: lm.bits_per_byte([-1.0], 0), "n_bytes"),
        (lambda: lm.word_tokenizer("abc", -1), "n_words"),
        (lambda: lm.byte_tokenizer().decode([300]), "0..255"),
        (lambda: lm.train_neural_lm([0, 1], 2, context=0), "context"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
