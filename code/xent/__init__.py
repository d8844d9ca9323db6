"""xent: the shared code of the book *Cross-Entropy, from One Surprise to PyTorch*.

Modules
-------
info
    Surprisal, entropy, cross-entropy and KL divergence of discrete distributions.
functional
    NumPy versions of the losses in torch.nn.functional, same names and semantics.
calibration
    Reliability curves, expected calibration error and temperature scaling.
mle
    Cross-entropy as maximum likelihood: sampling, empirical frequencies, fitting a softmax.
lm
    Language models: a corpus that ships with Python, tokenizers, n-grams, perplexity, bits/byte.
neuron
    One sigmoid neuron trained by gradient descent: the learning-slowdown experiment.
preferences
    Pairwise preferences: Bradley-Terry reward models, DPO, the KL-regularised optimum.
demos
    Kernel-free HTML/JS demos for the static website.
plotting
    The book's colour-blind-safe plotting style.
checks
    Self-checks for the coding exercises: ``check("ex-...", answer=...)``.

The machinery that builds the book (website, notebooks, student edition) is not here: it is the
separate package ``editions`` (folder ``editions/``), which ``xent`` never imports.
"""

import importlib
from types import ModuleType

# Submodules load on first use (``xent.info``), so ``import xent`` stays fast and a module that
# needs torch or ipywidgets costs nothing until a chapter asks for it.
__all__ = [
    "calibration",
    "checks",
    "demos",
    "functional",
    "info",
    "lm",
    "mle",
    "neuron",
    "plotting",
    "preferences",
    "widgets",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
