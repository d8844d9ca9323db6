"""The Jupyter explorers react to their controls (tested without a kernel)."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from xent.widgets import entropy_explorer, kl_explorer, slowdown_explorer, surprisal_explorer


def test_surprisal_explorer_updates_readout() -> None:
    slider, readout, _plot = surprisal_explorer(0.5).children
    assert "1.000 bits" in readout.value
    slider.value = 0.25
    assert "2.000 bits" in readout.value
    assert "1.386 nats" in readout.value


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5])
def test_surprisal_explorer_rejects_bad_start(bad) -> None:
    with pytest.raises(ValueError):
        surprisal_explorer(bad)


def test_surprisal_explorer_redraws_the_plot() -> None:
    slider, _readout, plot = surprisal_explorer(0.5).children
    before = bytes(plot.value)
    assert before.startswith(b"\x89PNG")
    slider.value = 0.01
    assert bytes(plot.value) != before


# ---------------------------------------------------------------- entropy and KL explorers


def test_entropy_explorer_renormalises_and_updates() -> None:
    box = entropy_explorer([0.25, 0.25, 0.25, 0.25])
    sliders, readout, plot = box.children[0].children, box.children[1], box.children[2]
    assert len(sliders) == 4 and "H = 2.000 bits" in readout.value
    before = bytes(plot.value)
    for s in sliders:
        s.value = 0.5  # equal weights, whatever their sum: still uniform
    assert "H = 2.000 bits" in readout.value
    sliders[0].value, sliders[1].value, sliders[2].value = 0.0, 0.0, 0.0
    assert "H = 0.000 bits" in readout.value and "p = [0.000, 0.000, 0.000, 1.000]" in readout.value
    assert bytes(plot.value) != before


def test_entropy_explorer_all_zero_weights_say_so() -> None:
    box = entropy_explorer([0.5, 0.5])
    sliders, readout = box.children[0].children, box.children[1]
    sliders[0].value, sliders[1].value = 0.0, 0.0
    assert "All weights are 0" in readout.value and "nan" not in readout.value


@pytest.mark.parametrize("bad", [[0.5, 0.6], [1.0], [[0.5, 0.5]], [0.5, -0.5, 1.0]])
def test_entropy_explorer_rejects_bad_start(bad) -> None:
    with pytest.raises(ValueError):
        entropy_explorer(bad)


def test_kl_explorer_shows_both_directions() -> None:
    box = kl_explorer([0.9, 0.1], [0.5, 0.5])
    columns, readout = box.children[0], box.children[1]
    p_sliders, q_sliders = columns.children[0].children, columns.children[1].children
    assert len(p_sliders) == len(q_sliders) == 2
    assert "D(p||q) = 0.531" in readout.value and "D(q||p) = 0.737" in readout.value
    q_sliders[0].value, q_sliders[1].value = 0.9, 0.1  # q becomes p
    assert "D(p||q) = 0.000" in readout.value and "D(q||p) = 0.000" in readout.value
    q_sliders[1].value = 0.0  # q rules out outcome 1, which p allows
    assert "D(p||q) = &infin;" in readout.value
    p_sliders[0].value = p_sliders[1].value = 0.0
    assert "are 0" in readout.value


def test_kl_explorer_rejects_mismatched_pair() -> None:
    with pytest.raises(ValueError, match="same number of outcomes"):
        kl_explorer([0.5, 0.5], [0.2, 0.3, 0.5])


def test_slowdown_explorer_reacts_to_every_control() -> None:
    from xent.neuron import train

    w, b, eta, epochs, cost, readout, plot = slowdown_explorer().children
    assert f"{train(0.6, 0.9, 'quadratic').a[-1]:.4f}" in readout.value
    before = bytes(plot.value)
    w.value, b.value = 2.0, 2.0
    assert f"{train(2.0, 2.0, 'quadratic').a[-1]:.4f}" in readout.value
    assert bytes(plot.value) != before
    cost.value = "cross_entropy"
    assert "cross-entropy cost" in readout.value
    assert f"{train(2.0, 2.0, 'cross_entropy').a[-1]:.4f}" in readout.value
    eta.value, epochs.value = 0.005, 100
    ref = train(2.0, 2.0, "cross_entropy", eta=0.005, epochs=100).a[-1]
    assert f"{ref:.4f}</b> after 100 iterations" in readout.value


@pytest.mark.parametrize(
    "kwargs", [{"eta": 0.0}, {"cost": "hinge"}, {"w": 10.0}, {"epochs": -1}, {"epochs": 5000}]
)
def test_slowdown_explorer_rejects_bad_start(kwargs) -> None:
    with pytest.raises(ValueError):
        slowdown_explorer(**kwargs)
