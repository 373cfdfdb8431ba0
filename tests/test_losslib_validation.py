"""Bad input raises ValueError or TypeError naming the argument, what came and what was expected.

Every check runs against the loss and against its gradient: both validate the same way.
These are the exact messages of the first losses; what every registry entry must do (unknown
reduction, NaN in any float input, an empty first argument, non-numbers, options passed by
position) is checked for all of them in ``test_losslib_generic.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import losslib
from losslib._validation import (
    as_float_array,
    check_choice,
    check_flag,
    check_positive_scalar,
    check_reduction,
    check_same_shape,
    check_scalar,
    fast_then_full,
)

ELEMENTWISE = ["mse", "mae", "huber", "binary_cross_entropy", "binary_cross_entropy_with_logits"]
ALL_LOSSES = [*ELEMENTWISE, "cross_entropy"]


def functions(names):
    """Parameters (loss and gradient) for the given loss names, with readable ids."""
    return pytest.mark.parametrize(
        "fn",
        [pytest.param(getattr(losslib, n + suffix), id=n + suffix) for n in names for suffix in ("", "_grad")],
    )


def valid_inputs(fn, n: int = 3):
    """A valid ``(y_true, y_pred)`` pair for ``fn`` (probabilities for BCE, labels for cross-entropy)."""
    if fn.__name__.startswith("cross_entropy"):
        return np.arange(n) % 2, np.zeros((n, 4))
    return np.full(n, 0.5), np.full(n, 0.25)


def raises(exc, *fragments):
    """pytest.raises whose message must contain every fragment (literal text, in order)."""
    return pytest.raises(exc, match=".*".join(re.escape(f) for f in fragments))


# --------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------


@functions(ELEMENTWISE)
def test_shape_mismatch_n_vs_n1_is_refused_not_broadcast(fn):
    with raises(ValueError, "y_pred has shape (3, 1) but y_true has shape (3,)", "reshape"):
        fn(np.full(3, 0.5), np.full((3, 1), 0.25))
    with raises(ValueError, "y_pred has shape (3,) but y_true has shape (3, 1)"):
        fn(np.full((3, 1), 0.5), np.full(3, 0.25))
    with raises(ValueError, "y_pred has shape (4,) but y_true has shape (3,)"):
        fn(np.full(3, 0.5), np.full(4, 0.25))


@functions(["cross_entropy"])
def test_cross_entropy_label_shape_mismatch(fn):
    with raises(ValueError, "y_true holds integer class labels of shape (3, 1)", "labels need shape (3,)"):
        fn(np.zeros((3, 1), dtype=int), np.zeros((3, 4)))
    with raises(ValueError, "y_true holds integer class labels of shape (3, 4)", "one-hot", "argmax"):
        fn(np.eye(4, dtype=int)[:3], np.zeros((3, 4)))
    with raises(ValueError, "y_true holds class probabilities of shape (3, 5)", "y_pred's shape"):
        fn(np.full((3, 5), 0.2), np.zeros((3, 4)))


@functions(["cross_entropy"])
def test_cross_entropy_float_labels_of_shape_n_are_refused_with_a_hint(fn):
    with raises(ValueError, "y_true holds class probabilities of shape (3,)", "pass them as integers"):
        fn(np.array([0.0, 1.0, 2.0]), np.zeros((3, 4)))


@functions(["cross_entropy"])
def test_cross_entropy_needs_a_class_axis(fn):
    with raises(ValueError, "y_pred must have a class axis", "binary_cross_entropy_with_logits"):
        fn(np.array(0), np.array(1.5))


# --------------------------------------------------------------------------
# Values out of their domain
# --------------------------------------------------------------------------


@functions(["cross_entropy"])
@pytest.mark.parametrize("label", [4, 7, -1, -99])
def test_labels_out_of_range(fn, label):
    y = np.array([0, label, 1])
    with raises(ValueError, f"y_true contains label {label} at y_true[1]", "4 classes", "[0, 3]"):
        fn(y, np.zeros((3, 4)))


@functions(["cross_entropy"])
def test_a_label_equal_to_ignore_index_is_not_out_of_range(fn):
    fn(np.array([0, -100, 1]), np.zeros((3, 4)))
    fn(np.array([0, 7, 1]), np.zeros((3, 4)), ignore_index=7)
    with raises(ValueError, "label -100", "ignore_index=7"):
        fn(np.array([0, -100, 1]), np.zeros((3, 4)), ignore_index=7)


@functions(["binary_cross_entropy"])
@pytest.mark.parametrize("bad", [1.5, -0.25, np.inf])
def test_probabilities_outside_the_unit_interval_suggest_the_logits_version(fn, bad):
    with raises(
        ValueError,
        f"y_pred must hold probabilities in [0, 1] but y_pred[2] = {bad!r};",
        "binary_cross_entropy_with_logits",
    ):
        fn(np.array([1.0, 0.0, 1.0]), np.array([0.5, 0.5, bad]))


@functions(["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_binary_targets_outside_the_unit_interval(fn):
    with raises(ValueError, "y_true must hold probabilities in [0, 1] but y_true[1] = 2.0;"):
        fn(np.array([1.0, 2.0, 0.0]), np.array([0.5, 0.5, 0.5]))


@functions(["cross_entropy"])
def test_class_probabilities_outside_the_unit_interval(fn):
    with raises(ValueError, "y_true must hold probabilities in [0, 1] but y_true[0, 1]"):
        fn(np.array([[0.5, 1.5], [0.5, 0.5]]), np.zeros((2, 2)))


# --------------------------------------------------------------------------
# NaN, empty, non-numbers
# --------------------------------------------------------------------------


@functions(ALL_LOSSES)
def test_nan_in_y_pred_says_where(fn):
    y_true, y_pred = valid_inputs(fn)
    y_pred = y_pred.astype(float)
    y_pred[(1,) * y_pred.ndim] = np.nan
    where = "y_pred[1, 1]" if y_pred.ndim == 2 else "y_pred[1]"
    with raises(ValueError, "y_pred contains NaN at " + where, "1 NaN value"):
        fn(y_true, y_pred)


@functions(ELEMENTWISE)
def test_nan_in_y_true_says_where(fn):
    y_true, y_pred = valid_inputs(fn)
    y_true = y_true.copy()
    y_true[2] = np.nan
    with raises(ValueError, "y_true contains NaN at y_true[2]"):
        fn(y_true, y_pred)


@functions(["cross_entropy"])
def test_nan_in_class_probabilities_says_where(fn):
    q = np.full((2, 3), 1 / 3)
    q[1, 0] = np.nan
    with raises(ValueError, "y_true contains NaN at y_true[1, 0]"):
        fn(q, np.zeros((2, 3)))


@functions(["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy"])
def test_nan_in_weight_says_where(fn):
    y_true, y_pred = valid_inputs(fn)
    weight = np.ones(y_pred.shape[-1:])
    weight[0] = np.nan
    with raises(ValueError, "weight contains NaN at weight[0]"):
        fn(y_true, y_pred, weight=weight)


@functions(ELEMENTWISE)
def test_empty_arrays_are_refused(fn):
    with raises(ValueError, "is empty (shape (0,))", "at least one element"):
        fn(np.array([]), np.array([]))


@functions(["cross_entropy"])
def test_empty_batches_are_refused(fn):
    with raises(ValueError, "y_pred is empty (shape (0, 3))"):
        fn(np.zeros(0, dtype=int), np.zeros((0, 3)))


@functions(ALL_LOSSES)
@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (np.array(["a", "b", "c"]), "must hold real numbers, got an array of dtype <U1"),
        (np.array([1 + 2j, 0j, 1j]), "must hold real numbers, got an array of dtype complex128"),
        (np.array([{}, None, 1.0], dtype=object), "must hold real numbers, got an array of dtype object"),
    ],
    ids=["strings", "complex", "objects"],
)
def test_non_numbers_in_y_pred_are_a_type_error(fn, bad, expected):
    y_true, y_pred = valid_inputs(fn)
    bad = bad if y_pred.ndim == 1 else np.stack([bad] * y_pred.shape[1], axis=1)
    with raises(TypeError, "y_pred " + expected):
        fn(y_true, bad)


@functions(ELEMENTWISE)
@pytest.mark.parametrize(
    "bad",
    [np.array(["a", "b", "c"]), np.array([1 + 2j, 0j, 1j])],
    ids=["strings", "complex"],
)
def test_non_numbers_in_y_true_are_a_type_error(fn, bad):
    with raises(TypeError, "y_true must hold real numbers"):
        fn(bad, np.full(3, 0.25))


@functions(["cross_entropy"])
@pytest.mark.parametrize(
    "bad",
    [np.array(["a", "b", "c"]), np.array([1 + 2j, 0j, 1j]), np.array([True, False, True])],
    ids=["strings", "complex", "bools"],
)
def test_cross_entropy_targets_of_the_wrong_kind(fn, bad):
    with raises(TypeError, "y_true must hold integer class labels or float class probabilities, got dtype"):
        fn(bad, np.zeros((3, 4)))


@functions(ELEMENTWISE)
def test_ragged_lists_are_a_type_error(fn):
    with raises(TypeError, "y_pred could not be converted to a numeric array"):
        fn([[0.5, 0.5], [0.5]], [[0.25, 0.25], [0.25]])


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


@functions(ALL_LOSSES)
@pytest.mark.parametrize("bad", ["avg", "MEAN", "", None, 1])
def test_unknown_reduction(fn, bad):
    y_true, y_pred = valid_inputs(fn)
    with raises(ValueError, "reduction must be 'mean', 'sum' or 'none', got " + repr(bad)):
        fn(y_true, y_pred, reduction=bad)


@functions(["huber"])
@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf, np.nan, 0])
def test_bad_delta_value(fn, bad):
    with raises(ValueError, "delta must be a finite number > 0, got"):
        fn(np.zeros(3), np.ones(3), delta=bad)


@functions(["huber"])
@pytest.mark.parametrize("bad", ["1.0", None, [1.0], np.array([1.0, 2.0]), True, 1j])
def test_bad_delta_type(fn, bad):
    with raises(TypeError, "delta must be a real number, got"):
        fn(np.zeros(3), np.ones(3), delta=bad)


@functions(["cross_entropy"])
@pytest.mark.parametrize("shape", [(3,), (5,), (1, 4), (2, 4)])
def test_cross_entropy_weight_of_the_wrong_shape(fn, shape):
    with raises(ValueError, f"weight has shape {shape} but y_pred has 4 classes", "shape (4,)"):
        fn(np.array([0, 1]), np.zeros((2, 4)), weight=np.ones(shape))


@functions(["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_elementwise_weight_that_does_not_broadcast(fn):
    with raises(ValueError, "weight has shape (2,), which does not broadcast to the shape (3, 4)"):
        fn(np.full((3, 4), 0.5), np.full((3, 4), 0.25), weight=np.ones(2))
    with raises(ValueError, "weight has shape (2, 3, 4), which would enlarge the loss terms"):
        fn(np.full((3, 4), 0.5), np.full((3, 4), 0.25), weight=np.ones((2, 3, 4)))


@functions(["binary_cross_entropy_with_logits"])
def test_pos_weight_that_does_not_broadcast(fn):
    with raises(ValueError, "pos_weight has shape (3,), which does not broadcast to the shape (3, 4)"):
        fn(np.full((3, 4), 0.5), np.zeros((3, 4)), pos_weight=np.ones(3))


@functions(["cross_entropy"])
@pytest.mark.parametrize("bad", [-0.1, 1.5, np.inf, np.nan])
def test_label_smoothing_outside_the_unit_interval(fn, bad):
    with raises(ValueError, "label_smoothing must be a finite number in [0, 1], got"):
        fn(np.array([0, 1]), np.zeros((2, 3)), label_smoothing=bad)


@functions(["cross_entropy"])
@pytest.mark.parametrize("bad", ["0.1", None, True, [0.1], 0.1j])
def test_label_smoothing_of_the_wrong_type(fn, bad):
    with raises(TypeError, "label_smoothing must be a real number, got", "pass a number in [0, 1]"):
        fn(np.array([0, 1]), np.zeros((2, 3)), label_smoothing=bad)


@functions(["cross_entropy"])
@pytest.mark.parametrize("bad", [1.0, "1", None, True])
def test_ignore_index_must_be_an_integer(fn, bad):
    with raises(TypeError, "ignore_index must be an integer, got"):
        fn(np.array([0, 1]), np.zeros((2, 3)), ignore_index=bad)


# --------------------------------------------------------------------------
# Valid input of other kinds is accepted
# --------------------------------------------------------------------------


@functions(ELEMENTWISE)
def test_lists_integers_and_booleans_are_numbers(fn):
    assert np.asarray(fn([0, 1, 1], [0.25, 0.5, 0.75])).dtype == np.float64
    assert np.asarray(fn(np.array([False, True, True]), [0.25, 0.5, 0.75])).dtype == np.float64
    assert np.asarray(fn([0, 1, 1], [0, 1, 1])).dtype == np.float64


@functions(["cross_entropy"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, np.uint64])
def test_cross_entropy_accepts_every_integer_label_dtype(fn, dtype):
    labels = np.array([0, 2, 1], dtype=dtype)
    np.testing.assert_allclose(fn(labels, np.zeros((3, 3))), fn(labels.astype(np.int64), np.zeros((3, 3))))


# --------------------------------------------------------------------------
# The vocabulary of losslib._validation: every message names the argument, the value and the fix
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bounds", "inside", "outside", "words"),
    [
        ({"low": 0, "closed": "neither"}, [1e-300, 2.0, 1e300], [0, -1.0], "> 0"),
        ({"low": 0, "closed": "left"}, [0, 0.0, 3], [-1e-300, -2], ">= 0"),
        ({"low": 1}, [1, 1.5], [0.999], ">= 1"),
        ({"high": 1, "closed": "neither"}, [0.5, -3], [1, 2], "< 1"),
        ({"high": 1}, [1, -3], [1.0001], "<= 1"),
        ({"low": 0, "high": 1}, [0, 0.5, 1], [-0.1, 1.5], "in [0, 1]"),
        ({"low": 0, "high": 1, "closed": "right"}, [1e-9, 1], [0, 2], "in (0, 1]"),
        ({"low": 0, "high": 1, "closed": "left"}, [0, 0.999], [1, -1], "in [0, 1)"),
        ({"low": -1, "high": 1, "closed": "neither"}, [-0.5, 0], [-1, 1], "in (-1, 1)"),
        ({}, [-1e300, 0, 7], [], ""),
    ],
)
def test_check_scalar_intervals(bounds, inside, outside, words):
    for value in inside:
        assert check_scalar(value, "delta", **bounds) == value
        assert type(check_scalar(value, "delta", **bounds)) is float
    for value in [*outside, np.nan, np.inf, -np.inf]:  # NaN and inf are never inside
        expected = f"delta must be a finite number {words}, got {value!r}".replace("number , got", "number, got")
        with raises(ValueError, expected):
            check_scalar(value, "delta", **bounds)


@pytest.mark.parametrize(
    ("bad", "kind"),
    [("1", "str"), (None, "NoneType"), (True, "bool"), (np.True_, "bool"), (1j, "complex"), (1 + 0j, "complex"),
     ([1.0], "list"), (np.array([1.0, 2.0]), "ndarray")],
)  # fmt: skip
def test_check_scalar_refuses_what_is_not_a_real_number(bad, kind):
    with raises(
        TypeError, f"tau must be a real number (a quantile level), got {bad!r} ({kind}); pass a number in [0, 1]"
    ):
        check_scalar(bad, "tau", low=0, high=1, about="a quantile level")


def test_check_scalar_accepts_numpy_numbers_and_says_what_the_option_is():
    assert check_scalar(np.float32(0.5), "tau", low=0, high=1) == 0.5
    assert check_scalar(np.int64(3), "c", low=0, closed="neither") == 3.0
    with raises(ValueError, "p must be a finite number >= 1 (the degree of the p-norm), got 0.5"):
        check_scalar(0.5, "p", low=1, about="the degree of the p-norm")


def test_check_scalar_in_the_inputs_dtype():
    f32 = np.dtype(np.float32)
    value = check_scalar(0.1, "delta", low=0, closed="neither", dtype=f32)
    assert type(value) is np.float32 and value == np.float32(0.1)
    assert type(check_scalar(0, "eps", low=0, dtype=f32)) is np.float32  # 0 in the interval is kept
    with raises(ValueError, "delta=1e-50 rounds to 0 in float32, the dtype of anchor", "pass delta >= 1.4e-45"):
        check_scalar(1e-50, "delta", low=0, closed="neither", dtype=f32, arg="anchor")
    with raises(ValueError, "delta=1e+39 overflows to inf in float32, the dtype of y_pred", "pass delta <= 3.4e+38"):
        check_scalar(1e39, "delta", low=0, closed="neither", dtype=f32)
    assert check_scalar(1e39, "delta", low=0, closed="neither", dtype=np.dtype(np.float64)) == 1e39
    with raises(ValueError, "delta must be a finite number > 0, got -1"):  # the interval first
        check_scalar(-1, "delta", low=0, closed="neither", dtype=f32)


def test_check_positive_scalar_is_check_scalar_from_zero():
    assert check_positive_scalar(2, "delta") == 2.0
    assert check_positive_scalar(0, "eps", allow_zero=True) == 0.0
    with raises(ValueError, "delta must be a finite number > 0, got 0"):
        check_positive_scalar(0, "delta")
    with raises(TypeError, "delta must be a real number, got '1' (str); pass a number > 0"):
        check_positive_scalar("1", "delta")


@pytest.mark.parametrize("good", [True, False, np.True_, np.False_])
def test_check_flag_accepts_booleans(good):
    assert check_flag(good, "full") is bool(good)


@pytest.mark.parametrize("bad", [1, 0, 1.0, "yes", "True", None, np.array([True])])
def test_check_flag_refuses_numbers_and_strings(bad):
    with raises(TypeError, f"full must be True or False, got {bad!r}"):
        check_flag(bad, "full")


def test_check_choice():
    kinds = ("minimax", "non_saturating", "wasserstein", "hinge")
    assert check_choice("hinge", "kind", kinds) == "hinge"
    expected = "kind must be 'minimax', 'non_saturating', 'wasserstein' or 'hinge', got "
    with raises(ValueError, expected + "'wgan'"):
        check_choice("wgan", "kind", kinds)
    for near, meant in [("Hinge", "hinge"), ("non-saturating", "non_saturating"), ("wasserstien", "wasserstein")]:
        with raises(ValueError, f"{expected}{near!r}; did you mean {meant!r}?"):
            check_choice(near, "kind", kinds)
    for bad in [None, 1, ["hinge"], np.str_("x")]:
        with pytest.raises(ValueError, match=re.escape(f"{expected}{bad!r}") + "$"):
            check_choice(bad, "kind", kinds)
    with raises(ValueError, "strategy must be 'hard', got 'easy'"):
        check_choice("easy", "strategy", ("hard",))
    with raises(ValueError, "reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        check_reduction("avg")


def test_fast_then_full_raises_the_first_error_of_the_full_checks():
    y_true, y_pred = [np.nan, 1.0, 2.0], [0.0, 1.0]  # a NaN and a shape mismatch: the NaN comes first

    def full():
        y = as_float_array(y_true, "y_true")
        check_same_shape(y, "y_true", as_float_array(y_pred, "y_pred"), "y_pred")

    with raises(ValueError, "y_true contains NaN at y_true[0]"):
        with fast_then_full(full):
            y = as_float_array(y_true, "y_true", nan=False)  # the fast path leaves the NaN scan to its blocks
            check_same_shape(y, "y_true", as_float_array(y_pred, "y_pred", nan=False), "y_pred")


def test_fast_then_full_keeps_the_fast_error_when_the_full_checks_pass():
    calls = []
    with raises(TypeError, "a stricter fast check"):
        with fast_then_full(lambda: calls.append("full")):
            raise TypeError("a stricter fast check")
    assert calls == ["full"]


def test_fast_then_full_does_nothing_when_the_fast_checks_pass():
    calls = []
    with fast_then_full(lambda: calls.append("full")):
        x = 1
    assert x == 1 and calls == []
    with pytest.raises(KeyError):  # not a validation error: raised as it is, without the full checks
        with fast_then_full(lambda: calls.append("full")):
            raise KeyError("x")
    assert calls == []
