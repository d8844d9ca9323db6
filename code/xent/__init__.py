"""xent: the shared code of the book *Cross-Entropy, from One Surprise to PyTorch*.

Modules
-------
info
    Surprisal, entropy, cross-entropy and KL divergence of discrete distributions.
plotting
    The book's colour-blind-safe plotting style.
"""

from . import info, plotting

__all__ = ["info", "plotting"]
__version__ = "0.1.0"
