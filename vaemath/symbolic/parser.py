"""Safe parsing of penalty text into sympy, by a whitelist over Python's ``ast``.

Nothing the user types is evaluated: the syntax tree is walked node by node and each allowed node is
turned into sympy by hand. Anything not on the list is refused with a ValueError naming the piece.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re
from decimal import Decimal
from functools import lru_cache

import sympy as sp
from sympy.printing.str import StrPrinter

from vaemath.symbolic.divergences import NAMES, catalogue, renyi
from vaemath.symbolic.penalty import Domain, Penalty, infer_domain
from vaemath.symbolic.prior import against, check_prior, label, prior_values
from vaemath.symbolic.symbols import PARAMS, check_sigma_means, mu, prior_mu, prior_sigma, sigma

MAX_LENGTH = 2000
MAX_EXPONENT = 64  # largest |n| in x**n; stops 9**9**9 from exhausting memory
MAX_DIGITS = 1000  # largest exact number built from literals
_TOO_BIG = 10**MAX_DIGITS  # the smallest integer with more than MAX_DIGITS digits

FUNCTIONS = {
    "log": (sp.log, 1),
    "exp": (sp.exp, 1),
    "sqrt": (sp.sqrt, 1),
    "log1p": (lambda x: sp.log(1 + x), 1),
    "expm1": (lambda x: sp.exp(x) - 1, 1),
    "abs": (sp.Abs, 1),
    "sinh": (sp.sinh, 1),
    "cosh": (sp.cosh, 1),
    "tanh": (sp.tanh, 1),
    "asinh": (sp.asinh, 1),
    "acosh": (sp.acosh, 1),
    "atanh": (sp.atanh, 1),
    "atan": (sp.atan, 1),
    "erf": (sp.erf, 1),
    "max": (sp.Max, 2),
    "min": (sp.Min, 2),
}
VARIADIC = {"max", "min"}  # two arguments or more, as Python's: max(kl, mu**2, 1/2)
CONSTANTS = {"pi": sp.pi, "E": sp.E}
_BINARY = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul, ast.Div: lambda a, b: a / b,
           ast.Pow: lambda a, b: a**b}


def _refuse(text: str, node: ast.AST, what: str, hint: str = "") -> ValueError:
    piece = ast.get_source_segment(text, node) or type(node).__name__
    return ValueError(f"penalty: {what} is not allowed: {piece!r}{hint}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _symbols(sigma_means: str) -> dict:
    # The question's sigma is the std or the variance; the other scale symbols are unambiguous.
    table = {p.symbol.name: p.of_sigma for p in PARAMS.values()}
    table["mu"] = mu
    table["sigma"] = sigma if sigma_means == "std" else sigma**2
    return table


class _Builder:
    def __init__(self, text: str, sigma_means: str, prior=None):
        self.text = text
        self.names = {**_symbols(sigma_means), **CONSTANTS, **{str(k): v for k, v in prior_values(prior).items()}}
        self.sigma_means = sigma_means
        self.prior = prior
        self.edges = []  # the domains of the renyi(a) terms: the text must be real inside them
        self.stand_ins = None  # a list: each renyi(a) with an edge built as a positive symbol (its place in the text)
        self.refers_to_prior = False  # names mu_p, sigma_p or a catalogue entry with a general-prior form

    def build(self, node: ast.AST) -> sp.Expr:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise _refuse(self.text, node, _describe(node))
        return method(node)

    def _Expression(self, node):
        return self.build(node.body)

    def _Constant(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _refuse(self.text, node, f"a {type(value).__name__} constant")
        if isinstance(value, float):  # exact decimal, so claims can be decided exactly
            literal = ast.get_source_segment(self.text, node).replace("_", "")
            if abs(Decimal(literal).adjusted()) >= MAX_DIGITS:  # checked before sympy: 1e999999 has 10**6 digits
                raise _refuse(self.text, node, f"a number with more than {MAX_DIGITS} digits")
            return sp.Rational(literal)
        if value >= _TOO_BIG:
            raise _refuse(self.text, node, f"a number with more than {MAX_DIGITS} digits")
        return sp.Integer(value)

    def _Name(self, node):
        if node.id in self.names:
            self.refers_to_prior |= node.id in (prior_mu.name, prior_sigma.name)
            return self.names[node.id]
        if node.id in NAMES:
            entry = catalogue()[node.id]
            self.refers_to_prior |= entry.general is not None
            return entry.expr.subs(sigma, sigma**2) if node.id == "quadratic" and self.sigma_means == "var" \
                else against(node.id, entry, self.prior)
        known = sorted(self.names) + sorted(NAMES)
        raise _refuse(self.text, node, f"a name other than {', '.join(known)}")

    def _UnaryOp(self, node):
        if isinstance(node.op, ast.USub):
            return -self.build(node.operand)
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand)
        raise _refuse(self.text, node, "the operator")

    def _BinOp(self, node):
        # Walk the left spine (a + b + c ...) iteratively, so long sums do not exhaust the stack.
        chain = []
        while isinstance(node, ast.BinOp):
            chain.append(node)
            node = node.left
        value = self.build(node)
        for link in reversed(chain):
            value = self._apply(link, value, self.build(link.right))
        return value

    def _apply(self, node, left, right):
        op = _BINARY.get(type(node.op))
        if op is None:
            raise _refuse(self.text, node, "the operator")
        if isinstance(node.op, ast.Pow) and right.is_number and abs(right) > MAX_EXPONENT:
            raise _refuse(self.text, node, f"an exponent beyond +-{MAX_EXPONENT}")
        if isinstance(node.op, ast.Pow) and left.is_number and right.is_number and left != 0 \
                and float(abs(right)) * math.log10(float(abs(left))) > MAX_DIGITS:
            raise _refuse(self.text, node, f"a number with more than {MAX_DIGITS} digits")
        if isinstance(node.op, ast.Div) and right == 0:
            raise _refuse(self.text, node, "division by zero")
        return op(left, right)

    def _Call(self, node):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name is None or node.keywords:
            raise _refuse(self.text, node, "this call")
        if name == "renyi":
            if self.prior is not None:
                with_general = ", ".join(n for n, e in catalogue().items() if e.general is not None)
                raise ValueError(f"prior: renyi(a) has no general-prior form; entries with one: {with_general}")
            if len(node.args) != 1:
                raise _refuse(self.text, node, f"renyi with {_count(len(node.args), 'order')}",
                              "; it takes one, as in renyi(2)")
            order = self.build(node.args[0])
            if not order.is_number:
                raise _refuse(self.text, node, "renyi of a variable", "; the order is a number, as in renyi(2)")
            divergence = renyi(order)
            self.edges.append(divergence.domain.condition)
            if self.stand_ins is not None and divergence.domain.condition is not sp.true:
                self.stand_ins.append(sp.Dummy("renyi", positive=True))
                return self.stand_ins[-1]
            return divergence.expr
        if name not in FUNCTIONS:
            near = [f for f in FUNCTIONS if f.lower() == (name or "").lower()]
            raise _refuse(self.text, node, "the function", f" (did you mean {near[0]}?)" if near else "")
        func, arity = FUNCTIONS[name]
        if len(node.args) != arity and not (name in VARIADIC and len(node.args) > arity):
            raise _refuse(self.text, node, f"{name} with {_count(len(node.args), 'argument')}",
                          f"; it takes {_count(arity, 'argument')}{' or more' if name in VARIADIC else ''}")
        return func(*(self.build(a) for a in node.args))


def _describe(node: ast.AST) -> str:
    kinds = {ast.Attribute: "attribute access", ast.Subscript: "subscripting", ast.Lambda: "a lambda",
             ast.Compare: "a comparison", ast.BoolOp: "a boolean operator", ast.IfExp: "a conditional",
             ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set",
             ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment"}
    return kinds.get(type(node), f"the syntax {type(node).__name__}")


def parse(penalty: str, sigma_means: str = "std", prior=None) -> sp.Expr:
    """Turn penalty text into a sympy expression in the canonical (mu, sigma).

    Parameters
    ----------
    penalty : str
        Arithmetic in ``mu`` and ``sigma`` (and ``v``, ``s``, ``l`` for variance, log std, log
        variance), numbers, ``+ - * / **``, the functions in ``FUNCTIONS``, ``pi``, ``E``, catalogue
        names (``"2*kl + 1"``) and ``renyi(a)``.
    sigma_means : {"std", "var"}
        Whether the symbol ``sigma`` (and the entry ``quadratic``, written in the question's notation)
        is read as the standard deviation or the variance.
    prior : tuple (mu_p, sigma_p), optional
        Catalogue names and the symbols ``mu_p``, ``sigma_p`` taken against N(mu_p, sigma_p^2) (default
        N(0, 1)); see :mod:`vaemath.symbolic.prior`.

    Raises
    ------
    TypeError
        If ``penalty`` is not a string.
    ValueError
        On anything outside the whitelist, naming the offending piece.
    """
    return _parsed(penalty, sigma_means, prior)[0]


def _parsed(penalty: str, sigma_means: str = "std", prior=None) -> tuple:
    """(:func:`parse`'s expression, the builder that made it: its ``edges``, the conditions of the renyi(a) terms)."""
    check_sigma_means(sigma_means)
    prior = check_prior(prior)
    if not isinstance(penalty, str):
        raise TypeError(f"penalty: expected text, got {type(penalty).__name__}")
    if len(penalty) > MAX_LENGTH:
        raise ValueError(f"penalty: text of {len(penalty)} characters is longer than the limit {MAX_LENGTH}")
    if not penalty.strip():
        raise ValueError("penalty: the text is empty")
    try:
        tree = ast.parse(penalty.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as exc:
        raise ValueError(f"penalty: {penalty!r} is not an arithmetic expression ({exc.__class__.__name__})") from None
    builder = _Builder(penalty.strip(), sigma_means, prior)
    try:
        expr = builder.build(tree)
    except RecursionError:
        raise ValueError("penalty: the expression is nested too deeply") from None
    if not isinstance(expr, sp.Expr):
        raise ValueError(f"penalty: {penalty!r} is not real-valued on the whole half-plane (mu real, sigma > 0)")
    if any(max(abs(r.p), r.q) >= _TOO_BIG for r in expr.atoms(sp.Rational)):
        raise ValueError(f"penalty: {penalty!r} builds a number with more than {MAX_DIGITS} digits")
    _check_real(expr, penalty.strip(), sp.And(*builder.edges))  # renyi(a > 1): +oo past its edge (complex form)
    return expr, builder


def _check_real(expr: sp.Expr, shown: str, inside=sp.true) -> None:
    """Refuse an expression that is not real-valued where ``inside`` holds (the whole half-plane by default): NaN or
    complex infinity in it, or a complex value at a probe point (:func:`_complex_at`)."""
    if expr.has(sp.zoo, sp.nan) or expr.is_extended_real is False:
        raise ValueError(f"penalty: {shown!r} is not real-valued on the whole half-plane (mu real, sigma > 0)")
    where = None if expr.is_extended_real else _complex_at(expr, inside)
    if where is not None:
        region = "the whole half-plane (mu real, sigma > 0)" if inside == sp.true else f"its domain ({inside})"
        raise ValueError(f"penalty: {shown!r} is not real-valued on {region}: "
                         f"at (mu, sigma) = ({where[0]}, {where[1]}) it is {where[2]}")


@lru_cache(maxsize=256)
def _text_domain(text: str, expr: sp.Expr, edges: tuple, sigma_means: str, prior) -> Domain:
    """The domain of a text with renyi(a) terms, a > 1, taken from the terms as typed, before sympy simplifies the
    sum: ``renyi(2) + log(2 - sigma**2)/2`` is 2 mu^2/(4 - 2 sigma^2) - log(sigma), whose own domain is everywhere,
    but the text is renyi(2)'s, sigma^2 < 2 (review r8m). The condition is every renyi term's and every log's of the
    expression (:func:`~vaemath.symbolic.penalty.infer_domain`). Outside it the value is +oo, as a Renyi divergence's
    is past its edge, when the text increases with each renyi term (the text built with a positive symbol for each,
    its derivative in each positive by sympy) and every point outside the expression's own domain is outside a
    renyi term's (its conditions solved on sigma > 0: renyi(2) + log(2 - sigma**2), renyi(3) + log(3/2 - sigma**2);
    a log that is complex inside a renyi domain is refused by the parse where a probe point shows it, and not
    judged +oo here where none does); else the expression's own value outside (-renyi(2): NaN)."""
    own = infer_domain(expr)
    edges = [c for c in edges if c is not sp.true]
    if not edges:
        return own
    condition = sp.And(own.condition, *edges)
    outside = sp.oo if _increasing_in_renyi(text, sigma_means, prior) and _within(edges, own.condition) \
        else own.outside
    return Domain(condition, outside)


def _increasing_in_renyi(text: str, sigma_means: str, prior) -> bool:
    builder = _Builder(text, sigma_means, prior)
    builder.stand_ins = []
    try:
        expr = builder.build(ast.parse(text, mode="eval"))
        return all(sp.diff(expr, r).is_positive for r in builder.stand_ins)
    except (ValueError, TypeError, RecursionError):
        return False


def _within(edges: list, condition) -> bool:
    """Whether every sigma > 0 where the ``edges`` hold satisfies ``condition`` (both on sigma alone), by solveset."""
    if condition is sp.true:
        return True
    whole = sp.Interval.open(0, sp.oo)
    try:
        inside = sp.Intersection(whole, *(sp.solveset(c, sigma, whole) for c in edges))
        own = sp.Intersection(whole, *(sp.solveset(c, sigma, whole)
                                       for c in (condition.args if isinstance(condition, sp.And) else (condition,))))
        return bool(inside.is_subset(own))
    except (NotImplementedError, ValueError, TypeError):
        return False


_PROBE_MU = ("-3", "-1", "-1/2", "0", "1/2", "1", "3")
_PROBE_SIGMA = ("1/10", "1/2", "1", "6/5", "2", "10")


@lru_cache(maxsize=1024)  # a sympy expression given to evaluate() in a loop is probed once
def _complex_at(expr: sp.Expr, inside=sp.true):
    """A probe point (mu, sigma, value) where ``expr`` is complex (mpmath, 30 digits), or None; probe points outside
    the condition ``inside`` (on sigma) are skipped.

    Singular points (log(0), 1/0) are not complex: they are limits, allowed as in ``log(mu**2)``.
    """
    import mpmath

    try:
        fn = sp.lambdify(sorted(expr.free_symbols, key=str), expr, "mpmath")
    except Exception:  # noqa: BLE001 - a form mpmath cannot take is judged by sympy alone
        return None
    names = [s.name for s in sorted(expr.free_symbols, key=str)]
    with mpmath.workdps(30):
        for m, s in ((m, s) for m in _PROBE_MU for s in _PROBE_SIGMA if inside.subs(sigma, sp.Rational(s)) != sp.false):
            at = {"mu": mpmath.mpf(sp.Rational(m)), "sigma": mpmath.mpf(sp.Rational(s)), "mu_p": 0, "sigma_p": 1}
            try:
                value = mpmath.mpc(fn(*(at.get(n, 1) for n in names)))
            except (ValueError, ArithmeticError, TypeError):
                continue
            if mpmath.isfinite(value) and abs(value.imag) > 1e-10 * (1 + abs(value.real)):
                return m, s, mpmath.nstr(value, 6)
    return None


def penalty(penalty, sigma_means: str = "std", prior=None, *, prior_optional: bool = False) -> Penalty:
    """A :class:`Penalty` from a catalogue name, penalty text, a sympy expression or a Penalty.

    Parameters
    ----------
    penalty : str, sympy.Expr or Penalty
        ``"kl"``, ``"renyi(2)"``, ``"mu**2 + (sigma - 1)**2"``, an expression in mu and sigma...
    sigma_means : {"std", "var"}
        Reading of ``sigma`` in text and in the question's ``quadratic`` (see :func:`parse`).
    prior : tuple (mu_p, sigma_p), optional
        The prior N(mu_p, sigma_p^2) of catalogue entries with a general form (ValueError for the others)
        and of the symbols ``mu_p``, ``sigma_p`` in text; default N(0, 1).
    prior_optional : bool
        Accept a ``prior`` the penalty does not refer to (one of ``check``'s two penalties); otherwise that is a
        ValueError, since the prior would change nothing.

    Raises
    ------
    TypeError
        If ``penalty`` is none of these types.
    ValueError
        On text outside the parser's whitelist (see :func:`parse`), or a ``prior`` the penalty does not refer to
        (it names neither ``mu_p``, ``sigma_p`` nor a catalogue entry with a general form).

    Examples
    --------
    >>> penalty("2*kl + 1").expr
    mu**2 + sigma**2 - 2*log(sigma)
    """
    check_sigma_means(sigma_means)
    prior = check_prior(prior)
    if isinstance(penalty, Penalty):
        return _against_prior(penalty, prior)
    if isinstance(penalty, sp.Expr):
        _check_refers(penalty, refers_to_prior(penalty), prior, prior_optional)
        expr = _canonical_symbols(penalty).subs(prior_values(prior), simultaneous=True)
        if expr.has(sp.oo, -sp.oo):  # text cannot build these (review helper-99: derive(sympy.zoo) raised KeyError)
            raise ValueError(f"penalty: {str(penalty)!r} is not finite: a penalty is a real function of (mu, sigma)")
        _check_real(expr, str(penalty))
        return Penalty(str(penalty), expr, provenance="user", sigma_means=sigma_means,
                       frame=_frame(prior, refers_to_prior(penalty)))
    if not isinstance(penalty, str):
        raise TypeError(f"penalty: expected a name, text, sympy expression or Penalty, got {type(penalty).__name__}")
    name = penalty.strip()
    if name in NAMES and not (name == "quadratic" and sigma_means == "var"):
        return _against_prior(catalogue()[name], prior)
    expr, builder = _parsed(name, sigma_means, prior)
    _check_refers(name, builder.refers_to_prior, prior, prior_optional)
    order = re.fullmatch(r"renyi\(([^()]+)\)", name.replace(" ", ""))
    entry = renyi(parse(order.group(1))) if order and prior is None else None
    if entry is not None and expr == entry.expr:  # the catalogue's entry (r8f B3)
        return dataclasses.replace(entry, name=name, sigma_means=sigma_means)
    if name in NAMES:
        e = catalogue()[name]
        return Penalty(name, expr, e.description + " (sigma read as the variance)", e.citation, e.provenance,
                       sigma_means)
    shown = label(name, prior if builder.refers_to_prior else None)
    return Penalty(shown, expr, "user penalty", "", "user", sigma_means,
                   domain=_text_domain(name, expr, tuple(builder.edges), sigma_means, prior) if builder.edges else None,
                   frame=_frame(prior, builder.refers_to_prior))


def _frame(prior, refers: bool) -> tuple:
    """The (mu_p, sigma_p) in whose frame the kernels are generated: the prior's where the penalty refers to it."""
    return tuple(prior) if prior is not None and refers else (sp.S.Zero, sp.S.One)


def refers_to_prior(penalty, sigma_means: str = "std") -> bool:
    """Whether a prior N(mu_p, sigma_p^2) changes ``penalty`` (a name, text, sympy expression or Penalty): it names
    ``mu_p`` or ``sigma_p``, or a catalogue entry with a general-prior form (``"kl + mu**2"``, not ``"mu**2 + sigma"``).
    """
    if isinstance(penalty, Penalty):
        return penalty.general is not None
    if isinstance(penalty, sp.Expr):
        return _canonical_symbols(penalty).has(prior_mu, prior_sigma)
    if isinstance(penalty, str) and penalty.strip() in NAMES:
        return catalogue()[penalty.strip()].general is not None
    return _parsed(penalty, sigma_means)[1].refers_to_prior


def _check_refers(penalty, refers: bool, prior, prior_optional: bool) -> None:
    if prior is not None and not refers and not prior_optional:
        raise ValueError(f"prior: {str(penalty)!r} names neither mu_p, sigma_p nor a catalogue entry with a "
                         "general-prior form, so a prior changes nothing: drop it, or write the prior's parameters "
                         "into the text as mu_p and sigma_p")


def _canonical_symbols(expr: sp.Expr) -> sp.Expr:
    """Symbols named mu, sigma, mu_p, sigma_p with other assumptions (``sympy.Symbol("mu")``) replaced by the
    package's own (mu real, sigma positive...), so a plain sympy expression is read as typed text would be."""
    own = {str(x): x for x in (mu, sigma, prior_mu, prior_sigma)}
    return expr.xreplace({x: own[x.name] for x in expr.free_symbols
                          if isinstance(x, sp.Symbol) and x.name in own and x != own[x.name]})


def _against_prior(p: Penalty, prior) -> Penalty:
    """``p`` itself under N(0, 1), else the same penalty taken against the prior N(mu_p, sigma_p^2)."""
    if prior is None:
        return p
    return Penalty(label(p.name, prior), against(p.name, p, prior), p.description, p.citation, p.provenance,
                   p.sigma_means, frame=_frame(prior, p.general is not None))


def reference_penalty(reference, sigma_means: str = "std", prior=None, argument: str = "reference", *,
                      prior_optional: bool = False) -> Penalty:
    """:func:`penalty` for an argument not called ``penalty`` (``check``'s and ``report``'s ``reference``, or
    ``check``'s ``candidate``): the same result, with errors (ValueError, TypeError) naming ``argument``."""
    try:
        return penalty(reference, sigma_means, prior=prior, prior_optional=prior_optional)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{argument}: " + str(exc).removeprefix("penalty: ")) from None


class _TextPrinter(StrPrinter):
    """sympy's str form, with the parser's spellings of the functions it prints differently (abs, two-argument
    max and min)."""

    def _print_Abs(self, e):
        return f"abs({self._print(e.args[0])})"

    def _nest(self, name: str, args) -> str:
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{name}({out}, {self._print(a)})"
        return out

    def _print_Max(self, e):
        return self._nest("max", e.args)

    def _print_Min(self, e):
        return self._nest("min", e.args)


def as_text(expr: sp.Expr) -> str:
    """Text that the parser reads back as ``expr`` (sigma the standard deviation), e.g. ``abs(mu) + max(...)``."""
    return _TextPrinter().doprint(expr)
