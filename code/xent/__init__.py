"""xent: the shared code of the book *Cross-Entropy, from One Surprise to PyTorch*.

Modules
-------
info
    Surprisal, entropy, cross-entropy and KL divergence of discrete distributions.
functional
    NumPy versions of the losses in torch.nn.functional, same names and semantics.
plotting
    The book's colour-blind-safe plotting style.
"""

from . import functional, info, plotting

__all__ = ["functional", "info", "plotting"]
__version__ = "0.1.0"
