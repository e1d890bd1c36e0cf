"""The vaemath command: derive, catalogue, check, linear and bench; every command has --json.

Conventions (for whoever adds a command): a command is one handler ``_cmd_<name>(args)`` plus one block in
:func:`build_parser` that starts with ``_command(sub, name, help, handler)``. Handlers raise ValueError or
TypeError for bad input; :func:`main` turns those (and argparse's errors) into one line on stderr and exit
status 2. Commands that write files take ``--out`` (default ``vaemath-results``), so the committed
benchmarks/ and figures/ are replaced only on request (``--out .``).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
import warnings

RESULTS = "vaemath-results"  # default --out of every command that writes files
USER_ERRORS = (ValueError, TypeError, OSError, MemoryError)  # bad input or environment: one line, exit 2
MAX_ORDER = 20  # derive --order: a Taylor polynomial of total degree 20 has 231 terms
_NAMED = re.compile(r"^-{0,2}[A-Za-z_][\w\-\[\]]*: ")  # validation messages start with the argument's name


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: the usage is a --help away."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an unrecognised option is reported by the command it was given to."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            where = f"{self.prog} {parsed.command}" if getattr(parsed, "command", None) else self.prog
            self.exit(2, f"{where}: error: unrecognized arguments: {' '.join(extras)} (see {where} --help)\n")
        return parsed


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows '(default: X)' after the help of every option that has a meaningful default."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False or "%(default)" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _print_json(data) -> None:
    from vaemath import jsonio

    print(jsonio.dumps(data, indent=2, sort_keys=False))


# ---- argument types: argparse names the option in the error ---------------------------------------------

def _text(value: str) -> str:
    return value.strip()  # undoes the protective space added by _protect_dashes


def _integral(text: str) -> int:
    """An integer from text such as '4096' or '1e3' (a float with no fractional part); ValueError otherwise."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not (math.isfinite(number) and number == int(number)):
            raise
        return int(number)


def _whole(value: str) -> int:
    """An argparse type: any integer, '1e3' too; the range is checked, by name, by the function it goes to."""
    try:
        return _integral(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {value.strip()!r}") from None


def _int_at_least(low: int, high: int | None = None):
    """An argparse type: an integer >= low (and <= high: a count typed 1e9 is refused, not run for hours)."""
    wanted = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"

    def convert(value: str) -> int:
        try:
            number = _integral(value.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {value.strip()!r}") from None
        if number < low or (high is not None and number > high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {number}")
        return number

    convert.__name__ = wanted.removeprefix("an ")
    return convert


def _finite_float(value: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value.strip()!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {value.strip()!r}")
    return number


def _reduce_points(value: str) -> float:
    from vaemath.bench import REDUCE_POINTS

    number, (low, high) = _finite_float(value), REDUCE_POINTS
    if not (number == 0 or low <= number <= high):
        raise argparse.ArgumentTypeError(f"expected 0 (skip) or a number from {low:g} to {high:g}, got "
                                         f"{value.strip()!r}")
    return number


def _covariance(value: str):
    """--cov: a comma list of variances (diagonal) or a .npy / whitespace text file -> a real square matrix."""
    from vaemath.analysis.linear import covariance

    try:
        return covariance(value.strip())
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(_one_line(exc).removeprefix("cov: ")) from None


# ---- commands ---------------------------------------------------------------------------------------------

def _cmd_derive(args) -> None:
    from vaemath.symbolic import derive, to_latex, to_strings
    from vaemath.symbolic.numerals import numbers_shown

    result = derive(args.penalty, args.param, args.order, args.sigma_means, args.budget, args.prior)
    if args.json:
        _print_json(to_strings(result))
        return
    shown = to_latex(result) if args.latex else to_strings(result)
    for key, value in shown.items():
        if args.latex and isinstance(value, dict):  # one LaTeX string a line, not a dict's repr (review r8k B2)
            print(f"{key}:", *(f"  {k}: {v}" for k, v in value.items()), sep="\n")
        elif args.latex and isinstance(value, list):
            print(f"{key}:", *(f"  {v}" for v in value), sep="\n")
        elif args.latex:
            print(f"{key}: {value}")
        else:  # long exact numbers by one rule (vaemath.symbolic.numerals); --json keeps every digit
            print(numbers_shown(f"{key}: {value}"))


def _cmd_catalogue(args) -> None:
    from vaemath.symbolic import catalogue

    rows = [entry.to_dict() for entry in catalogue().values()]
    if args.json:
        _print_json(rows)
        return
    for row in rows:
        prior = "; any prior (--prior)" if row["general"] is not None else ""
        print(f"{row['name']:<20} {row['expression']}\n{'':<20} {row['description']} [{row['provenance']}{prior}; "
              f"{row['citation']}]")
    print("\nAlso the family renyi(a), the Renyi divergence of order a (a > 0, a != 1), e.g. 'renyi(2)'. Entries "
          "marked 'any prior' take --prior MU,SIGMA (N(MU, SIGMA^2) in place of N(0, 1)).")


@contextlib.contextmanager
def _reference_is_against():
    """The Python argument ``reference`` is the command line's --against: errors say so."""
    try:
        yield
    except ValueError as exc:
        if not str(exc).startswith("reference: "):
            raise
        raise ValueError("--against: " + str(exc).removeprefix("reference: ")) from None


def _cmd_check(args) -> None:
    from vaemath.analysis import check

    with _reference_is_against():
        verdict = check(args.candidate, args.against, args.sigma_means, args.budget, args.prior)
    if args.json:
        _print_json(verdict.to_dict())
        return
    print(verdict)


def _cmd_linear(args) -> None:
    from vaemath.analysis.linear import optimum

    result = optimum(args.cov, args.latent, args.penalty, args.sigma_means, args.starts, args.seed, args.budget,
                     args.prior)
    if args.json:
        _print_json(result.to_dict())
        return
    print(result)


def _cmd_bench(args) -> None:
    from vaemath import bench

    bench.destinations(args.out)  # a bad --out is refused before a run of minutes, not after it
    result = bench.run(args.size, args.repeat, args.reduce_points, vae=args.vae)
    paths = bench.write(result, args.out)
    if args.json:
        _print_json(result)
        return
    print(bench.markdown(result))
    print("wrote " + ", ".join(map(str, paths)))


# ---- the parser -------------------------------------------------------------------------------------------

def _command(sub, name: str, help: str, handler) -> argparse.ArgumentParser:
    """Register subcommand ``name``, run by ``handler(args)``."""
    cmd = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".", formatter_class=_Formatter)
    cmd.set_defaults(run=handler)
    return cmd


def _add_json(cmd) -> None:
    cmd.add_argument("--json", action="store_true", help="print the result as JSON")


def _add_sigma_means(cmd) -> None:
    cmd.add_argument("--sigma-means", default="std", choices=["std", "var"],
                     help="read the question's sigma as the standard deviation or the variance")


def _add_out(cmd, writes: str, committed: bool = True) -> None:
    note = "; '.' replaces the committed files of a vaemath checkout" if committed else ""
    cmd.add_argument("--out", default=RESULTS, help=f"folder that receives {writes}{note}")


def _budget(value: str) -> float:
    from vaemath.symbolic.budget import MAX_BUDGET

    number = _finite_float(value)
    if not 0 < number <= MAX_BUDGET:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds up to {MAX_BUDGET:g}, got "
                                         f"{value.strip()!r}")
    return number


def _nonzero_decimal(text: str) -> bool:
    import decimal

    try:
        return decimal.Decimal(text) != 0
    except decimal.InvalidOperation:
        return False


def _prior(value: str) -> tuple:
    """MU,SIGMA as two finite numbers, SIGMA > 0; argparse names --prior and the text typed in the error."""
    parts = [x.strip() for x in value.strip().split(",")]
    try:
        mu_p, sigma_p = (float(x) for x in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MU,SIGMA (two numbers), got {value.strip()!r}") from None
    for name, typed, number in (("MU", parts[0], mu_p), ("SIGMA", parts[1], sigma_p)):
        if not math.isfinite(number):
            why = "" if typed.lower().lstrip("+-") in ("inf", "infinity", "nan") else " (beyond double precision)"
            raise argparse.ArgumentTypeError(f"{name} must be a finite number, got {typed!r}{why}")
    if not sigma_p > 0:
        why = " (it rounds to 0 in double precision)" if sigma_p == 0 and _nonzero_decimal(parts[1]) else ""
        raise argparse.ArgumentTypeError(f"SIGMA must be positive, got {parts[1]!r}{why}")
    return mu_p, sigma_p


def _add_symbolic(cmd) -> None:
    cmd.add_argument("--budget", type=_budget, default=5.0,
                     help="seconds allowed to each symbolic step before its numeric fallback (positive, at most 1e9)")
    cmd.add_argument("--prior", type=_prior, default=None, metavar="MU,SIGMA",
                     help="take catalogue penalties against the prior N(MU, SIGMA^2) (default: 0,1, the standard "
                          "normal N(0, 1))")


def _cmd_train(args) -> None:
    from vaemath.vae import train

    result = train(args.data, args.penalty, latent=args.latent, epochs=args.epochs, seed=args.seed, cov=args.cov,
                   n=args.n, K=args.K, out=args.out, progress=not args.json, quick=args.quick)
    d = result.to_dict()
    if args.json:
        _print_json({k: d[k] for k in ("setup", "status", "objective", "metrics")})
        return
    st = d["status"]
    print(f"{args.data} VAE, penalty {d['setup']['penalty']}: stopped by {st['stopped']}, parameters of epoch "
          f"{st['best_epoch']}, {st['seconds']:.1f} s; trained objective {d['objective']:.4f} per datum "
          "(training data)")
    if st["message"]:
        print(f"  {st['message']}")
    for key, value in d["metrics"].items():
        print(f"  {key}: {value}")
    ref = d["setup"].get("reference")
    if ref:
        kind = "minimum" if ref["attained"] else "infimum (not attained)"
        print(f"  vaemath.linear.optimum of the training covariance: {kind} {ref['objective']:.6f}; {ref['path']}")
        print("  (linear_objective and the optimum are minimised, penalty - reconstruction: the negative of objective)")


def _cmd_compare(args) -> None:
    from vaemath.vae import compare, markdown

    kwargs = {k: v for k, v in (("latent", args.latent), ("epochs", args.epochs), ("K", args.K), ("cov", args.cov),
                                ("n", args.n)) if v is not None}
    result = compare(args.penalties, args.seeds, data=args.data, n_jobs=args.jobs, scheduler=args.scheduler,
                     out=args.out, quick=args.quick, **kwargs)
    if args.json:
        _print_json(result)
        return
    print(markdown(result))
    print(f"wrote {args.out}/compare.json, {args.out}/compare.md")


def _cmd_report(args) -> None:
    from vaemath.report import report

    with _reference_is_against():
        result = report(args.penalty, args.against, args.out, args.quick, args.format, args.seed,
                        progress=not args.json, sigma_means=args.sigma_means, budget=args.budget, prior=args.prior)
    if args.json:
        _print_json(result)
        return
    print(result["verdict"])
    print(f"wrote {result['report']} and {len(result['files']) - 1} figure file(s) in {args.out}/figures")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``vaemath`` command."""
    from vaemath import __version__

    parser = _Parser(prog="vaemath", formatter_class=_Formatter,
                     description="Can the VAE's KL term be replaced by a 'simpler, equivalent' penalty? "
                                 "Symbolic, numeric and experimental answers.")
    parser.add_argument("--version", action="version", version=f"vaemath {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    derive = _command(sub, "derive", "value, gradient, Hessian, minimiser, limits and Taylor expansion of a penalty",
                      _cmd_derive)
    derive.add_argument("penalty", nargs="?", default="quadratic", type=_text,
                        help="catalogue name or penalty text, e.g. 'mu**2 + (sigma-1)**2' or -kl")
    derive.add_argument("--param", default="std", choices=["std", "var", "logstd", "logvar"],
                        help="variables of the result: sigma, v = sigma^2, s = log sigma or l = log sigma^2")
    derive.add_argument("--order", type=_int_at_least(0, MAX_ORDER), default=2,
                        help=f"order of the Taylor expansion at the minimiser, at most {MAX_ORDER}")
    _add_sigma_means(derive)
    fmt = derive.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the result as JSON (sympy-readable strings)")
    fmt.add_argument("--latex", action="store_true", help="print every expression as LaTeX")
    _add_symbolic(derive)

    cat = _command(sub, "catalogue", "list the divergences and penalties in the catalogue", _cmd_catalogue)
    _add_json(cat)

    chk = _command(sub, "check", "decide how a candidate penalty relates to a reference", _cmd_check)
    chk.add_argument("candidate", type=_text, help="catalogue name or penalty text, e.g. 'mu**2 + (sigma-1)**2'")
    chk.add_argument("--against", default="kl", type=_text, help="the reference penalty, name or text")
    _add_sigma_means(chk)
    _add_symbolic(chk)
    _add_json(chk)

    lin = _command(sub, "linear", "optimum or infimum of the linear-Gaussian VAE under a penalty", _cmd_linear)
    lin.add_argument("--cov", required=True, type=_covariance,
                     help="data covariance (D x D, D >= 2): comma list of variances (diagonal), or a .npy or "
                          "whitespace text file")
    lin.add_argument("--latent", type=_int_at_least(1), default=1, help="latent dimension k, 1 <= k < D")
    lin.add_argument("--penalty", default="kl", type=_text, help="catalogue name or penalty text")
    _add_sigma_means(lin)
    lin.add_argument("--starts", type=_int_at_least(1), default=8,
                     help="random starts of the numerical confirmation, 1 to 100, besides the one at pPCA")
    lin.add_argument("--seed", type=_int_at_least(0), default=0, help="seed of the random starts")
    _add_symbolic(lin)
    _add_json(lin)

    ben = _command(sub, "bench", "time the generated kernels against numpy, sympy.lambdify, numexpr and jax",
                   _cmd_bench)
    ben.add_argument("--size", type=_int_at_least(2), default=4096,
                     help="side N of the N x N float64 grid (refused when the grids do not fit in memory)")
    ben.add_argument("--repeat", type=_int_at_least(1, 100), default=7,  # vaemath.bench.MAX_REPEAT
                     help="timed runs per measurement (median kept), at most 100")
    ben.add_argument("--reduce-points", type=_reduce_points, default=0.0,
                     help="also stream grid_reduce over this many points (0: skip; else 1e4 to 1e12, e.g. 1e10) "
                          "and report its memory")
    ben.add_argument("--vae", action="store_true", help="also time the VAE (training step, penalty primitive)")
    _add_out(ben, "benchmarks/bench.json, benchmarks/bench.md and figures/bench.png")
    _add_json(ben)

    trn = _command(sub, "train", "train a VAE (digits or linear-Gaussian data) with a penalty and evaluate it",
                   _cmd_train)
    trn.add_argument("--data", default="digits", type=_text, help="data set: digits or linear")
    trn.add_argument("--penalty", default="kl", type=_text, help="catalogue name or penalty text")
    trn.add_argument("--latent", type=_whole, default=None, help="latent dimensions (default: digits 16, linear 1)")
    trn.add_argument("--epochs", type=_whole, default=None, help="maximum epochs (default: digits 30, linear 500)")
    trn.add_argument("--seed", type=_int_at_least(0), default=0, help="seed of the initialisation and minibatches")
    trn.add_argument("--cov", default=None, help="linear data: covariance as in vaemath linear (default 5,2,0.5)")
    trn.add_argument("--n", type=_whole, default=None, help="linear data: number of samples (default: 5000)")
    trn.add_argument("--K", type=_whole, default=None, help="importance samples per test datum (default: 1000)")
    trn.add_argument("--out", default=None, help="folder for params.npz and result.json (default: not written)")
    trn.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    _add_json(trn)

    cmp_ = _command(sub, "compare", "train penalties x seeds in parallel and tabulate every metric", _cmd_compare)
    cmp_.add_argument("--penalties", default="kl,quadratic", type=_text,
                      help="comma list of penalties (a comma inside parentheses belongs to its penalty: "
                           "'max(kl, 1/2),kl' is two)")
    cmp_.add_argument("--seeds", default="0,1,2", type=_text, help="comma list of seeds")
    cmp_.add_argument("--data", default="digits", type=_text, help="data set: digits or linear")
    cmp_.add_argument("--latent", type=_whole, default=None, help="latent dimensions (default: digits 16, linear 1)")
    cmp_.add_argument("--epochs", type=_whole, default=None, help="maximum epochs (default: digits 30, linear 500)")
    cmp_.add_argument("--K", type=_whole, default=None, help="importance samples per test datum (default: 1000)")
    cmp_.add_argument("--cov", default=None, help="linear data: covariance as in vaemath linear (default 5,2,0.5)")
    cmp_.add_argument("--n", type=_whole, default=None, help="linear data: number of samples (default: 5000)")
    cmp_.add_argument("--jobs", type=_int_at_least(1, 64), default=2,  # vaemath.vae.sweep.MAX_JOBS
                      help="parallel processes, at most 64 (for --quick runs 1 is often faster: each process "
                           "starts Python and loads its kernels)")
    cmp_.add_argument("--scheduler", default=None, help="dask.distributed scheduler address, e.g. tcp://host:8786 "
                           "(default: local processes, --jobs of them)")
    _add_out(cmp_, "compare.json, compare.md and the checkpoints", committed=False)
    cmp_.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    _add_json(cmp_)

    rep = _command(sub, "report", "the whole answer for one penalty: figures/, report.md and the short verdict",
                   _cmd_report)
    rep.add_argument("--penalty", default="quadratic", type=_text, help="catalogue name or penalty text")
    rep.add_argument("--against", default="kl", type=_text, help="the reference penalty, name or text")
    rep.add_argument("--out", default=".", help="folder that receives figures/ and report.md ('.' is the main "
                                               "job: it regenerates the checkout's figures/ and report.md)")
    rep.add_argument("--quick", action="store_true", help="small sizes for smoke runs and tests: about 30 s once the "
                     "kernels are compiled and cached, about a minute on a first run")
    rep.add_argument("--format", default="png", type=_text, help="figure formats, comma list of png, svg, pdf")
    rep.add_argument("--seed", type=_int_at_least(0), default=0, help="seed of every random step")
    _add_sigma_means(rep)
    _add_symbolic(rep)
    _add_json(rep)
    return parser


def _option_strings(parser: argparse.ArgumentParser) -> set:
    found = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found |= _option_strings(child)
    return found


def _protect_dashes(argv: list, options: set) -> list:
    """A leading space for values that start with '-' but are no option ('-kl', '-1'), so argparse reads
    them as values; every text and number argument strips it."""
    out = []
    for i, arg in enumerate(argv):
        if arg == "--":
            return out + argv[i:]
        # '---mu' is never an option (review r8p D4); '--mu' may be a mistyped one, so argparse says so
        dash_value = (arg.startswith("-") and (not arg.startswith("--") or arg.startswith("---")) and len(arg) > 1
                      and arg not in options)
        out.append(" " + arg if dash_value else arg)
    return out


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _once(command: str):
    """A showwarning that prints each distinct warning text once, as one line (a search that overflows prints
    numpy's "overflow encountered in reduce" once, not 1433 times: review helper-102)."""
    shown = set()

    def show(message, *_, **__):
        line = f"vaemath {command}: warning: {_one_line(message)}"
        if line not in shown:
            shown.add(line)
            print(line, file=sys.stderr)
    return show


def main(argv=None) -> int:
    """Entry point of the ``vaemath`` console script; returns the exit status.

    Bad input (argparse errors, ValueError, OSError, and TypeError or MemoryError raised by validation, whose
    message starts with the argument's name) prints one line on stderr and returns 2; any other exception is
    a bug: one line asking for a report, status 1, and the traceback
    only when the environment sets VAEMATH_TRACEBACK=1.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(_protect_dashes(argv, _option_strings(parser)))
    except SystemExit as exc:  # --help, --version, or argparse's one-line error, already printed
        return int(exc.code or 0)
    try:
        with warnings.catch_warnings():  # a warning is one line too, named like an error, each text once
            warnings.showwarning = _once(args.command)
            args.run(args)
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except USER_ERRORS as exc:
        if isinstance(exc, (TypeError, MemoryError)) and not _NAMED.match(str(exc)):
            return _internal(args, exc)  # raised inside the code, not by validation: a bug or a numeric failure
        print(f"vaemath {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"vaemath {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        return _internal(args, exc)
    return 0


def _internal(args, exc: BaseException) -> int:
    if os.environ.get("VAEMATH_TRACEBACK") == "1":
        raise exc
    print(f"vaemath {args.command}: internal error ({type(exc).__name__}: {_one_line(exc)}); please report "
          "it with the command line (VAEMATH_TRACEBACK=1 shows the traceback)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
