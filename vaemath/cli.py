"""Command-line front end: ``vaemath derive``, ``vaemath catalogue``...; every command has ``--json``."""

from __future__ import annotations

import argparse
import json
import sys


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, sort_keys=False))


def _cmd_derive(args) -> None:
    from vaemath.symbolic import derive, to_latex, to_strings

    result = derive(args.penalty, args.param, args.order, args.sigma_means)
    if args.json:
        _print_json(to_strings(result))
        return
    shown = to_latex(result) if args.latex else to_strings(result)
    for key, value in shown.items():
        print(f"{key}: {value}")


def _cmd_catalogue(args) -> None:
    from vaemath.symbolic import catalogue

    rows = [entry.to_dict() for entry in catalogue().values()]
    if args.json:
        _print_json(rows)
        return
    for row in rows:
        print(f"{row['name']:<20} {row['expression']}\n{'':<20} {row['description']} [{row['provenance']}; "
              f"{row['citation']}]")


def _cmd_check(args) -> None:
    from vaemath.analysis import check

    verdict = check(args.candidate, args.against, args.sigma_means)
    if args.json:
        _print_json(verdict.to_dict())
        return
    print(verdict)


def _cmd_linear(args) -> None:
    from vaemath.analysis.linear_optimum import optimum

    result = optimum(args.cov, args.latent, args.penalty, args.sigma_means, args.starts, args.seed)
    if args.json:
        _print_json(result.to_dict())
        return
    print(result)


def _cmd_bench(args) -> None:
    from pathlib import Path

    from vaemath import bench

    result = bench.run(args.size, args.repeat, args.reduce_points)
    paths = bench.write(result, Path(args.out) / "benchmarks", Path(args.out) / "figures")
    if args.json:
        _print_json(result)
        return
    print(bench.markdown(result))
    print("wrote " + ", ".join(map(str, paths)))


def _cmd_report(args) -> None:
    from vaemath.report import report

    result = report(args.penalty, args.against, args.out, args.quick, args.format, args.seed, progress=not args.json,
                    sigma_means=args.sigma_means)
    if args.json:
        _print_json(result)
        return
    print(result["verdict"])
    print(f"wrote {result['report']} and {len(result['files']) - 1} figure file(s) in {args.out}/figures")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``vaemath`` command."""
    parser = argparse.ArgumentParser(prog="vaemath", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    derive = sub.add_parser("derive", help="value, gradient, Hessian, minimiser, limits and Taylor expansion")
    derive.add_argument("penalty", nargs="?", default="quadratic", help="catalogue name or penalty text")
    derive.add_argument("--param", default="std", choices=["std", "var", "logstd", "logvar"])
    derive.add_argument("--order", type=int, default=2, help="Taylor order at the minimiser (default 2)")
    derive.add_argument("--sigma-means", default="std", choices=["std", "var"],
                        help="read the question's sigma as the standard deviation or the variance")
    fmt = derive.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--latex", action="store_true")
    derive.set_defaults(run=_cmd_derive)

    cat = sub.add_parser("catalogue", help="list the divergences and penalties in the catalogue")
    cat.add_argument("--json", action="store_true")
    cat.set_defaults(run=_cmd_catalogue)

    chk = sub.add_parser("check", help="decide how a candidate penalty relates to a reference (default kl)")
    chk.add_argument("candidate", help="catalogue name or penalty text, e.g. 'mu**2 + (sigma-1)**2'")
    chk.add_argument("--against", default="kl", help="reference penalty (default kl)")
    chk.add_argument("--sigma-means", default="std", choices=["std", "var"],
                     help="read the question's sigma as the standard deviation or the variance")
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(run=_cmd_check)

    lin = sub.add_parser("linear", help="optimum or infimum of the linear-Gaussian VAE under a penalty")
    lin.add_argument("--cov", required=True,
                     help="data covariance: comma list of variances (diagonal), or a .npy / text file")
    lin.add_argument("--latent", type=int, default=1, help="latent dimension k, 1 <= k < D (default 1)")
    lin.add_argument("--penalty", default="kl", help="catalogue name or penalty text (default kl)")
    lin.add_argument("--sigma-means", default="std", choices=["std", "var"],
                     help="read the question's sigma as the standard deviation or the variance")
    lin.add_argument("--starts", type=int, default=8, help="random starts of the numerical confirmation")
    lin.add_argument("--seed", type=int, default=0)
    lin.add_argument("--json", action="store_true")
    lin.set_defaults(run=_cmd_linear)

    ben = sub.add_parser("bench", help="time the generated kernels against numpy, sympy.lambdify, numexpr, jax")
    ben.add_argument("--size", type=int, default=4096, help="grid side N of the N x N float64 grid (default 4096)")
    ben.add_argument("--repeat", type=int, default=7, help="timed runs per measurement, median (default 7)")
    ben.add_argument("--reduce-points", type=float, default=0.0,
                     help="also stream grid_reduce over this many points (e.g. 1e10) and report its memory")
    ben.add_argument("--out", default=".", help="folder that receives benchmarks/ and figures/ (default .)")
    ben.add_argument("--json", action="store_true")
    ben.set_defaults(run=_cmd_bench)
    rep = sub.add_parser("report", help="the whole answer for one penalty: figures/, report.md and the short verdict")
    rep.add_argument("--penalty", default="quadratic", help="catalogue name or penalty text (default quadratic)")
    rep.add_argument("--against", default="kl", help="reference penalty (default kl)")
    rep.add_argument("--out", default=".", help="folder that receives figures/ and report.md (default .)")
    rep.add_argument("--quick", action="store_true", help="small sizes: about a minute instead of a few")
    rep.add_argument("--format", default="png", help="figure formats, comma list of png, svg, pdf (default png)")
    rep.add_argument("--seed", type=int, default=0, help="seed of every random step (default 0)")
    rep.add_argument("--sigma-means", default="std", choices=["std", "var"],
                     help="read the question's sigma as the standard deviation or the variance")
    rep.add_argument("--json", action="store_true")
    rep.set_defaults(run=_cmd_report)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``vaemath`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, TypeError) as exc:
        print(f"vaemath {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
