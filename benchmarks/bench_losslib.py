"""losslib against PyTorch and against its readable forms: time, accuracy and memory of value + gradient.

For every loss it times, on the same inputs and in the same process,

* ``losslib.value_and_grad`` (value and gradient in one call: the fast path),
* PyTorch's forward + backward in float64 (``torch.autograd.grad``; the leaf tensors are made
  once, outside the timing),
* the loss's readable form, ``losslib.LOSSES[name].readable``: the textbook formulas in plain
  numpy, as the book writes them and a student would (``np.mean((y_pred - y_true) ** 2)`` and
  ``2 * (y_pred - y_true) / N``, ...), the definition that the fast path is tested against,

taking the median of ``--repeat`` runs after a warm-up, the three interleaved run by run so that
the load of a shared machine hits them alike (trust the ratios more than the milliseconds). It
prints the ratios (below 1: losslib is faster), the geometric mean and the worst ratio against
PyTorch, the errors of losslib and of the readable form against a reference computed in
extended precision (``np.longdouble``, 64-bit mantissa, with cancellation-free formulas), and
losslib's peak extra memory (numpy allocations, traced) as a multiple of the size of the inputs.
Then PASS/MISS per target of issue #9. Speed goals live here, as printed ratios, never in timed
tests.

Two errors are printed, each the largest over the value and the gradient(s):

* ``err``: normwise, ``|v - ref| / |ref|`` for the value and ``max|g - ref| / max|ref|`` for a
  gradient, the usual measure of a vector's accuracy; the accuracy target is judged on it.
* ``elt``: elementwise, ``max |g_i - ref_i| / |ref_i|``. It exposes a gradient entry that loses
  its digits to cancellation (``sigmoid(x) - 1`` for a confident logit),
  but where the exact entry is itself a difference of nearly equal inputs (triplet's
  ``u_p - u_n``, Poisson's ``exp(x) - y``) every implementation has the same ill-conditioning
  and the largest such error over a million entries is a matter of luck.

BLAS (``OPENBLAS/OMP/MKL_NUM_THREADS``), PyTorch and losslib (:func:`losslib.set_num_threads`) get
``--threads`` threads (default 2, what PyTorch and losslib take by themselves on 2 cores;
``--losslib-threads 1`` times losslib on one thread against PyTorch on ``--threads``); the
environment variables are set before numpy is imported. Run it from the repository root with
a Python that has PyTorch (a CPU build; PyTorch is not a dependency of the course)::

    python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy
    PYTHONPATH=. /tmp/torchenv/bin/python benchmarks/bench_losslib.py [--repeat 15] [--threads 2]
        [--losslib-threads 1] [--only mse,huber] [--no-accuracy]
"""

from __future__ import annotations

import os
import sys


def _threads_from_argv(argv: list[str]) -> str:
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "2"


# Before numpy is imported: BLAS reads these once, when it loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv(sys.argv[1:])

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # losslib from this checkout

import losslib  # noqa: E402

N, C, D, E = 4096, 1000, 128, 256  # examples, classes, embedding size, elements per example
L = np.longdouble  # the reference's precision (x87 extended on x86-64: 11 more bits than float64)
INFO_NCE_ACCURACY_ROWS = 512  # the longdouble reference of info_nce is an N x N matmul: a smaller instance
MEMORY_LIMIT = 3.0  # peak extra memory / input size


# --------------------------------------------------------------------------
# References in extended precision, with cancellation-free formulas. Each returns (value, grads).
# --------------------------------------------------------------------------


def _ld(*arrays):
    return [np.asarray(a).astype(L) for a in arrays]


def _log_sigmoid_ld(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _sigmoid_ld(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def ref_mse(y, p):
    y, p = _ld(y, p)
    r = p - y
    return np.mean(r * r), (2 * r / r.size,)


def ref_mae(y, p):
    y, p = _ld(y, p)
    r = p - y
    return np.mean(np.abs(r)), (np.sign(r) / r.size,)


def ref_huber(y, p, delta=1.0):
    y, p = _ld(y, p)
    r = p - y
    a = np.abs(r)
    return np.mean(np.where(a <= delta, r * r / 2, delta * (a - delta / 2))), (np.clip(r, -delta, delta) / r.size,)


def ref_pseudo_huber(y, p, delta=1.0):
    y, p = _ld(y, p)
    r = p - y
    h = np.sqrt(delta * delta + r * r)
    return np.mean(delta * r * r / (h + delta)), (r * delta / h / r.size,)


def ref_log_cosh(y, p):
    y, p = _ld(y, p)
    r = p - y
    a = np.abs(r)
    s = np.sinh(a / 2)
    v = np.where(a < 2, np.log1p(2 * s * s), a - np.log(L(2)) + np.log1p(np.exp(-2 * a)))
    return np.mean(v), (np.tanh(r) / r.size,)


def ref_bce_logits(y, x):
    y, x = _ld(y, x)
    v = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    return np.mean(v), (((1 - y) * _sigmoid_ld(x) - y * _sigmoid_ld(-x)) / x.size,)


def _softmax_ce_ld(z, labels):
    """Mean cross-entropy of the rows of logits ``z`` (longdouble) at ``labels``, and its gradient."""
    rows = np.arange(len(labels))
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1)
    v = np.mean(np.log(s) - (z[rows, labels] - m[:, 0]))
    g = e / s[:, None]
    g[rows, labels] = -(s - e[rows, labels]) / s  # the sum of the other probabilities, as a reference
    return v, g / len(labels)


def ref_cross_entropy(labels, z):
    v, g = _softmax_ce_ld(*_ld(z), labels)
    return v, (g,)


def ref_kl(y, p):
    y, p = _ld(y, p)
    terms = np.where(y > 0, y * np.log1p((y - p) / p), 0)
    return np.sum(terms) / len(y), (-y / p / len(y),)


def ref_categorical_ce(y, p):
    y, p = _ld(y, p)
    return -np.sum(y * np.log(p)) / len(y), (-y / p / len(y),)


def ref_poisson(y, x):
    y, x = _ld(y, x)
    return np.mean(np.exp(x) - y * x), ((np.exp(x) - y) / x.size,)


def ref_gaussian(y, mu, var):
    y, mu, var = _ld(y, mu, var)
    r = mu - y
    n = mu.size
    return np.mean((np.log(var) + r * r / var) / 2), (r / var / n, (1 / var - r * r / (var * var)) / 2 / n)


def ref_focal(y, x, alpha=0.25, gamma=2.0):
    y, x = _ld(y, x)
    p, q = _sigmoid_ld(x), _sigmoid_ld(-x)  # q = 1 - p without cancellation
    lp, lq = _log_sigmoid_ld(x), _log_sigmoid_ld(-x)
    v = np.where(y == 1, -alpha * q**gamma * lp, -(1 - alpha) * p**gamma * lq)
    g1 = alpha * q**gamma * (gamma * p * lp - q)
    g0 = (1 - alpha) * p**gamma * (p - gamma * q * lq)
    return np.mean(v), (np.where(y == 1, g1, g0) / x.size,)


def ref_hinge(y, s):
    y, s = _ld(y, s)
    margin = 1 - y * s
    return np.mean(np.maximum(margin, 0)), (np.where(margin > 0, -y, 0) / s.size,)


def ref_dice(y, p, smooth=1.0):
    y, p = _ld(y, p)
    diff = np.sum(y * (1 - p) + p * (1 - y), axis=1)  # den - numerator, without cancellation
    den = np.sum(y + p, axis=1) + smooth
    g = ((1 - 2 * y) * den[:, None] - diff[:, None]) / (den * den)[:, None]
    return np.mean(diff / den), (g / len(y),)


def ref_triplet(a, p, n, margin=1.0, eps=1e-6):
    a, p, n = _ld(a, p, n)
    dp, dn = a - p + eps, a - n + eps
    d_ap, d_an = np.sqrt(np.sum(dp * dp, axis=1)), np.sqrt(np.sum(dn * dn, axis=1))
    z = margin + d_ap - d_an
    active = (z >= 0)[:, None] / L(len(a))
    up, un = dp / d_ap[:, None], dn / d_an[:, None]
    return np.mean(np.maximum(z, 0)), (active * (up - un), -active * up, active * un)


_TORCH_COSINE_EPS = float(np.float32(1e-12))  # PyTorch adds 1e-12f to both squared norms


def ref_cosine(y, x1, x2, margin=0.0, eps=_TORCH_COSINE_EPS):
    (x1, x2) = _ld(x1, x2)
    m1, m2 = np.sum(x1 * x1, axis=1) + eps, np.sum(x2 * x2, axis=1) + eps
    den = np.sqrt(m1 * m2)
    cos = np.sum(x1 * x2, axis=1) / den
    v = np.mean(np.where(y == 1, 1 - cos, np.maximum(cos - margin, 0)))
    coef = (np.where(y == 1, L(-1), (cos >= margin).astype(L)) / len(y))[:, None]
    g1 = coef * (x2 / den[:, None] - cos[:, None] * x1 / m1[:, None])
    g2 = coef * (x1 / den[:, None] - cos[:, None] * x2 / m2[:, None])
    return v, (g1, g2)


def ref_info_nce(q, k, tau=0.1):
    q, k = _ld(q, k)
    nq, nk = np.sqrt(np.sum(q * q, axis=1, keepdims=True)), np.sqrt(np.sum(k * k, axis=1, keepdims=True))
    qh, kh = q / nq, k / nk
    v, gs = _softmax_ce_ld((qh @ kh.T) / L(tau), np.arange(len(q)))
    gs /= L(tau)
    gqh, gkh = gs @ kh, gs.T @ qh
    gq = (gqh - qh * np.sum(gqh * qh, axis=1, keepdims=True)) / nq
    gk = (gkh - kh * np.sum(gkh * kh, axis=1, keepdims=True)) / nk
    return v, (gq, gk)


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------


@dataclass
class Case:
    name: str  # the losslib name
    args: tuple
    torch_fn: Callable | None  # of the same arguments, returning the loss
    ref: Callable


def _cases(rng: np.random.Generator) -> list[Case]:
    import torch
    import torch.nn.functional as F

    y = rng.normal(size=(N, E))
    yhat = y + rng.normal(size=(N, E))
    binary = rng.integers(0, 2, size=(N, E)).astype(float)
    logits = 3 * rng.normal(size=(N, E))
    labels = rng.integers(0, C, size=N)
    class_logits = 2 * rng.normal(size=(N, C))
    p = rng.dirichlet(np.ones(C), size=N)
    q = rng.dirichlet(np.ones(C), size=N)
    a, pos, neg = (rng.normal(size=(N, D)) for _ in range(3))
    counts = rng.poisson(3.0, size=(N, E)).astype(float)
    probs = 1 / (1 + np.exp(-logits))

    def t_focal(y, x, alpha=0.25, gamma=2.0):  # torchvision.ops.sigmoid_focal_loss, mean
        prob = torch.sigmoid(x)
        ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
        p_t = prob * y + (1 - prob) * (1 - y)
        return ((alpha * y + (1 - alpha) * (1 - y)) * ce * (1 - p_t) ** gamma).mean()

    def t_dice(y, p, smooth=1.0):
        inter = (y * p).sum(1)
        return (1 - (2 * inter + smooth) / (y.sum(1) + p.sum(1) + smooth)).mean()

    def t_info_nce(q, k, tau=0.1):
        s = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T / tau
        return F.cross_entropy(s, torch.arange(len(q)))

    def t_pseudo_huber(y, x, delta=1.0):
        return (delta**2 * (torch.sqrt(1 + ((x - y) / delta) ** 2) - 1)).mean()

    def t_log_cosh(y, x):  # stable: |r| + softplus(-2|r|) - log 2
        r = (x - y).abs()
        return (r + F.softplus(-2 * r) - math.log(2.0)).mean()

    return [
        Case("mse", (y, yhat), lambda y, x: F.mse_loss(x, y), ref_mse),
        Case("mae", (y, yhat), lambda y, x: F.l1_loss(x, y), ref_mae),
        Case("huber", (y, yhat), lambda y, x: F.huber_loss(x, y), ref_huber),
        Case("pseudo_huber", (y, yhat), t_pseudo_huber, ref_pseudo_huber),
        Case("log_cosh", (y, yhat), t_log_cosh, ref_log_cosh),
        Case(
            "binary_cross_entropy_with_logits",
            (binary, logits),
            lambda y, x: F.binary_cross_entropy_with_logits(x, y),
            ref_bce_logits,
        ),
        Case(
            "cross_entropy",
            (labels, class_logits),
            lambda y, x: F.cross_entropy(x, y),
            ref_cross_entropy,
        ),
        Case(
            "kl_divergence",
            (p, q),
            lambda y, x: F.kl_div(torch.log(x), y, reduction="batchmean"),
            ref_kl,
        ),
        Case(
            "categorical_cross_entropy",
            (p, q),
            lambda y, x: -(y * torch.log(x)).sum(-1).mean(),
            ref_categorical_ce,
        ),
        Case("poisson_nll", (counts, logits / 3), lambda y, x: F.poisson_nll_loss(x, y), ref_poisson),
        Case(
            "gaussian_nll",
            (y, yhat, np.exp(rng.normal(size=(N, E)))),
            lambda y, m, v: F.gaussian_nll_loss(m, y, v),
            ref_gaussian,
        ),
        Case("focal", (binary, logits), t_focal, ref_focal),
        Case(
            "hinge",
            (2 * binary - 1, logits),
            lambda y, x: torch.clamp(1 - y * x, min=0).mean(),
            ref_hinge,
        ),
        Case("dice", (binary, probs), t_dice, ref_dice),
        Case(
            "triplet",
            (a, pos, neg),
            lambda a, p, n: F.triplet_margin_loss(a, p, n),
            ref_triplet,
        ),
        Case(
            "cosine_embedding",
            (2 * rng.integers(0, 2, size=N) - 1.0, a, pos),
            lambda y, x1, x2: F.cosine_embedding_loss(x1, x2, y),
            ref_cosine,
        ),
        Case("info_nce", (a, pos), t_info_nce, ref_info_nce),
    ]


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


def _torch_runner(info, args, torch_fn) -> Callable[[], object]:
    import torch

    wrt = {info.args.index(name) for name in info.grad_wrt}
    tensors = [
        torch.tensor(a, dtype=torch.int64 if np.asarray(a).dtype.kind in "iu" else torch.float64).requires_grad_(
            i in wrt
        )
        for i, a in enumerate(args)
    ]
    leaves = [t for i, t in enumerate(tensors) if i in wrt]

    def run() -> object:
        loss = torch_fn(*tensors)
        return loss, torch.autograd.grad(loss, leaves)

    return run


def _timed_medians(runners: list[Callable[[], object] | None], repeat: int) -> list[float]:
    """Median seconds of each runner, run interleaved (one of each per round) after a warm-up."""
    live = [r for r in runners if r is not None]
    for r in live:
        r()
        r()
    times: list[list[float]] = [[] for _ in runners]
    for _ in range(repeat):
        for i, r in enumerate(runners):
            if r is None:
                continue
            start = time.perf_counter()
            r()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) if t else math.nan for t in times]


def _peak_extra(fn: Callable[[], object], input_bytes: int) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / input_bytes


def _as_tuple(grads) -> tuple:
    return tuple(grads) if isinstance(grads, tuple) else (grads,)


def _errors(got, ref) -> tuple[float, float]:
    """``(normwise, elementwise)`` relative errors, each the largest over the value and the gradients."""
    v, grads = got
    v_ref, grads_ref = ref
    value_err = float(abs(L(v) - v_ref) / abs(v_ref) if v_ref != 0 else abs(L(v)))
    norm = elt = value_err
    tiny = np.finfo(np.float64).tiny
    for g, r in zip(_as_tuple(grads), _as_tuple(grads_ref), strict=True):
        err = np.abs(np.asarray(g).astype(L) - r)
        norm = max(norm, float(np.max(err) / max(np.max(np.abs(r)), tiny)))
        elt = max(elt, float(np.max(err / np.maximum(np.abs(r), tiny))))
    return norm, elt


def _accuracy_args(case: Case) -> tuple:
    if case.name == "info_nce":
        return tuple(a[:INFO_NCE_ACCURACY_ROWS] for a in case.args)
    return case.args


def _shape(case: Case) -> str:
    arr = max((np.asarray(a) for a in case.args), key=lambda a: a.size)
    return "x".join(map(str, arr.shape))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per implementation (median)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS, PyTorch and losslib threads")
    parser.add_argument("--losslib-threads", type=int, default=None, help="losslib's threads (default: --threads)")
    parser.add_argument("--only", default="", help="comma-separated loss names")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the extended-precision reference")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is needed for this benchmark: pip install torch==2.13.0 (a CPU build)", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    lib_threads = args.threads if args.losslib_threads is None else args.losslib_threads
    if hasattr(losslib, "set_num_threads"):  # (losslib before version 0.1.0's threads has one thread)
        losslib.set_num_threads(lib_threads)
    else:
        lib_threads = 1
    rng = np.random.default_rng(0)
    cases = _cases(rng)
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.name in wanted]
    print(
        f"losslib {losslib.__version__} ({Path(losslib.__file__).parent}), numpy {np.__version__}, "
        f"torch {torch.__version__}; threads: BLAS and torch {args.threads}, losslib {lib_threads}; "
        f"median of {args.repeat} (interleaved, after warm-up)\n"
    )
    header = (
        f"{'loss':32s} {'shape':>10s} {'losslib':>8s} {'torch':>8s} {'ratio':>6s} {'readable':>8s} {'ratio':>6s} "
        f"{'err':>8s} {'err':>8s} {'elt':>8s} {'elt':>8s} {'mem':>6s}"
    )
    print(header)
    print(
        f"{'':32s} {'':>10s} {'ms':>8s} {'ms':>8s} {'l/t':>6s} {'ms':>8s} {'l/n':>6s} "
        f"{'losslib':>8s} {'readable':>8s} {'losslib':>8s} {'readable':>8s} {'/input':>6s}"
    )
    rows = []
    for case in cases:
        info = losslib.LOSSES[case.name]

        def ours(case=case) -> object:
            return losslib.value_and_grad(case.name, *case.args)

        def readable(case=case, form=info.readable) -> object:
            return form(*case.args)

        runner = _torch_runner(info, case.args, case.torch_fn) if case.torch_fn else None
        t_ours, t_torch, t_readable = _timed_medians([ours, runner, readable], args.repeat)
        memory = _peak_extra(ours, sum(np.asarray(a).nbytes for a in case.args))
        err_ours = err_readable = (math.nan, math.nan)
        if not args.no_accuracy:
            acc = _accuracy_args(case)
            reference = case.ref(*acc)
            with np.errstate(all="ignore"):
                err_ours = _errors(losslib.value_and_grad(case.name, *acc), reference)
                err_readable = _errors(info.readable(*acc), reference)
        row = {
            "name": case.name,
            "torch": t_ours / t_torch if runner else math.nan,
            "readable": t_ours / t_readable,
            "err": (err_ours, err_readable),
            "memory": memory,
        }
        rows.append(row)
        mark = "*" if case.name == "info_nce" else " "
        print(
            f"{case.name:32s} {_shape(case):>10s} {1e3 * t_ours:8.2f} {1e3 * t_torch:8.2f} {row['torch']:6.2f} "
            f"{1e3 * t_readable:8.2f} {row['readable']:6.2f} {err_ours[0]:8.1e} {err_readable[0]:8.1e} "
            f"{err_ours[1]:8.1e} {err_readable[1]:8.1e}{mark}{memory:5.1f}x"
        )
    if any(r["name"] == "info_nce" for r in rows):
        print(
            f"\n* info_nce's errors are measured on its first {INFO_NCE_ACCURACY_ROWS} rows (a longdouble N x N matmul)"
        )
    return _summary(rows)


def _summary(rows: list[dict]) -> int:
    ratios = [r["torch"] for r in rows if not math.isnan(r["torch"])]
    if not ratios:
        return 0
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    worst = max(rows, key=lambda r: -math.inf if math.isnan(r["torch"]) else r["torch"])
    eps = float(np.finfo(np.float64).eps)
    slower = [r["name"] for r in rows if r["readable"] >= 1]
    # normwise errors within 4 ulps of each other are rounding noise, not a difference in accuracy
    less_accurate = [r["name"] for r in rows if r["err"][0][0] > r["err"][1][0] + 4 * eps]
    heavy = [r["name"] for r in rows if r["memory"] > MEMORY_LIMIT]

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print(
        f"\ngeometric mean of losslib/torch over {len(ratios)} losses: {geo:.2f} (target <= 1.0)  {verdict(geo <= 1.0)}"
    )
    print(
        f"worst losslib/torch: {worst['torch']:.2f} ({worst['name']}) (target <= 2.0)  {verdict(worst['torch'] <= 2.0)}"
    )
    print(
        f"faster than the readable forms for every loss: {verdict(not slower)}"
        + (f" (not: {', '.join(slower)})" if slower else "")
    )
    print(
        "no less accurate than the readable forms (normwise error, within 4 ulps): "
        + verdict(not less_accurate)
        + (f" (not: {', '.join(less_accurate)})" if less_accurate else "")
    )
    print(
        f"peak extra memory <= {MEMORY_LIMIT:g}x the input: {verdict(not heavy)}"
        + (f" (not: {', '.join(heavy)})" if heavy else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
