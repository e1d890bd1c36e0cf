"""vaemath: can the VAE's KL term be replaced by a 'simpler, equivalent' penalty?

The public API is re-exported here and loaded lazily, so ``import vaemath`` stays light: sympy,
numba and matplotlib are imported only when a name that needs them is first used.
"""

import os
from importlib import import_module

# gmpy2 (a dependency) speeds up mpmath; sympy 1.14 on gmpy2's integers raises OverflowError (math.log of an mpz
# beyond float range, sympy/ntheory/factor_.py perfect_power) on huge rationals to fractional powers: sympy keeps
# Python integers, where that step works, unless the user chose otherwise or imported sympy first
os.environ.setdefault("SYMPY_GROUND_TYPES", "python")

__version__ = "0.1.0"

_EXPORTS = {
    "Penalty": "vaemath.symbolic",
    "penalty": "vaemath.symbolic",
    "catalogue": "vaemath.symbolic",
    "renyi": "vaemath.symbolic",
    "reparametrize": "vaemath.symbolic",
    "gradient": "vaemath.symbolic",
    "hessian": "vaemath.symbolic",
    "critical_points": "vaemath.symbolic",
    "minimizer": "vaemath.symbolic",
    "taylor": "vaemath.symbolic",
    "limits": "vaemath.symbolic",
    "check": "vaemath.analysis",
    "Verdict": "vaemath.analysis",
    "grid": "vaemath.kernels",
    "grid_reduce": "vaemath.kernels",
    "evaluate": "vaemath.kernels",
    "derive": "vaemath.symbolic",
}
_MODULES = ("symbolic", "analysis", "kernels", "vae", "figures", "report")
_ALIASES = {"linear": "vaemath.analysis.linear"}  # top-level names for modules that live deeper

__all__ = sorted(_EXPORTS) + list(_MODULES) + sorted(_ALIASES)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
    elif name in _MODULES:
        value = import_module(f"vaemath.{name}")
    elif name in _ALIASES:
        value = import_module(_ALIASES[name])
    else:
        raise AttributeError(f"module 'vaemath' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
