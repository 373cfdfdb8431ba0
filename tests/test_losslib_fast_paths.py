"""The fast paths of losslib give what the straightforward computation gives, for every entry.

losslib evaluates large inputs in cache-sized blocks (``losslib._kernels``) and looks for NaNs while
it computes instead of scanning the inputs first. The other tests use small inputs, which fit in
one block; here the block size is shrunk to a few elements, so that every loss runs through many
blocks and a short last one, and the results must agree with the one-block evaluation to rounding
(partial sums are grouped differently: the value's, and the gradient of a loss that accumulates
it over blocks, as info_nce's with respect to the keys).
Also checked for every entry: a NaN in the last block is still refused, naming the argument, and
no input is modified (the fast paths work in place, on arrays they own only).
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import warnings

import numpy as np
import pytest

import losslib
from conftest import as_grads, by_entry, draw, float_args, named, replace, rng_for
from losslib import _kernels

N = 57  # examples: with blocks of a few elements, many blocks and a short last one


def _use_tiny_blocks(monkeypatch) -> None:
    """3 float64 (or 6 float32) elements or rows per block."""
    monkeypatch.setattr(_kernels, "BLOCK_BYTES", 24)
    monkeypatch.setattr(_kernels, "ROW_BLOCK_BYTES", 24)


@pytest.fixture
def tiny_blocks(monkeypatch):
    _use_tiny_blocks(monkeypatch)


def _both(info, inputs, reduction):
    v, g = info.core(**named(info, inputs), reduction=reduction)
    return np.asarray(v), as_grads(info, g)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@by_entry()
def test_many_blocks_give_the_one_block_result(info, reduction, monkeypatch):
    inputs = draw(info, rng_for(info, "blocks"), N)
    v_one, g_one = _both(info, inputs, reduction)
    _use_tiny_blocks(monkeypatch)
    v_many, g_many = _both(info, inputs, reduction)
    assert v_many.dtype == v_one.dtype and v_many.shape == v_one.shape
    np.testing.assert_allclose(v_many, v_one, rtol=1e-14, atol=0, err_msg=f"{info.name}: value, many blocks vs one")
    for w in info.grad_wrt:
        np.testing.assert_allclose(
            g_many[w],
            g_one[w],
            rtol=1e-13,
            atol=1e-15 * float(np.abs(g_one[w]).max()),
            err_msg=f"{info.name}: gradient wrt {w}, many blocks vs one",
        )


@pytest.mark.usefixtures("tiny_blocks")
@by_entry()
def test_a_nan_in_the_last_block_is_refused(info):
    inputs = draw(info, rng_for(info, "late nan"), N)
    for a in float_args(info, inputs):
        x = inputs[a].copy()
        x.flat[-1] = np.nan
        for fn in (info.loss, info.grad, info.core):
            with pytest.raises(ValueError) as err:
                fn(**named(info, replace(inputs, **{a: x})))
            message = str(err.value)
            assert a in message and re.search(r"\bnan\b", message, re.IGNORECASE), (
                f"{info.name} with a NaN at the end of {a}: {message!r}"
            )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("blocks", ["one", "many"])
@by_entry()
def test_inputs_are_left_alone(info, dtype, blocks, monkeypatch):
    if blocks == "many":
        _use_tiny_blocks(monkeypatch)
    inputs = draw(info, rng_for(info, "alone"), N)
    inputs = {a: (x.astype(dtype) if x.dtype.kind == "f" else x) for a, x in inputs.items()}
    before = {a: x.copy() for a, x in inputs.items()}
    for reduction in ("mean", "none"):
        losslib.value_and_grad(info.name, *named(info, inputs).values(), reduction=reduction)  # in args' order
        info.loss(**named(info, inputs), reduction=reduction)
        info.grad(**named(info, inputs), reduction=reduction)
    for a, x in inputs.items():
        np.testing.assert_array_equal(x, before[a], err_msg=f"{info.name} modified its input {a}")


@pytest.mark.parametrize("reduction", ["mean", "none"])
@by_entry()
def test_threads_give_the_same_bits(info, reduction, monkeypatch):
    """Blocks computed on several threads give exactly the one-thread result (and refuse NaNs)."""
    inputs = draw(info, rng_for(info, "threads"), N)
    _use_tiny_blocks(monkeypatch)
    v_one, g_one = _both(info, inputs, reduction)
    monkeypatch.setattr(_kernels, "PARALLEL_MIN", 0)
    before = losslib.get_num_threads()
    losslib.set_num_threads(3)
    try:
        v_three, g_three = _both(info, inputs, reduction)
        for a in float_args(info, inputs)[:1]:
            x = inputs[a].copy()
            x.flat[-1] = np.nan
            with pytest.raises(ValueError, match=re.escape(a)):
                info.core(**named(info, replace(inputs, **{a: x})))
    finally:
        losslib.set_num_threads(before)
    np.testing.assert_array_equal(v_three, v_one, err_msg=f"{info.name}: value, three threads vs one")
    for w in info.grad_wrt:
        np.testing.assert_array_equal(g_three[w], g_one[w], err_msg=f"{info.name}: gradient wrt {w}, threads")


def test_set_num_threads_refuses_what_is_not_a_count():
    before = losslib.get_num_threads()
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="number of threads"):
            losslib.set_num_threads(bad)
    assert losslib.get_num_threads() == before


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_a_forked_child_computes_with_threads(monkeypatch):
    """A child forked after the threads started gets threads of its own (no deadlock)."""
    monkeypatch.setattr(_kernels, "PARALLEL_MIN", 0)
    monkeypatch.setattr(_kernels, "BLOCK_BYTES", 24)
    before = losslib.get_num_threads()
    losslib.set_num_threads(2)
    try:
        y, p = np.linspace(0.0, 1.0, 64), np.linspace(1.0, 0.0, 64)
        expected = losslib.mse(y, p)  # the parent's threads exist now
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork() of a multi-threaded process
            pid = os.fork()
        if pid == 0:  # the child: a bounded life, an exit code for the answer
            signal.alarm(20)
            os._exit(0 if losslib.mse(y, p) == expected else 1)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"the forked child failed: status {status}"
    finally:
        losslib.set_num_threads(before)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 511, 512, 513, 1000, 70001])
def test_log1p_sum_is_the_sum_of_the_log1p(n):
    """The product trick of the summed log-losses: as accurate as summing numpy's log1p exactly."""
    rng = np.random.default_rng(n)
    cases = {
        "spread over (0, 1]": rng.random(n) ** 8,
        "tiny, where 1 + t rounds to 1": np.full(n, 1e-20) * (1 + rng.random(n)),
        "all at the bound 1": np.ones(n),
        "zeros and ones": (rng.random(n) < 0.5).astype(float),
    }
    for what, t in cases.items():
        expected = math.fsum(np.log1p(t))
        parts = _kernels.log1p_sum(t.copy(), np.empty(n // 2 + 1))
        assert parts.size <= max(1, n // 2**_kernels.LOG1P_LEVELS + _kernels.LOG1P_LEVELS)
        got = math.fsum(parts)
        assert abs(got - expected) <= 1e-14 * abs(expected), f"{what}, n = {n}: {got!r} != {expected!r}"
    if n:
        t = rng.random(n)
        t[n // 2] = np.nan
        assert np.isnan(math.fsum(_kernels.log1p_sum(t, np.empty(n // 2 + 1))))


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(None, "cpus"), ("3", 3), ("1", 1), ("", "cpus"), ("many", "cpus")],
)
def test_the_default_number_of_threads(setting, expected):
    """LOSSLIB_NUM_THREADS if it is a number, else the CPUs the process may run on (as PyTorch does)."""
    env = {k: v for k, v in os.environ.items() if k != "LOSSLIB_NUM_THREADS"}
    if setting is not None:
        env["LOSSLIB_NUM_THREADS"] = setting
    if expected == "cpus":
        expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    out = subprocess.run(
        [sys.executable, "-c", "import losslib; print(losslib.get_num_threads())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout) == expected
