"""losslib against PyTorch on the CPU: value and gradient together, same inputs, same 2 threads.

Prints, per loss, the best-of-N time of ``losslib.value_and_grad`` and of PyTorch's forward +
backward (float64), their ratio (below 1: losslib is faster), the geometric mean of the ratios,
and losslib's peak extra memory as a multiple of the input size (numpy's allocations, traced).
Speed goals live here, as printed ratios, never in timed tests.

    pip install torch==2.13.0        # a CPU build; not a dependency of the course
    python benchmarks/bench_losslib.py [--repeat 7] [--threads 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # losslib from this checkout

import losslib  # noqa: E402

N, C, D = 4096, 1000, 128


def _cases(rng: np.random.Generator) -> dict[str, tuple[tuple, dict, Callable]]:
    """name -> (losslib args, options, torch function of the same args returning the loss)."""
    import torch
    import torch.nn.functional as F

    y = rng.normal(size=(N, 256))
    yhat = y + rng.normal(size=(N, 256))
    binary = rng.integers(0, 2, size=(N, 256)).astype(float)
    logits = 3 * rng.normal(size=(N, 256))
    labels = rng.integers(0, C, size=N)
    class_logits = 2 * rng.normal(size=(N, C))
    p = rng.dirichlet(np.ones(C), size=N)
    q = rng.dirichlet(np.ones(C), size=N)
    a, pos, neg = (rng.normal(size=(N, D)) for _ in range(3))
    counts = rng.poisson(3.0, size=(N, 256)).astype(float)
    return {
        "mse": ((y, yhat), {}, lambda y, x: F.mse_loss(x, y)),
        "mae": ((y, yhat), {}, lambda y, x: F.l1_loss(x, y)),
        "huber": ((y, yhat), {}, lambda y, x: F.huber_loss(x, y)),
        "binary_cross_entropy_with_logits": (
            (binary, logits),
            {},
            lambda y, x: F.binary_cross_entropy_with_logits(x, y),
        ),
        "cross_entropy": ((labels, class_logits), {}, lambda y, x: F.cross_entropy(x, y)),
        "kl_divergence": ((p, q), {}, lambda y, x: F.kl_div(torch.log(x), y, reduction="batchmean")),
        "poisson_nll": ((counts, logits / 3), {}, lambda y, x: F.poisson_nll_loss(x, y)),
        "gaussian_nll": (
            (y, yhat, np.exp(rng.normal(size=(N, 256)))),
            {},
            lambda y, m, v: F.gaussian_nll_loss(m, y, v),
        ),
        "focal": ((binary, logits), {}, None),
        "hinge": ((2 * binary - 1, logits), {}, None),
        "triplet": ((a, pos, neg), {}, lambda a, p, n: F.triplet_margin_loss(a, p, n)),
        "cosine_embedding": (
            (2 * rng.integers(0, 2, size=N) - 1.0, a, pos),
            {},
            lambda y, x1, x2: F.cosine_embedding_loss(x1, x2, y),
        ),
        "info_nce": ((a, pos), {}, None),
        "categorical_cross_entropy": ((p, q), {}, lambda y, x: -(y * torch.log(x)).sum(-1).mean()),
    }


def _best(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _torch_runner(info, args, torch_fn) -> Callable[[], object]:
    import torch

    tensors = [torch.tensor(a, dtype=torch.int64 if np.asarray(a).dtype.kind in "iu" else torch.float64) for a in args]
    wrt = {info.args.index(name) for name in info.grad_wrt}

    def run() -> None:
        inputs = [t.clone().requires_grad_(i in wrt) for i, t in enumerate(tensors)]
        torch_fn(*inputs).backward()

    return run


def _peak_extra(fn: Callable[[], object], input_bytes: int) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / input_bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is needed for this benchmark: pip install torch==2.13.0 (a CPU build)", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(
        f"losslib {losslib.__version__}, numpy {np.__version__}, torch {torch.__version__}, "
        f"{args.threads} threads, best of {args.repeat}\n"
    )
    print(f"{'loss':34s} {'losslib ms':>10s} {'torch ms':>9s} {'ratio':>6s} {'peak mem / input':>17s}")
    ratios = []
    for name, (inputs, options, torch_fn) in _cases(rng).items():
        info = losslib.LOSSES[name]

        def ours(info=info, inputs=inputs, options=options) -> object:
            return losslib.value_and_grad(info.name, *inputs, **options)

        t_ours = _best(ours, args.repeat)
        memory = _peak_extra(ours, sum(np.asarray(a).nbytes for a in inputs))
        if torch_fn is None:
            print(f"{name:34s} {1e3 * t_ours:10.2f} {'-':>9s} {'-':>6s} {memory:16.1f}x")
            continue
        t_torch = _best(_torch_runner(info, inputs, torch_fn), args.repeat)
        ratios.append(t_ours / t_torch)
        print(f"{name:34s} {1e3 * t_ours:10.2f} {1e3 * t_torch:9.2f} {t_ours / t_torch:6.2f} {memory:16.1f}x")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(
        f"\ngeometric mean of losslib/torch over {len(ratios)} losses: {geo:.2f} (target <= 1.0); "
        f"worst {max(ratios):.2f} (target <= 2.0)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
