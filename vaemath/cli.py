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

    result = bench.run(args.size, args.repeat, args.reduce_points, vae=args.vae)
    paths = bench.write(result, Path(args.out) / "benchmarks", Path(args.out) / "figures")
    if args.json:
        _print_json(result)
        return
    print(bench.markdown(result))
    print("wrote " + ", ".join(map(str, paths)))


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
    ben.add_argument("--vae", action="store_true", help="also time the VAE (training step, penalty primitive)")
    ben.add_argument("--out", default=".", help="folder that receives benchmarks/ and figures/ (default .)")
    ben.add_argument("--json", action="store_true")
    ben.set_defaults(run=_cmd_bench)
    trn = sub.add_parser("train", help="train a VAE (digits or linear-Gaussian data) with a penalty and evaluate it")
    trn.add_argument("--data", default="digits", help="digits or linear (default digits)")
    trn.add_argument("--penalty", default="kl", help="catalogue name or penalty text (default kl)")
    trn.add_argument("--latent", type=int, default=None, help="latent dimensions (default: digits 16, linear 1)")
    trn.add_argument("--epochs", type=int, default=None, help="maximum epochs (default: digits 200, linear 500)")
    trn.add_argument("--seed", type=int, default=0)
    trn.add_argument("--cov", default=None, help="linear data: covariance as in `vaemath linear` (default 5,2,0.5)")
    trn.add_argument("--n", type=int, default=None, help="linear data: samples (default 5000)")
    trn.add_argument("--K", type=int, default=None, help="importance samples per test datum (default 1000)")
    trn.add_argument("--out", default=None, help="folder for params.npz and result.json")
    trn.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    trn.add_argument("--json", action="store_true")
    trn.set_defaults(run=_cmd_train)

    cmp_ = sub.add_parser("compare", help="train penalties x seeds in parallel and tabulate every metric")
    cmp_.add_argument("--penalties", default="kl,quadratic", help="comma list (default kl,quadratic)")
    cmp_.add_argument("--seeds", default="0,1,2", help="comma list of seeds (default 0,1,2)")
    cmp_.add_argument("--data", default="digits", help="digits or linear (default digits)")
    cmp_.add_argument("--latent", type=int, default=None)
    cmp_.add_argument("--epochs", type=int, default=None)
    cmp_.add_argument("--K", type=int, default=None)
    cmp_.add_argument("--cov", default=None)
    cmp_.add_argument("--n", type=int, default=None)
    cmp_.add_argument("--jobs", type=int, default=2, help="parallel processes (default 2)")
    cmp_.add_argument("--scheduler", default=None, help="dask.distributed scheduler address, e.g. tcp://host:8786")
    cmp_.add_argument("--out", default="compare", help="folder for compare.json, compare.md and checkpoints")
    cmp_.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    cmp_.add_argument("--json", action="store_true")
    cmp_.set_defaults(run=_cmd_compare)
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
