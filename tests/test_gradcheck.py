"""losslib's own gradient checker: right on known derivatives, and it notices a wrong gradient."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import losslib
from losslib import gradcheck


def test_numerical_grad_of_known_functions():
    x = np.array([[0.5, -2.0], [3.0, 10.0]])
    np.testing.assert_allclose(gradcheck.numerical_grad(lambda v: float(np.sum(v**3)), x), 3 * x**2, rtol=1e-6)
    far = np.array([0.5, 1e3])  # the step grows with |x|
    np.testing.assert_allclose(
        gradcheck.numerical_grad(lambda v: float(np.sum(np.sin(v))), far), np.cos(far), rtol=1e-6
    )


def test_check_grad_accepts_a_right_gradient_for_each_argument():
    y, mean, var = np.array([0.3, -1.0]), np.array([0.1, 0.4]), np.array([0.5, 2.0])
    for wrt in ("mean", "var"):
        result = losslib.check_grad("gaussian_nll", y, mean, var, wrt=wrt, reduction="sum")
        assert result.ok and result.max_rel_error < 1e-6, (wrt, result)


def test_check_grad_notices_a_wrong_gradient(monkeypatch):
    info = losslib.LOSSES["huber"]
    wrong = dataclasses.replace(info, grad=lambda *a, **k: 1.01 * info.grad(*a, **k))
    monkeypatch.setitem(losslib.registry.LOSSES, "huber", wrong)
    result = losslib.check_grad("huber", [0.0, 1.0], [0.3, -2.0])
    assert not result.ok and result.max_rel_error == pytest.approx(0.01, rel=1e-3)


def test_check_grad_passes_the_loss_own_eps_option():
    """``eps`` belongs to the loss (gaussian_nll clamps the variance at it), not to the checker."""
    y, mean, var = np.array([0.0]), np.array([1.0]), np.array([1e-3])
    clamped = losslib.check_grad("gaussian_nll", y, mean, var, wrt="var", eps=1e-2)
    assert clamped.numeric[0] == 0.0  # the loss got eps=1e-2: below it the value does not depend on var
    # ...while the gradient is the derivative at eps, as PyTorch's (documented), so the checker reports it
    assert clamped.analytic[0] != 0.0 and not clamped.ok
    assert losslib.check_grad("gaussian_nll", y, mean, var, wrt="var").ok  # default eps=1e-6 < var


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: losslib.check_grad("nope", [0.0], [0.0]), ValueError, "unknown loss 'nope'"),
        (lambda: losslib.check_grad("mse", [0.0]), TypeError, "2 positional arguments"),
        (lambda: losslib.check_grad("mse", [0.0], [1.0], wrt="y_true"), ValueError, "not 'y_true'"),
    ],
)
def test_check_grad_refuses_bad_calls(call, error, match):
    with pytest.raises(error, match=match):
        call()
