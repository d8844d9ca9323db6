"""The Jupyter explorers react to their controls (tested without a kernel)."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from xent.widgets import surprisal_explorer


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
