"""The experimental leg: numpy-autograd VAEs trained with any penalty, and their evaluation.

``train`` fits one model (digits or linear-Gaussian data) and returns a :class:`TrainResult`;
``compare`` runs penalties x seeds in parallel and summarises every metric; ``markdown`` renders it.
The penalty enters autograd as one primitive whose value and VJP are the generated kernels
(:mod:`vaemath.vae.penalty`).
"""

from vaemath.vae.data import digits, linear_gaussian
from vaemath.vae.penalty import penalty_sum
from vaemath.vae.sweep import compare, markdown
from vaemath.vae.training import TrainResult, train

__all__ = ["TrainResult", "compare", "digits", "linear_gaussian", "markdown", "penalty_sum", "train"]
