"""One JSON rule for the whole project: numpy to Python, non-finite floats to null, complex to {"re", "im"}."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["to_jsonable"]


def to_jsonable(v: Any) -> Any:
    """A JSON-able copy of v: numpy scalars/arrays to Python, tuples to lists, nan/inf to None, complex to {"re", "im"}.

    >>> to_jsonable({"a": (1, float("nan")), "z": 1 + 2j})
    {'a': [1, None], 'z': {'re': 1.0, 'im': 2.0}}
    """
    if isinstance(v, dict):
        return {str(k): to_jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return to_jsonable(v.tolist())
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, (complex, np.complexfloating)):
        return {"re": to_jsonable(float(v.real)), "im": to_jsonable(float(v.imag))}
    if v is None or isinstance(v, str):
        return v
    raise TypeError(f"value: not JSON-able: {type(v).__name__}")
