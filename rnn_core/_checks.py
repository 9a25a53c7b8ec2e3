"""Argument checks shared by the modules: each raises ValueError naming what came and what was expected."""

from __future__ import annotations

import numpy as np


def as_float_array(name: str, value, shape: tuple, shape_text: str, *, finite: bool = True) -> np.ndarray:
    """``value`` as a float64 array of ``shape`` (None entries match any size), finite if asked."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a float array of shape {shape_text}; received {type(value).__name__}"
        ) from None
    if arr.ndim != len(shape) or any(want is not None and got != want for got, want in zip(arr.shape, shape)):
        raise ValueError(f"{name} must have shape {shape_text}; received shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite; received {arr[bad]} at index {bad}")
    return arr


def positive_int(name: str, value, *, minimum: int = 1) -> int:
    """``value`` as an int ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}; received {value!r}")
    return int(value)


def choice(name: str, value, options) -> str:
    """``value`` if it is one of ``options``."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}; received {value!r}")
    return value


def finite_number(name: str, value, *, zero_allowed: bool = False) -> float:
    """``value`` as a float, finite and > 0 (≥ 0 when ``zero_allowed``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not (np.isfinite(value) and (value >= 0 if zero_allowed else value > 0))
    ):
        raise ValueError(
            f"{name} must be a finite number {'≥' if zero_allowed else '>'} 0; received {value!r}"
        )
    return float(value)
