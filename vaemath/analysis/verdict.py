"""The Verdict of an equivalence check: the relation, its evidence, and how it renders."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from vaemath.symbolic import CriticalPoint, MinimizerSet, Penalty, to_strings
from vaemath.symbolic.calculus import hessian_of
from vaemath.symbolic.numerals import integer_shown, numbers_shown

RELATIONS = ("identical", "affine", "monotone", "local", "minimizer", "none", "undecided")

MEANING = {
    "identical": "the same function",
    "affine": "candidate = a * reference + c with a > 0: the same optimisation as the reference once a "
              "reconstruction term is added, with the reconstruction weighted by 1/a (exactly the same when a = 1)",
    "monotone": "candidate = f(reference) with f strictly increasing but not affine: same minimiser and level "
                "sets, but a different trade-off against reconstruction",
    "local": "same minimiser and proportional Hessians there (agreement to second order), "
             "but neither is a strictly increasing function of the other",
    "minimizer": "same minimiser only: the Hessians there are not proportional, or one of them does not exist",
    "none": "different minimisers, or one of the two has no single interior minimiser",
    "undecided": "not decided: a minimiser the decision needs is not established (a symbolic step ran past the "
                 "budget, or only a numeric search found the infimum) and the other's minimiser is not ruled out "
                 "as its own; a larger budget may decide it",
}


def _finite(value) -> bool:
    return isinstance(value, sp.Basic) and not value.has(sp.oo, -sp.oo, sp.zoo, sp.nan)


@dataclass(frozen=True, eq=False)
class Verdict:
    """The strongest relation between a candidate penalty and a reference, with exact evidence.

    Attributes
    ----------
    candidate, reference : Penalty
    sigma_means : {"std", "var"}
    relation : str
        One of ``identical, affine, monotone, local, minimizer, none, undecided``.
    affine : tuple or None
        ``(a, c)`` exact, when the relation is ``affine``.
    monotone : dict or None
        ``f`` (in the symbol ``r``, or None if sympy found no closed form) and how f' > 0 was shown.
    local : dict or None
        ``scale`` a with H_candidate = a H_reference at the minimiser, and the Taylor ``order`` to which
        candidate - a * reference is constant there.
    minimizer : dict
        ``candidate`` and ``reference``: :class:`~vaemath.symbolic.calculus.CriticalPoint` (its ``order``
        the local order of growth, ``hessian`` None at a kink), :class:`~vaemath.symbolic.calculus.MinimizerSet`
        (a whole set of minimisers) or None.
    infimum : dict
        ``candidate`` and ``reference``: ``{"value", "attained", "where", "method"}``, value -oo when unbounded
        below; method "exact", or "upper bound" / "numeric" (an upper bound on the infimum, shown "<= value").
    limits, rescaling : dict
        Boundary limits and lim_{c->0+} pen(c mu, c sigma), for ``candidate`` and ``reference``.
    ratio_bounds : dict
        Infimum and supremum of candidate / reference, where each is approached, and ``inf_method`` /
        ``sup_method``: "exact", or a bound from the numeric search.
    identified_as : list of str
        Catalogue entries of which the candidate is a positive multiple plus a constant.
    witness : dict or None
        Two points the penalties order oppositely, confirmed at 50 digits (relations below monotone).
    prior : tuple or None
        (mu_p, sigma_p) of the prior both penalties were taken against; None for N(0, 1).
    """

    candidate: Penalty
    reference: Penalty
    sigma_means: str
    relation: str
    affine: tuple | None = None
    monotone: dict | None = None
    local: dict | None = None
    minimizer: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)
    ratio_bounds: dict = field(default_factory=dict)
    rescaling: dict = field(default_factory=dict)
    identified_as: list = field(default_factory=list)
    witness: dict | None = None
    infimum: dict = field(default_factory=dict)
    prior: tuple | None = None

    @property
    def meaning(self) -> str:
        """One sentence on what the relation means for a VAE."""
        return MEANING[self.relation]

    def to_dict(self) -> dict:
        """Plain data for JSON; every expression a string that ``sympy.sympify`` reads back."""
        best = self.minimizer
        return {
            "candidate": self.candidate.name, "candidate_expression": str(self.candidate.expr),
            "reference": self.reference.name, "reference_expression": str(self.reference.expr),
            "sigma_means": self.sigma_means,
            "relation": self.relation,
            "meaning": self.meaning,
            "identified_as": list(self.identified_as),
            "affine": {"a": str(self.affine[0]), "c": str(self.affine[1])} if self.affine else None,
            "monotone": None if self.monotone is None else {
                "f": None if self.monotone["f"] is None else str(self.monotone["f"]),
                "variable": "r (the reference's value)", "increasing": self.monotone["increasing"]},
            "local": None if self.local is None else {
                "scale": str(self.local["scale"]), "agreement_order": "oo" if self.local["order"] == sp.oo
                else self.local["order"]},
            "prior": None if self.prior is None else [str(x) for x in self.prior],
            "minimizer": {k: _where(v) for k, v in best.items()},
            "minimizer_method": {k: None if v is None else v.method for k, v in best.items()},
            "hessian_at_minimizer": {k: None if hessian_of(v) is None else to_strings(hessian_of(v))
                                     for k, v in best.items()},
            "local_order": {k: _order(v.order) if isinstance(v, CriticalPoint) else None for k, v in best.items()},
            "differentiable_at_minimizer": {k: v.differentiable if isinstance(v, CriticalPoint) else None
                                            for k, v in best.items()},
            "infimum": {k: None if v.get("value") is None else str(v["value"]) for k, v in self.infimum.items()},
            "infimum_method": {k: v.get("method") for k, v in self.infimum.items()},
            "limits": to_strings(self.limits),
            "ratio_bounds": dict(self.ratio_bounds),
            "rescaling": {**to_strings(self.rescaling),
                          "finite": {k: _finite(v) for k, v in self.rescaling.items()}},
            "witness": self.witness,
        }

    def _rows(self) -> list:
        """(label, candidate, reference) rows of evidence, as plain text."""
        d = self.to_dict()
        rows = [("expression", d["candidate_expression"], d["reference_expression"]),
                ("minimiser", d["minimizer"]["candidate"], d["minimizer"]["reference"]),
                ("Hessian there", d["hessian_at_minimizer"]["candidate"], d["hessian_at_minimizer"]["reference"]),
                ("local order at the minimiser", d["local_order"]["candidate"], d["local_order"]["reference"]),
                ("infimum", *(_infimum(d, who) for who in ("candidate", "reference")))]
        rows += [(f"limit {k}", d["limits"]["candidate"][k], d["limits"]["reference"][k])
                 for k in d["limits"]["candidate"]]
        rows.append(("rescaling lim c->0+ pen(c mu, c sigma)", d["rescaling"]["candidate"],
                     d["rescaling"]["reference"]))
        return rows

    def _facts(self) -> list:
        """Lines about the relation as a whole (not per penalty)."""
        d, out = self.to_dict(), []
        if d["affine"]:
            out.append(f"affine: a = {d['affine']['a']}, c = {d['affine']['c']}")
        if d["monotone"]:
            f = d["monotone"]["f"] or "(no closed form found)"
            out.append(f"monotone: candidate = f(reference), f(r) = {f}; {d['monotone']['increasing']}")
        if d["local"]:
            order = d["local"]["agreement_order"]
            said = ("to Taylor order undetermined (the expansion could not be split by order)" if order is None
                    else "near the minimiser, to every order (there the candidate's active branch is that multiple of "
                         "the reference plus a constant)" if order == "oo"
                    else f"to Taylor order {order} (the highest order compared)" if order >= 4
                    else f"to Taylor order {order}")
            a = _factor(self.local["scale"])
            out.append(f"local: Hessian(candidate) = {a} * Hessian(reference) at the minimiser; "
                       f"candidate - {a} * reference is constant {said}")
        out += self._kinks_and_bounds()
        rb = d["ratio_bounds"]
        if rb.get("inf") is not None:
            out.append(f"ratio candidate/reference: {_bound('inf', rb)}, {_bound('sup', rb)}")
        elif rb.get("method"):
            out.append(f"ratio candidate/reference: {rb['method']}")
        own = "no other catalogue entry (it is one)" if self.candidate.provenance != "user" else "no catalogue entry"
        found = ", ".join(d["identified_as"])
        out.append("identified as: " + (f"{found} (up to a * entry + c, a > 0)" if found else own))
        fin = d["rescaling"]["finite"]
        if fin.get("candidate"):
            out.append("rescaling: the candidate stays finite as (mu, sigma) -> (c mu, c sigma), c -> 0: a VAE "
                       "with a linear first decoder layer can shrink its code for a bounded price")
        w = d["witness"]
        if w:
            out.append(f"witness: p = (mu, sigma) = ({w['p']['mu']}, {w['p']['sigma']}), "
                       f"q = ({w['q']['mu']}, {w['q']['sigma']}): candidate {_short(w['candidate'][0])} < "
                       f"{_short(w['candidate'][1])} but reference {_short(w['reference'][0])} > "
                       f"{_short(w['reference'][1])} ({w['verified'].split(':')[0]})")
        elif self.relation in RELATIONS[3:] and rb.get("nondecreasing"):
            out.append("witness: none exists (the candidate is a non-decreasing function of the reference, so it "
                       "never ranks two points the other way round)")
        elif self.relation in RELATIONS[3:] and (constant := self._constant_side()):
            out.append(f"witness: none exists (the {constant} is constant, so it never ranks two points strictly "
                       "either way)")
        elif self.relation in RELATIONS[3:]:
            out.append("witness: none found on the search grid")
        return out

    def _constant_side(self) -> str | None:
        """'candidate' or 'reference' when that penalty is constant (its minimiser set is every point)."""
        for who in ("candidate", "reference"):
            best = self.minimizer.get(who)
            if isinstance(best, MinimizerSet) and best.region is sp.true:
                return who
        return None

    def _kinks_and_bounds(self) -> list:
        """Lines on minimiser sets, kinks and penalties unbounded below."""
        out = []
        for who in ("candidate", "reference"):
            best, inf = self.minimizer.get(who), self.infimum.get(who, {})
            if isinstance(best, MinimizerSet):
                out.append(f"{who}: a whole set of minimisers, {best.description}")
            elif isinstance(best, CriticalPoint) and not best.differentiable:
                shape = "a cusp" if best.order is not None and best.order < 1 else "a kink"
                out.append(f"{who}: not differentiable at the minimiser ({shape}), local order {best.order}")
            elif isinstance(best, CriticalPoint) and best.hessian is None:
                out.append(f"{who}: differentiable but not twice at the minimiser: no Hessian, local order "
                           f"{best.order}")
            if inf.get("value") == -sp.oo:
                out.append(f"{who}: {inf['where']}, so it has no minimum")
            elif inf.get("method") not in (None, "exact"):
                out.append(f"{who}'s infimum: {inf['where']}")
        return out

    def _title(self) -> str:
        reading = "standard deviation" if self.sigma_means == "std" else "variance"
        return f"{self.candidate.name} vs {self.reference.name} (sigma read as the {reading})"

    def __str__(self) -> str:
        lines = [numbers_shown(f"{self._title()}: {self.relation}"), f"  {self.meaning}"]
        lines += [f"  {numbers_shown(line)}" for line in self._facts()]
        lines.append(f"  {'':<40} candidate | reference")
        lines += [f"  {label:<40} {_shown(c)} | {_shown(r)}" for label, c, r in self._rows()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        names = f"candidate={self.candidate.name!r}, reference={self.reference.name!r}"
        return f"Verdict(relation={self.relation!r}, {names})"

    def _repr_markdown_(self) -> str:
        lines = [f"**{_md(self._title())}: `{self.relation}`** — {_md(self.meaning)}", ""]
        lines += [f"- {_md(numbers_shown(line))}" for line in self._facts()]
        lines += ["", "| | candidate | reference |", "|---|---|---|"]
        lines += [f"| {_md(label)} | `{_shown(c)}` | `{_shown(r)}` |"
                  for label, c, r in self._rows()]
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        best, lim = self.minimizer, self.limits

        def tex(x):
            return "\\text{none}" if x is None else sp.latex(x)

        def point(b):
            if isinstance(b, MinimizerSet):
                return rf"\text{{{b.description}}}"
            return tex(b and sp.Tuple(*b.point.values()))

        def hess(b):
            return tex(b.hessian if isinstance(b, CriticalPoint) else None)

        rows = [(r"\text{expression}", sp.latex(self.candidate.expr), sp.latex(self.reference.expr)),
                (r"\text{minimiser}", point(best["candidate"]), point(best["reference"])),
                (r"\text{Hessian there}", hess(best["candidate"]), hess(best["reference"]))]
        rows += [(rf"\text{{{k}}}", tex(lim["candidate"][k]), tex(lim["reference"][k])) for k in lim["candidate"]]
        rows.append((r"\lim_{c\to 0^+} \mathrm{pen}(c\mu, c\sigma)", tex(self.rescaling["candidate"]),
                     tex(self.rescaling["reference"])))
        body = r" \\ ".join(" & ".join(row) for row in rows)
        head = rf"\text{{{self.candidate.name} vs {self.reference.name}: }} \textbf{{{self.relation}}}"
        top = rf"{head} & \text{{candidate}} & \text{{reference}}"
        return rf"$$\begin{{array}}{{lll}} {top} \\ \hline {body} \end{{array}}$$"


def _where(best):
    if best is None:
        return None
    return best.description if isinstance(best, MinimizerSet) else to_strings(best.point)


def _infimum(d: dict, who: str):
    """The infimum as shown: the value when exact, '<= value (upper bound)' or '<= value (numeric)' otherwise."""
    value, how = d["infimum"].get(who), d["infimum_method"].get(who)
    return value if value is None or how == "exact" else f"<= {value} ({how})"


def _bound(side: str, rb: dict) -> str:
    """'sup 2 (path)' when exact; 'sup >= 1000.17 (path; numeric search: a lower bound on the sup)' otherwise."""
    if rb[f"{side}_method"] == "exact":
        return f"{side} {readable(rb[side])} ({rb[f'{side}_path']})"
    sign = ">=" if side == "sup" else "<="
    return f"{side} {sign} {float(rb[side]):.6g} ({rb[f'{side}_path']}; {rb[f'{side}_method']})"


def readable(v) -> str:
    """An exact number as text by the one rule of :mod:`vaemath.symbolic.numerals`: 5*10**29, not
    500000000000000000000000000000 (review r8i D3); 1/(2*10**30); 2*10**20 - 2."""
    v = sp.sympify(v)
    if not v.is_Rational:
        return numbers_shown(str(v))
    p, q = integer_shown(int(v.p)), integer_shown(int(v.q))
    if q == "1":
        return p
    p = f"({p})" if " " in p else p
    return f"{p}/{q if '*' not in q.replace('**', '') and ' ' not in q else f'({q})'}"


def _factor(a: sp.Expr) -> str:
    """``a`` as a factor of a product: parenthesised unless atomic, a call, a power or a product (exp(-4) + 1 * H
    would read as a sum)."""
    text = str(a)
    return f"({text})" if isinstance(a, sp.Add) or text.startswith("-") else text


def _shown(cell):
    """A cell of the evidence table as text, its long numbers by the rule of :mod:`vaemath.symbolic.numerals`."""
    return numbers_shown(str(cell))


def _short(text: str) -> str:
    return f"{float(text):.6g}"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _order(order):
    """A local order for JSON: an int, or a fraction as text ("2/3")."""
    return order if order is None or isinstance(order, int) else str(order)
