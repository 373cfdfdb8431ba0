"""Fast building blocks shared by the losses: accurate BLAS sums and cache-sized blocks.

Why blocks: a loss written as whole-array numpy expressions makes one pass over memory per
operation and allocates a fresh temporary per operation (each one page-faulted in again).
Running the same operations on blocks of ``BLOCK_BYTES`` keeps every temporary in cache and
reuses it, so only the inputs are read from memory once and the gradient written once; the
formulas, and so the results, stay those of the elementwise expressions.

Why threads: numpy's ufuncs release the GIL, so blocks can be computed on several threads at
once; the transcendental functions (``exp``, ``log``, ``tanh``), where most of the time of a
log-loss goes, are not vectorised for float64 on most CPUs and scale with the cores. Like
PyTorch and BLAS, losslib uses the CPUs the process may run on; :func:`set_num_threads` (or the
environment variable ``LOSSLIB_NUM_THREADS``) sets another number, 1 for none. Each thread takes a run of consecutive blocks with its own scratch buffers and writes disjoint
parts of the outputs; the partial sums are added in block order, so the results do not depend on
the number of threads.

Why chunked BLAS: ``np.dot`` of two long vectors is fast but sums in a few long sequential
accumulators (less accurate than numpy's pairwise ``sum``, visibly so in float32) and, above
about 10^4 elements, OpenBLAS splits it over threads, whose start-up costs more than the sum on
a busy machine. :func:`dot` and :func:`rowdot` call BLAS on chunks of at most ``DOT_CHUNK``
elements and add the partial sums pairwise: as accurate as ``np.sum(a * b)``, several times
faster, and without the temporary.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from ._reduction import divisor
from ._typing import Float, FloatArray, Reduced

BLOCK_BYTES = 1 << 19  # 512 KiB per block buffer of an elementwise loss: a few of them stay in L2/L3
ROW_BLOCK_BYTES = 1 << 20  # 1 MiB per block of rows: row-wise losses also pay per block for their row reductions
DOT_CHUNK = 4096  # elements per BLAS call in dot(): one thread, short accumulators
PARALLEL_MIN = 1 << 18  # elements: below this, threads cost more than they save


def _available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _threads_from_environment() -> int:
    setting = os.environ.get("LOSSLIB_NUM_THREADS", "").strip()
    try:
        return max(1, int(setting)) if setting else _available_cpus()
    except ValueError:
        return _available_cpus()


_threads = _threads_from_environment()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def set_num_threads(n: int) -> None:
    """Compute large losses on ``n`` threads (1: on the calling thread only).

    losslib splits a large input into blocks of a few hundred kilobytes; with ``n > 1`` threads
    compute runs of blocks at once (numpy releases the GIL inside its loops). The results do
    not depend on ``n``: every block is computed the same way and the partial sums are added in
    the same order. Inputs below about 256 thousand elements are computed on one thread. The
    default is the environment variable ``LOSSLIB_NUM_THREADS`` if set, else the number of CPUs
    the process may run on, as PyTorch and BLAS do. Threads that cannot be started (a sandbox's
    process limit, say) fall back to one thread.

    Examples
    --------
    >>> import losslib
    >>> before = losslib.get_num_threads()
    >>> losslib.set_num_threads(2)
    >>> losslib.get_num_threads()
    2
    >>> losslib.set_num_threads(before)
    """
    global _pool, _threads
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"the number of threads must be an integer >= 1, got {n!r}")
    with _pool_lock:
        _threads = int(n)
        if _pool is not None:
            _pool.shutdown(wait=False)
            _pool = None


def get_num_threads() -> int:
    """The number of threads losslib computes large losses on (see :func:`set_num_threads`).

    Examples
    --------
    >>> import losslib
    >>> losslib.get_num_threads() >= 1
    True
    """
    return _threads


def _forget_pool_after_fork() -> None:
    """A forked child inherits the pool but not its threads: it starts its own when needed."""
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _executor() -> ThreadPoolExecutor | None:
    global _pool
    with _pool_lock:
        if _pool is None and _threads > 1:
            _pool = ThreadPoolExecutor(max_workers=_threads - 1, thread_name_prefix="losslib")
        return _pool


class Fallback(Exception):
    """Raised by a block that the fast path cannot compute (its caller takes the general path)."""


def run_chunks(n_blocks: int, task: Callable[[int, int], object], elements: int) -> None:
    """Call ``task(first, stop)`` for consecutive runs of blocks covering ``range(n_blocks)``.

    With more than one thread (:func:`set_num_threads`) and at least ``PARALLEL_MIN`` elements,
    the runs go to the threads (the calling thread takes the first), each with numpy's error
    state of the caller; the first exception, in the order of the runs, is raised once every
    run has finished. Otherwise ``task(0, n_blocks)`` on the calling thread.
    """
    threads = min(_threads, n_blocks) if elements >= PARALLEL_MIN else 1
    pool = _executor() if threads > 1 else None
    if pool is None:
        task(0, n_blocks)
        return
    bounds = [n_blocks * k // threads for k in range(threads + 1)]
    errstate = np.geterr()

    def run(first: int, stop: int) -> None:
        with np.errstate(**errstate):  # numpy's error state is per thread
            task(first, stop)

    try:
        futures = [pool.submit(run, bounds[k], bounds[k + 1]) for k in range(1, threads)]
    except RuntimeError:  # no thread can be started (process limit, interpreter exit)
        task(0, n_blocks)
        return
    errors: list[BaseException] = []
    try:
        task(bounds[0], bounds[1])
    except BaseException as exc:  # noqa: BLE001 - re-raised below, after the other runs
        errors.append(exc)
    wait(futures)
    errors += [error for f in futures if (error := f.exception()) is not None]
    if errors:
        raise errors[0]


def block_len(dtype: np.dtype[Any], row: int = 1) -> int:
    """Number of rows of ``row`` elements of ``dtype`` in one block (at least 1).

    Elements (``row == 1``) come in blocks of ``BLOCK_BYTES``, rows of a row-wise loss (softmax,
    distributions, Dice, embeddings) in blocks of ``ROW_BLOCK_BYTES``: measured on 2 cores, the
    larger blocks make those 10-40% faster with two threads and change nothing with one.
    """
    if row > 1:
        return max(1, ROW_BLOCK_BYTES // (dtype.itemsize * row))
    return max(1, BLOCK_BYTES // dtype.itemsize)


_FINFO: dict[np.dtype[Any], np.finfo[Any]] = {}


def finfo(dtype: np.dtype[np.floating[Any]]) -> np.finfo[Any]:
    """``np.finfo(dtype)``, cached (``np.finfo`` costs a microsecond per call)."""
    info = _FINFO.get(dtype)
    if info is None:
        info = _FINFO[dtype] = np.finfo(dtype)
    return info


def blocks(n: int, size: int) -> Iterator[slice]:
    """Consecutive slices of ``range(n)`` of length ``size`` (the last one shorter)."""
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def dot(a: FloatArray, b: FloatArray) -> Float:
    """``np.sum(a * b)`` over all elements of two equal-shape arrays, by BLAS, in their dtype."""
    a = a.reshape(-1)
    b = b.reshape(-1)
    n = a.size
    k = n // DOT_CHUNK
    total: Float
    if k <= 1:
        total = np.dot(a, b)
        return total
    head = k * DOT_CHUNK
    parts = np.matmul(a[:head].reshape(k, 1, DOT_CHUNK), b[:head].reshape(k, DOT_CHUNK, 1))
    total = parts.sum()
    if head < n:
        total = total + np.dot(a[head:], b[head:])
    return total


def rowdot(a: FloatArray, b: FloatArray) -> FloatArray:
    """``np.sum(a * b, axis=-1)`` of two equal-shape 2-D arrays, one BLAS dot per row."""
    out: FloatArray
    if a.shape[-1] > DOT_CHUNK:
        out = np.einsum("ij,ij->i", a, b)
    else:
        out = np.matmul(a[:, None, :], b[:, :, None])[:, 0, 0]
    return out


def log1p_from(t: FloatArray, u: FloatArray, out: FloatArray, tmp: FloatArray) -> FloatArray:
    """``log1p(t)`` into ``out``, given ``u = 1 + t`` as rounded (``t > -1``).

    In float32, ``log(u) - ((u - 1) - t) / u``: ``u - 1`` is exact and ``(u - 1) - t`` is the
    rounding error of ``1 + t``, exactly, so one vectorised ``log`` and four cheap operations give
    ``log1p`` to about one ulp (numpy's float32 ``log1p`` is not vectorised: seven times slower
    than its ``log``). In float64 ``np.log1p`` itself is as fast as that (``log`` near 1 is slow).
    """
    if t.dtype == np.float64:
        np.log1p(t, out=out)
        return out
    np.log(u, out=out)
    np.subtract(u, 1, out=tmp)
    np.subtract(tmp, t, out=tmp)
    np.divide(tmp, u, out=tmp)
    np.subtract(out, tmp, out=out)
    return out


LOG1P_LEVELS = 9  # halvings in log1p_sum: groups of about 2**9 factors, each at most 2: below 2**600


def log1p_sum(t: FloatArray, scratch: FloatArray) -> FloatArray:
    r"""A few numbers whose sum is :math:`\sum_i \operatorname{log1p}(t_i)`, for ``t >= 0`` (1-D).

    A sum of logarithms is the logarithm of a product, and :math:`(1 + a)(1 + b) = 1 + (a + b +
    ab)`: the terms are combined in pairs, ``LOG1P_LEVELS`` times, as :math:`a + b + ab` (three
    cheap, vectorised operations on non-negative numbers: no cancellation, each rounding relative),
    and ``log1p`` is taken of the about ``t.size / 2**LOG1P_LEVELS`` results only. numpy's float64
    ``log1p`` costs as much as twenty arithmetic passes; this needs three half-passes per level.
    Exact in exact arithmetic; in floating point the relative error of each group is a few ulps.
    Each factor must be at most 2 (``t <= 1``) so that no group overflows. ``t`` is overwritten;
    the result is a view of it. ``scratch`` has at least ``t.size // 2`` elements. NaN propagates.
    """
    m = t.size
    for _ in range(LOG1P_LEVELS):
        if m < 2:
            break
        h = m // 2
        a, b, ab = t[:h], t[h : 2 * h], scratch[:h]
        np.multiply(a, b, out=ab)
        np.add(a, ab, out=a)
        np.add(a, b, out=a)
        if m % 2:  # the odd one out waits for the next level
            t[h] = t[2 * h]
            h += 1
        m = h
    head = t[:m]
    np.log1p(head, out=head)
    return head


def exact_sum(parts: Sequence[float]) -> float:
    """The correctly rounded sum of floats (``math.fsum``), or their plain sum if one is inf or NaN."""
    try:
        return math.fsum(parts)
    except (ValueError, OverflowError):  # inf - inf (NaN, as numpy gives), or an intermediate overflow
        return sum(parts)


Kernel = Callable[..., None]


def elementwise(
    kernel: Kernel,
    arrays: Sequence[np.ndarray],
    *,
    value: bool,
    grad: bool,
    reduction: str,
    n_grads: int = 1,
    n_tmp: int = 2,
    recheck: Callable[[], object] | None = None,
    options: dict[str, Any] | None = None,
    summable: bool = False,
    finite: int | None = None,
    split: bool = False,
) -> tuple[Reduced | None, list[FloatArray] | None]:
    """Evaluate an elementwise loss block by block; return ``(value, gradients)``.

    ``arrays`` have one shape and dtype. ``kernel(ins, v, gs, count, tmp, **options)`` gets the
    blocks of the inputs (1-D views), writes the per-element losses into ``v`` (or skips them if
    ``v`` is None) and the gradients, already divided by ``count`` (the mean's denominator, 1 for
    "sum" and "none"), into the arrays of ``gs`` (or skips them if ``gs`` is None); ``tmp`` holds
    ``n_tmp`` scratch buffers of the block's length (``split`` is :func:`elementwise_pair`'s
    calling convention). The per-element losses are summed per block (pairwise) and the block sums added exactly
    (``math.fsum``).

    With ``summable``, the kernel also gets ``summed=True`` when only the sum of the block's
    losses is wanted (``"mean"`` and ``"sum"``): it may then write into ``v`` any numbers with the
    same sum (the elementwise cheap part, plus the few results of :func:`log1p_sum`, say).

    With ``recheck``, the inputs have not been scanned for NaNs yet, and the kernel promises that
    a NaN in an input makes the block's losses and its first gradient NaN: the block's losses (or
    first gradient) are summed anyway (in cache), and a NaN sum calls ``recheck()``, the caller's
    full validation, which raises the error the caller would have raised up front (a NaN can also
    come from the inputs' values, +inf - inf say; then ``recheck`` returns and the NaN stays).

    With ``finite`` (and ``recheck``), the input ``arrays[finite]`` must be finite and
    ``recheck()`` refuses ±inf in it: the kernel promises that an infinite input makes the block's
    losses NaN or infinite, so a block sum that is not finite calls ``recheck()`` (which returns if
    the inputs are finite and only the losses overflowed). Without losses, the sum of the
    block of ``arrays[finite]`` itself is checked (one reduction, in cache).

    Returns the reduced value (a numpy scalar of the dtype, or an array of the inputs' shape for
    ``"none"``; a numpy scalar for 0-d inputs, as numpy's ufuncs give) and a list of gradients of
    the inputs' shape.
    """
    shape = arrays[0].shape
    dtype = arrays[0].dtype
    flat = [a.reshape(-1) for a in arrays]
    n = flat[0].size
    count = divisor(reduction, n)
    opts = dict(options or {})
    if summable:
        opts["summed"] = reduction != "none"
    if n <= block_len(dtype):  # one block: the straight line (the fixed cost of a small call)
        return _one_block(
            kernel, flat, shape, dtype, value, grad, reduction, n_grads, n_tmp, recheck, opts, split, finite
        )
    size = block_len(dtype)
    none = value and reduction == "none"
    v_all = np.empty(n, dtype) if none else None
    g_all = [np.empty(n, dtype) for _ in range(n_grads)] if grad else None
    n_blocks = -(-n // size)
    parts = [0.0] * n_blocks
    checked = [recheck is None]

    def block(b: int, v_buf: FloatArray | None, tmp: list[FloatArray]) -> None:
        sl = slice(b * size, min((b + 1) * size, n))
        m = sl.stop - sl.start
        ins = [f[sl] for f in flat]
        v = v_all[sl] if v_all is not None else (v_buf[:m] if v_buf is not None else None)
        gs = [g[sl] for g in g_all] if g_all is not None else None
        tmp = [t[:m] for t in tmp]
        if split:
            kernel(*ins, v, gs[0] if gs is not None else None, count, tmp, **opts)
        else:
            kernel(ins, v, gs, count, tmp, **opts)
        block_sum = 0.0
        if v is not None:
            block_sum = parts[b] = float(v.sum())
        elif not checked[0] and gs is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                block_sum = float(gs[0].sum())
                if finite is not None:
                    block_sum += float(ins[finite].sum())
        bad = math.isnan(block_sum) if finite is None else not math.isfinite(block_sum)
        if not checked[0] and bad and recheck is not None:
            recheck()  # raises for a NaN (or, with finite, an infinite) input
            checked[0] = True

    def task(first: int, stop: int) -> None:
        v_buf = np.empty(size, dtype) if value and not none else None
        tmp = [np.empty(size, dtype) for _ in range(n_tmp)]
        for b in range(first, stop):
            block(b, v_buf, tmp)

    run_chunks(n_blocks, task, n * len(arrays))
    return _outputs(v_all, exact_sum(parts) if value and v_all is None else None, g_all, shape, dtype, n, reduction)


def elementwise_pair(
    kernel: Kernel,
    y: FloatArray,
    p: FloatArray,
    *,
    value: bool,
    grad: bool,
    reduction: str,
    n_tmp: int = 2,
    recheck: Callable[[], object] | None = None,
    options: dict[str, Any] | None = None,
    summable: bool = False,
    finite: int | None = None,
) -> tuple[Reduced | None, FloatArray | None]:
    """:func:`elementwise` for a loss of a target ``y`` and a prediction ``p``, with the gradient in ``p``.

    The kernel is called as ``kernel(y, p, v, g, count, tmp, **options)``, with the blocks of
    ``y`` and ``p`` and the one gradient ``g`` (or None); the other arguments are
    :func:`elementwise`'s. Returns ``(value, gradient with respect to p)``.
    """
    v, g = elementwise(
        kernel,
        (y, p),
        value=value,
        grad=grad,
        reduction=reduction,
        n_tmp=n_tmp,
        recheck=recheck,
        options=options,
        summable=summable,
        finite=finite,
        split=True,
    )
    return v, (g[0] if g is not None else None)


def _outputs(
    v_all: FloatArray | None,
    total: float | None,
    g_all: list[FloatArray] | None,
    shape: tuple[int, ...],
    dtype: np.dtype[np.floating[Any]],
    n: int,
    reduction: str,
) -> tuple[Reduced | None, list[FloatArray] | None]:
    """The value (reduced from ``total``, or ``v_all`` for "none") and the gradients, in ``shape``.

    A 0-d result is a numpy scalar, as numpy's ufuncs give (the gradients of a 0-d input too).
    """
    out_v: Reduced | None = None
    if v_all is not None:
        out_v = v_all.reshape(shape)
        out_v = out_v[()] if out_v.ndim == 0 else out_v
    elif total is not None:
        out_v = dtype.type(total / n if reduction == "mean" else total)
    out_g = None
    if g_all is not None:
        out_g = [g.reshape(shape) for g in g_all]
        if not shape:
            out_g = [g[()] for g in out_g]
    return out_v, out_g


def _one_block(
    kernel: Kernel,
    flat: list[FloatArray],
    shape: tuple[int, ...],
    dtype: np.dtype[np.floating[Any]],
    value: bool,
    grad: bool,
    reduction: str,
    n_grads: int,
    n_tmp: int,
    recheck: Callable[[], object] | None,
    opts: dict[str, Any],
    split: bool,
    finite: int | None,
) -> tuple[Reduced | None, list[FloatArray] | None]:
    """:func:`elementwise` for inputs that fit in one block, without loop, closures or slices."""
    n = flat[0].size
    count = divisor(reduction, n)
    v = np.empty(n, dtype) if value else None
    gs = [np.empty(n, dtype) for _ in range(n_grads)] if grad else None
    tmp = [np.empty(n, dtype) for _ in range(n_tmp)]
    if split:
        kernel(*flat, v, gs[0] if gs is not None else None, count, tmp, **opts)
    else:
        kernel(flat, v, gs, count, tmp, **opts)
    total = None
    if v is not None:
        total = float(v.sum())
        check = total
    elif recheck is not None and gs is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            check = float(gs[0].sum())
            if finite is not None:
                check += float(flat[finite].sum())
    if recheck is not None and (math.isnan(check) if finite is None else not math.isfinite(check)):
        recheck()  # raises for a NaN (or, with finite, an infinite) input
    return _outputs(v if reduction == "none" else None, total, gs, shape, dtype, n, reduction)
