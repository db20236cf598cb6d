"""One rule for writing results as JSON: numpy to Python, complex to {"re", "im"}, non-finite floats to null.

Every JSON file the package writes (claims.json, a run's metrics, sweep records) goes through
``to_jsonable``, so a reader meets one convention:

* a non-finite float (NaN, +inf, -inf; numpy's too) becomes ``null``: strict JSON has no token for
  them, and a reader must not mistake a string such as "nan" for a label. null means "no finite
  value"; which non-finite value it was is not kept (record it in a field of its own if it matters);
* a complex number becomes ``{"re": x, "im": y}``, each part under the rule above (never a bare
  [re, im] pair, which reads like two samples);
* numpy scalars become Python bool, int or float; numpy arrays and tuples become (nested) lists;
  a ``pathlib.Path`` becomes its string;
* dict keys stay strings; integer keys (numpy's too) become their decimal strings, as json.dumps
  writes them; any other key, and any other type, is a TypeError naming where it sits.
"""

from __future__ import annotations

import json
import math
from pathlib import PurePath
from typing import Any

import numpy as np

__all__ = ["to_jsonable", "dumps"]


def _float(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _key(k: Any, where: str) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
        return str(int(k))
    raise TypeError(f"{where}: a dict key must be a str or an int, got {type(k).__name__} {k!r}")


def to_jsonable(value: Any, where: str = "value") -> Any:
    """``value`` as plain JSON data under the module's rule (non-finite -> None, complex -> {"re", "im"}).

    >>> to_jsonable({"x": float("nan"), "z": np.complex128(1 - 2j), "a": np.arange(2), 3: (np.inf, True)})
    {'x': None, 'z': {'re': 1.0, 'im': -2.0}, 'a': [0, 1], '3': [None, True]}
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _float(float(value))
    if isinstance(value, (complex, np.complexfloating)):
        z = complex(value)
        return {"re": _float(z.real), "im": _float(z.imag)}
    if isinstance(value, dict):
        return {_key(k, where): to_jsonable(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            raise TypeError(f"{where}: not JSON-able: a numpy array of dtype {value.dtype}")
        return to_jsonable(value.tolist(), where)
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"{where}: not JSON-able: {type(value).__name__}")


def dumps(value: Any, indent: int | None = None, sort_keys: bool = False) -> str:
    """Strict JSON text of ``to_jsonable(value)`` (no NaN or Infinity tokens can appear).

    >>> dumps([float("inf"), 1j])
    '[null, {"re": 0.0, "im": 1.0}]'
    """
    return json.dumps(to_jsonable(value), indent=indent, sort_keys=sort_keys, allow_nan=False)
