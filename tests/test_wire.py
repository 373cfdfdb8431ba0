"""The judge/worker wire format: exact round trips, and nothing but plain data accepted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from losscourse.grader import wire


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -2.5,
        "text",
        float("inf"),
        float("-inf"),
        np.float64("inf"),
        np.float32(1.5),
        np.arange(6.0).reshape(2, 3),
        np.array([1, 2], dtype=np.int32),
        np.array(True),
        (1.0, np.zeros(2)),
        [1, [2, 3]],
        {"a": np.ones(3, dtype=np.float32)},
    ],
)
def test_round_trip(value):
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    elif isinstance(value, np.generic):  # np.float64 comes back as a float: the same dtype once in numpy
        assert back == value and np.asarray(back).dtype == np.asarray(value).dtype
    elif isinstance(value, tuple):
        assert isinstance(back, tuple) and back[0] == value[0] and np.array_equal(back[1], value[1])
    elif isinstance(value, dict):
        assert np.array_equal(back["a"], value["a"]) and back["a"].dtype == np.float32
    else:
        assert back == value


def test_nan_survives():
    assert np.isnan(wire.decode(json.loads(json.dumps(wire.encode(np.float64("nan"))))))


@pytest.mark.parametrize("value", [object(), np.array(["a"]), np.array([1 + 2j]), {1: 2}, lambda: 0])
def test_unsupported_values_are_refused(value):
    with pytest.raises(TypeError):
        wire.encode(value)


@pytest.mark.parametrize(
    "message",
    [
        {"__ndarray__": {"dtype": "object", "shape": [1], "data": ""}},
        {"__ndarray__": {"dtype": "float64", "shape": [3], "data": "AAAA"}},
        {"__float__": "__import__('os')"},
        {"__pickle__": "x"},
    ],
)
def test_hostile_messages_are_rejected(message):
    with pytest.raises(wire.WireError):
        wire.decode(message)
