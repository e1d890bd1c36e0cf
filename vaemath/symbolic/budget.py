"""Time budgets for symbolic steps: a sympy call that runs past its budget is stopped, never left to hang.

``attempt(fn, *args, budget=seconds)`` runs ``fn`` and returns ``(True, value)``, or ``(False, None)`` when
the budget ran out; the caller then takes its numeric route and labels the result so.

How a step is really stopped:

- on the main thread (the CLI, scripts, Jupyter, pytest) by ``SIGALRM`` from ``signal.setitimer``: sympy is
  pure Python, so the handler's exception lands between two bytecodes of the running step. The exception
  derives from ``BaseException`` so that sympy's ``except Exception`` clauses cannot swallow it, and the timer
  repeats every 50 ms after the deadline; it never fires inside a ``__del__`` or a weakref callback, where
  the exception would be lost (printed as "Exception ignored"). Budgets nest: an inner step
  never outlives the step that called it.
- on any other thread (signals are delivered only to the main thread) the step runs in a forked worker
  process that is killed at the deadline; its result comes back by pickling.
- where neither exists (no ``SIGALRM`` or no ``fork``, e.g. Windows) the step runs without a limit.
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import sys
import threading
import time

DEFAULT_BUDGET = 5.0  # seconds per symbolic step
MAX_BUDGET = 1e9  # seconds (31 years): the interval timer overflows near 1e300
_REPEAT = 0.05


class _Expired(BaseException):
    """Raised by the alarm inside a step past its deadline; caught by :func:`attempt`, never escapes."""


_deadlines: list = []  # deadlines (time.monotonic) of the nested steps running on the main thread
_state = {"armed": False, "previous": None, "expired": 0, "unraisable": None}


def _sympy_failures() -> tuple:
    from sympy.polys.polyerrors import BasePolynomialError
    return (NotImplementedError, ValueError, TypeError, ArithmeticError, BasePolynomialError, RecursionError)


# What sympy raises when a step of its own fails, not a budget: solve's Groebner code raises ZeroDivisionError
# ("polynomial division") on renyi(2) + mu**2*sigma**3 - sigma (review r8l A4). A caller falls back, as on a timeout.
SYMPY_FAILED = _sympy_failures()


def expired() -> int:
    """How many steps of this process ran past their budget so far (a result built meanwhile may be partial)."""
    return _state["expired"]


def check_budget(budget) -> float | None:
    """Validate a budget: None (no limit) or a positive finite number of seconds."""
    if budget is None:
        return None
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not (0 < budget <= MAX_BUDGET):
        raise ValueError(f"budget: expected a positive number of seconds up to {MAX_BUDGET:g}, or None for no limit, "
                         f"got {budget!r}")
    return float(budget)


def attempt(fn, *args, budget=DEFAULT_BUDGET, **kwargs) -> tuple:
    """``(True, fn(*args, **kwargs))``, or ``(False, None)`` when it runs longer than ``budget`` seconds.

    Exceptions raised by ``fn`` propagate unchanged. ``budget=None`` runs without a limit.
    """
    budget = check_budget(budget)
    if budget is None:
        return True, fn(*args, **kwargs)
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _with_alarm(fn, args, kwargs, budget)
    if "fork" in multiprocessing.get_all_start_methods():
        return _forked(fn, args, kwargs, budget)
    return True, fn(*args, **kwargs)


def _on_alarm(signum, frame):
    if _state["armed"] and _deadlines and time.monotonic() >= _deadlines[-1] - 1e-3 and not _in_finaliser(frame):
        raise _Expired


_FINALISER_FILES = ("weakref.py", "_weakrefset.py", "unraisableexception.py")


def _in_finaliser(frame) -> bool:
    """Whether the step was interrupted inside a ``__del__`` or a weakref callback (sympy's caches run them during
    garbage collection): an exception there is printed as "Exception ignored" and lost, so the alarm waits for the
    next tick (every 50 ms) to land in the step itself."""
    while frame is not None and frame.f_code is not _with_alarm.__code__:
        if frame.f_code.co_name == "__del__" or frame.f_code.co_filename.endswith(_FINALISER_FILES):
            return True
        frame = frame.f_back
    return False


def _quiet_unraisable(unraisable) -> None:
    """An alarm that landed in a finaliser not recognised above (numba's weakref callbacks, called from C): Python
    prints it as "Exception ignored" and drops it; the timer repeats it in the step itself, so it is dropped quietly."""
    if unraisable.exc_type is not _Expired:
        _state["unraisable"](unraisable)


def _arm(deadline: float) -> None:
    _state["armed"] = True
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-4), _REPEAT)


def _with_alarm(fn, args, kwargs, budget: float) -> tuple:
    mine = time.monotonic() + budget
    outer = _deadlines[-1] if _deadlines else math.inf
    if not _deadlines:
        _state["previous"] = signal.signal(signal.SIGALRM, _on_alarm)
        _state["unraisable"], sys.unraisablehook = sys.unraisablehook, _quiet_unraisable
    _deadlines.append(min(mine, outer))
    try:
        _arm(_deadlines[-1])
        return True, fn(*args, **kwargs)
    except _Expired:
        if mine < outer:
            _state["expired"] += 1
            return False, None
        raise  # the enclosing step's budget ran out: it handles it
    finally:
        _state["armed"] = False
        _deadlines.pop()
        if _deadlines:
            _arm(_deadlines[-1])
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, _state["previous"])
            sys.unraisablehook = _state["unraisable"]


def _child(conn, fn, args, kwargs):
    try:
        conn.send((True, fn(*args, **kwargs)))
    except Exception as exc:  # sent back and raised in the parent
        conn.send((False, exc))
    finally:
        conn.close()


def _forked(fn, args, kwargs, budget: float) -> tuple:
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args, kwargs), daemon=True)
    proc.start()
    send.close()
    try:
        if not recv.poll(budget):
            _state["expired"] += 1
            return False, None
        ok, value = recv.recv()
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()
    if not ok:
        raise value
    return True, value


class Memo(dict):
    """A dict of at most ``size`` answers, the first stored dropped first: symbolic steps that the commands ask for
    again with the same arguments (a limit, a penalty's descent) are taken once per process."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if len(self) > self.size:
            self.pop(next(iter(self), None), None)  # another thread may have dropped it already
