"""xent: the shared code of the book *Cross-Entropy, from One Surprise to PyTorch*.

Modules
-------
info
    Surprisal, entropy, cross-entropy and KL divergence of discrete distributions.
functional
    NumPy versions of the losses in torch.nn.functional, same names and semantics.
mle
    Cross-entropy as maximum likelihood: sampling, empirical frequencies, fitting a softmax.
plotting
    The book's colour-blind-safe plotting style.
"""

from . import functional, info, mle, plotting

__all__ = ["functional", "info", "mle", "plotting"]
__version__ = "0.1.0"
