"""Speed of the VAE (for ``vaemath bench --vae``): training step against autograd-composed and jax.jit versions
of the same model, the penalty primitive against the composed expression. Never used in tests' assertions."""

from __future__ import annotations

import contextlib

import numpy as np

from vaemath.timing import interleaved_median_ms, median_ms
from vaemath.vae.data import digits
from vaemath.vae.likelihood import categorical_loglik, categorical_loglik_composed
from vaemath.vae.model import MLP
from vaemath.vae.penalty import composed, penalty_sum
from vaemath.vae.training import DEFAULTS

DIGITS = DEFAULTS["digits"]  # the shapes the digits training runs at


def _composed_model(model):
    """The same encoder and decoder with each layer as autograd.numpy operations (dot, add, maximum)."""
    import autograd.numpy as anp

    layers = len(model.hidden) + 1

    def mlp(p, prefix, h):
        for i in range(layers):
            h = anp.dot(h, p[f"{prefix}{i}_W"]) + p[f"{prefix}{i}_b"]
            if i < layers - 1:
                h = anp.maximum(h, 0.0)
        return h

    encode = lambda p, x: (lambda h: (h[:, :model.latent], h[:, model.latent:]))(  # noqa: E731
        mlp(p, "enc", x / (model.levels - 1)))
    decode = lambda p, z: anp.reshape(mlp(p, "dec", z), (z.shape[0], model.dims, model.levels))  # noqa: E731
    return encode, decode


def _step(encode, decode, params, x, eps, pen_fn, loglik_fn, value_and_grad):
    import autograd.numpy as anp

    def loss(p):
        mu, s = encode(p, x)
        z = mu + anp.exp(s) * eps
        return anp.mean(pen_fn(mu, s)) - anp.mean(loglik_fn(decode(p, z), x))

    vg = value_and_grad(loss)
    return lambda: vg(params)


def _jax_step(model, params, x, eps, pen: str):
    """The same loss in jax.numpy (penalty lambdified from the same sympy expression), jitted, float64."""
    import jax
    import sympy as sp

    from vaemath.symbolic import variables
    from vaemath.vae.penalty import resolve

    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    pen_j = sp.lambdify(variables("logstd"), resolve(pen).in_param("logstd"), "jax")
    layers = len(model.hidden) + 1

    def mlp(p, prefix, h):
        for i in range(layers):
            h = h @ p[f"{prefix}{i}_W"] + p[f"{prefix}{i}_b"]
            if i < layers - 1:
                h = jnp.maximum(h, 0.0)
        return h

    def loss(p, x, eps):
        h = mlp(p, "enc", x / (model.levels - 1))
        mu, s = h[:, :model.latent], h[:, model.latent:]
        logits = mlp(p, "dec", mu + jnp.exp(s) * eps).reshape(x.shape[0], model.dims, model.levels)
        logp = jax.nn.log_softmax(logits, axis=-1)
        ll = jnp.sum(jnp.take_along_axis(logp, x.astype(jnp.int32)[..., None], axis=-1), axis=(-2, -1))
        return jnp.mean(jnp.sum(pen_j(mu, s) + 0 * mu, axis=-1)) - jnp.mean(ll)

    vg = jax.jit(jax.value_and_grad(loss))
    pj, xj, ej = ({k: jnp.asarray(v) for k, v in params.items()}, jnp.asarray(x), jnp.asarray(eps))
    return lambda: jax.block_until_ready(vg(pj, xj, ej))


def step_times(repeat: int = 20, batch: int = DIGITS["batch"], pen: str = "kl") -> dict:
    """Median ms of one gradient evaluation (value_and_grad of the minibatch loss) of the default digits model,
    at the training's minibatch size.

    Variants: ``vaemath`` (penalty, categorical and affine-layer primitives, one gradient root per parameter
    array: :mod:`vaemath.vae.gradient`), ``autograd composed`` (each written as autograd.numpy operations,
    ``autograd.value_and_grad`` over the parameter dict), ``jax.jit`` (the same model in jax, when installed);
    ratios to jax.jit.
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    model = MLP(64, DIGITS["latent"])
    params = model.init(rng)
    x = digits()["train"][:batch]
    eps = rng.standard_normal((batch, model.latent))
    from autograd import value_and_grad

    from vaemath.vae.gradient import value_and_grad as value_and_grad_dict

    enc, dec = _composed_model(model)
    fns = {"vaemath": _step(model.encode, model.decode, params, x, eps, penalty_sum(pen), categorical_loglik,
                            value_and_grad_dict),
           "autograd composed": _step(enc, dec, params, x, eps, composed(pen), categorical_loglik_composed,
                                      value_and_grad)}
    with contextlib.suppress(ImportError):  # jax is the optional bench extra
        fns["jax.jit"] = _jax_step(model, params, x, eps, pen)
    with threadpool_limits(limits=1):
        ms = {k: median_ms(f, repeat) for k, f in fns.items()}
    out = {"batch": batch, "penalty": pen, "ms": ms}
    if "jax.jit" in ms:
        out["ratio_to_jax"] = {k: v / ms["jax.jit"] for k, v in ms.items()}
    return out


def _floor():
    """A penalty primitive that costs nothing (sum of zeros, zero VJP): the driver's fixed cost per call."""
    from autograd.extend import defvjp, primitive

    zero = primitive(lambda m, x: np.zeros(m.shape[:-1]))
    defvjp(zero, lambda ans, m, x: lambda v: np.zeros_like(m), lambda ans, m, x: lambda v: np.zeros_like(x))
    return zero


def penalty_times(repeat: int = 200, shape=(DIGITS["batch"], DIGITS["latent"]),
                  names=("kl", "hellinger_squared")) -> list:
    """Median microseconds of value + VJP of the summed penalty over a minibatch of encoder outputs (mu, s) of
    shape (batch, latent), by default the digits training's.

    Each variant is differentiated by the gradient driver the training uses (:mod:`vaemath.vae.gradient`):
    ``primitive`` (:func:`vaemath.vae.penalty.penalty_sum`), ``composed`` (the same expression as
    autograd.numpy operations) and ``floor`` (a primitive that computes nothing: the driver's fixed cost,
    which both pay), timed in alternation (:func:`vaemath.timing.interleaved_median_ms`, ``repeat // 10`` rounds
    of 20 calls): at a few hundred microseconds a call, medians taken one variant after the other drifted by 2x.
    """
    import autograd.numpy as anp

    from vaemath.vae.gradient import value_and_grad

    rng = np.random.default_rng(1)
    params = {"mu": rng.standard_normal(shape), "s": 0.3 * rng.standard_normal(shape)}
    rows = []
    for name in names:
        fns = {}
        for label, f in (("floor", _floor()), ("primitive", penalty_sum(name)), ("composed", composed(name))):
            vg = value_and_grad(lambda p, f=f: anp.sum(f(p["mu"], p["s"])))
            fns[label] = lambda vg=vg: vg(params)
        us = {k: 1e3 * v for k, v in interleaved_median_ms(fns, max(repeat // 10, 1)).items()}
        rows.append({"penalty": name, "shape": list(shape), "us": us, "speedup": us["composed"] / us["primitive"],
                     "speedup_above_floor": (us["composed"] - us["floor"]) / (us["primitive"] - us["floor"])})
    return rows


TARGETS = {"penalty_speedup": 3.0, "step_to_jax": 2.5, "train_s": 30.0, "compare_s": 180.0}


def wall_times() -> dict:
    """Wall seconds of one default digits run (``train("digits", "kl")``: training with early stopping and
    the K = 1000 evaluation) and of the default ``compare`` (kl and quadratic, seeds 0, 1, 2, two processes),
    with the load average before each (other processes on the machine slow both)."""
    import os
    import time

    from vaemath.vae.sweep import compare
    from vaemath.vae.training import train

    out = {}
    for key, fn in (("train", lambda: train("digits", "kl", progress=False)), ("compare", compare)):
        out[f"{key}_load"] = os.getloadavg()[0]
        t0 = time.perf_counter()
        fn()
        out[f"{key}_s"] = time.perf_counter() - t0
    return out


def run(repeat: int = 20, walls: bool = True) -> dict:
    """Every VAE timing of the benchmark; ``walls=False`` skips the minutes-long :func:`wall_times`."""
    out = {"step": step_times(repeat), "penalty": penalty_times(max(10 * repeat, 1000))}  # 100+ rounds: ~3 s
    if walls:
        out["wall"] = wall_times()
    return out


def _verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def markdown(result: dict) -> str:
    """The VAE timings as Markdown, each against its target (issue 9)."""
    st = result["step"]
    lines = [f"| training step (digits model, batch {st['batch']}, {st['penalty']}) | ms | / jax.jit |",
             "|---|---|---|"]
    for k, v in st["ms"].items():
        lines.append(f"| {k} | {v:.2f} | {st.get('ratio_to_jax', {}).get(k, float('nan')):.2f} |")
    shape = " x ".join(map(str, result["penalty"][0].get("shape", ("?", "?"))))
    lines += ["", f"| penalty, value + VJP ({shape}) | primitive µs | composed µs | speed-up | floor µs "
              "| speed-up above the floor |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['penalty']} | {r['us']['primitive']:.1f} | {r['us']['composed']:.1f} | {r['speedup']:.2f}x | "
              f"{r['us']['floor']:.1f} | {r['speedup_above_floor']:.2f}x |" for r in result["penalty"]]
    notes = []
    if "ratio_to_jax" in st:
        ratio = st["ratio_to_jax"]["vaemath"]
        notes.append(f"training step {ratio:.2f}x jax.jit: {_verdict(ratio <= TARGETS['step_to_jax'])} the target "
                     f"<= {TARGETS['step_to_jax']}x")
    low = min(r["speedup"] for r in result["penalty"])
    notes.append(f"penalty primitive at least {low:.2f}x the composed expression: "
                 f"{_verdict(low >= TARGETS['penalty_speedup'])} the target >= {TARGETS['penalty_speedup']}x")
    if "wall" in result:
        w = result["wall"]
        notes.append(f"one default digits run (kl, early stopping, K = 1000): {w['train_s']:.1f} s at load "
                     f"{w['train_load']:.1f}: {_verdict(w['train_s'] <= TARGETS['train_s'])} the target "
                     f"<= {TARGETS['train_s']:.0f} s")
        notes.append(f"default compare (kl, quadratic x seeds 0, 1, 2, 2 processes): {w['compare_s']:.1f} s at load "
                     f"{w['compare_load']:.1f}: {_verdict(w['compare_s'] <= TARGETS['compare_s'])} the target "
                     f"<= {TARGETS['compare_s']:.0f} s")
    return "\n".join(lines) + "\n\n" + "".join(f"- {n}\n" for n in notes)
