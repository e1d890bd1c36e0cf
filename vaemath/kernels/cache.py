"""Generated kernels as real modules in a cache directory, so numba's ``cache=True`` works across processes.

Numba cannot cache functions built with ``exec``; a module file on disk it can. The file name is a hash
of the expression, the requested planes and the generator version, so a changed expression gets a new
module. Writes are atomic (temporary file, then ``os.replace``). A module generated while a symbolic step ran past
its budget (a removable line's limit not found in time) serves the process that made it and is not kept.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from contextlib import contextmanager
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import sympy as sp

from vaemath.atomic import atomic_path

ENV_VAR = "VAEMATH_CACHE_DIR"


def cache_dir() -> Path:
    """The kernel cache directory: ``$VAEMATH_CACHE_DIR`` if set, else the user cache dir (platformdirs)."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("vaemath")) / "kernels"


def key(expr: sp.Expr, what: tuple, param: str = "std", domain=None) -> str:
    """Hash naming the module of ``expr``'s kernels for the planes ``what`` in the parametrisation ``param``."""
    from vaemath.kernels.codegen import GENERATOR_VERSION

    text = "\n".join([GENERATOR_VERSION, sp.srepr(expr), ",".join(what), param, sp.srepr(domain)])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


RENYI_ORDERS = (1e-6, 1e100)  # orders a whose kernels are right: below, the value near sigma = 1 is off by ~eps/a
# (renyi(1e-100): 1.6e-30 for 4.5e-102); above, a (1 - sigma^2) overflows (renyi(1e200) at (0, 1): NaN for 0)


def _check_renyi_order(name: str) -> None:
    match = re.fullmatch(r"renyi\((.+)\)", name or "")
    try:
        a = Fraction(match.group(1)) if match else None
    except ValueError:  # renyi(alpha): the family, not a number
        return
    if a is not None and not RENYI_ORDERS[0] <= a <= RENYI_ORDERS[1]:
        raise ValueError(f"penalty: {name!r}: its kernel is accurate for orders from {RENYI_ORDERS[0]:g} to "
                         f"{RENYI_ORDERS[1]:g} only (derive and check hold for any order)")


@contextmanager
def one_generator(path: Path):
    """Hold the lock of the module at ``path`` (an exclusive ``flock`` on ``path.lock``): processes that want the
    same kernel at once (pytest-xdist or joblib workers) wait for the one generating it, then load its module.
    Without POSIX locks (Windows) each generates its own; the atomic write keeps the file whole either way."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@lru_cache(maxsize=128)
def load(expr: sp.Expr, what: tuple, name: str = "", param: str = "std", domain=None):
    """The imported kernel module for ``expr``, planes ``what`` and parametrisation ``param``, generated on
    first use; ``domain`` is the penalty's :class:`~vaemath.symbolic.penalty.Domain` (None: everywhere)."""
    from vaemath.kernels.codegen import BeyondFloat64, check_float64, source

    check_float64(expr, name)
    _check_renyi_order(name)
    module_name = f"vaemath_kernel_{key(expr, what, param, domain)}"
    path = cache_dir() / f"{module_name}.py"
    if not path.exists():
        with one_generator(path):
            if not path.exists():  # another process may have written it while this one waited
                try:
                    text = source(expr, what, name, param, domain)
                except BeyondFloat64 as exc:
                    raise ValueError(f"penalty: {name or str(expr)!r}: {exc}") from None
                with atomic_path(path) as tmp:
                    tmp.write_text(text)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    if not module.COMPLETE:  # a limit not found in time (a loaded machine): this process uses it, the next regenerates
        path.unlink(missing_ok=True)
    return module
