"""Analysis on top of the symbolic layer: equivalence claims (``check``) and the linear-Gaussian VAE."""

from vaemath.analysis.equivalence import check
from vaemath.analysis.verdict import RELATIONS, Verdict

__all__ = ["RELATIONS", "Verdict", "check"]
