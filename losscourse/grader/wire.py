"""The wire format between the judge and the sandboxed worker: JSON lines, arrays as base64.

Only plain data crosses the boundary: ``None``, booleans, numbers, strings, lists, tuples,
dicts with string keys and numpy arrays or scalars of numeric dtypes. Nothing is ever
unpickled, and :func:`decode` checks every value it rebuilds (dtype, shape against the byte
count, nesting depth, total size), so a hostile worker can send wrong answers but nothing
else. This module must import nothing but the standard library and numpy: the worker runs
it inside the sandbox, where the course's packages are not available.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

MAX_DEPTH = 20
MAX_BYTES = 64 * 1024 * 1024  # per message
_DTYPES = {
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
}


class WireError(ValueError):
    """A message that is not valid in the wire format."""


def encode(value: Any, _depth: int = 0) -> Any:
    """A JSON-serialisable form of ``value``; raises ``TypeError`` for anything else."""
    if _depth > MAX_DEPTH:
        raise TypeError("the value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not np.isfinite(value):
            return {"__float__": repr(float(value))}  # np.float64 is a float; its repr is not
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.name not in _DTYPES:
            raise TypeError(f"arrays of dtype {arr.dtype} cannot be graded")
        data = base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")
        return {
            "__ndarray__": {
                "dtype": arr.dtype.name,
                "shape": list(arr.shape),
                "scalar": arr.ndim == 0 and isinstance(value, np.generic),
                "data": data,
            }
        }
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, _depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only dicts with string keys can be graded")
        return {"__dict__": {k: encode(v, _depth + 1) for k, v in value.items()}}
    raise TypeError(f"an object of type {type(value).__name__} cannot be graded")


def decode(obj: Any, _depth: int = 0) -> Any:
    """Rebuild a value encoded by :func:`encode`, validating everything."""
    if _depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj
    if isinstance(obj, list):
        return [decode(v, _depth + 1) for v in obj]
    if isinstance(obj, dict) and len(obj) == 1:
        ((tag, body),) = obj.items()
        if tag == "__float__" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "__tuple__" and isinstance(body, list):
            return tuple(decode(v, _depth + 1) for v in body)
        if tag == "__dict__" and isinstance(body, dict):
            return {str(k): decode(v, _depth + 1) for k, v in body.items()}
        if tag == "__ndarray__" and isinstance(body, dict):
            return _decode_array(body)
    raise WireError(f"unexpected value of type {type(obj).__name__}")


def _decode_array(body: dict) -> Any:
    dtype, shape, data = body.get("dtype"), body.get("shape"), body.get("data")
    if dtype not in _DTYPES or not isinstance(shape, list) or not isinstance(data, str):
        raise WireError("malformed array")
    if not all(isinstance(n, int) and 0 <= n for n in shape) or len(shape) > 32:
        raise WireError("malformed array shape")
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if len(raw) != expected:
        raise WireError("array data does not match its shape")
    arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return arr[()] if body.get("scalar") else arr


def dumps(message: dict) -> bytes:
    return (json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8")


def loads(line: bytes) -> dict:
    if len(line) > MAX_BYTES:
        raise WireError("message too large")
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("a message must be a JSON object")
    return message
