"""Input checks at the public boundary.

Every public function validates once, here, and then calls helpers that trust their
inputs. Checks that would cost a pass over ``X`` (finiteness) are not done up front: the
callers check the finiteness of their *results*, which is cheap, and call
:func:`diagnose_nonfinite` only when a result is not finite, to say which input was at
fault.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_matrix",
    "as_labels",
    "as_vector",
    "as_positive_float",
    "as_nonnegative_float",
    "diagnose_nonfinite",
]

_NUMERIC_KINDS = "biuf"


def _describe(a) -> str:
    a = np.asarray(a)
    return f"an array of shape {a.shape} and dtype {a.dtype}"


def _asarray(value, name: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists, odd objects
        raise TypeError(
            f"{name} must be a rectangular array of numbers; got {type(value).__name__} that "
            f"NumPy cannot turn into one ({exc})."
        ) from None


def _as_float(a: np.ndarray, name: str, allow_complex: bool = False) -> np.ndarray:
    kinds = _NUMERIC_KINDS + ("c" if allow_complex else "")
    if a.dtype.kind not in kinds:
        wanted = "real or complex numbers" if allow_complex else "real numbers"
        raise TypeError(f"{name} must hold {wanted}; got dtype {a.dtype}.")
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    if a.dtype.kind == "c":
        return a.astype(np.complex128, copy=False)
    return a.astype(np.float64, copy=False)


def as_matrix(X, name: str = "X") -> np.ndarray:
    """Return ``X`` as a float64 array of shape (n_samples, n_features), n_samples >= 1.

    No pass over the values: finiteness is checked on results (see module docstring).
    """
    X = _as_float(_asarray(X, name), name)
    if X.ndim != 2:
        hint = " For a single feature use X.reshape(-1, 1)." if X.ndim == 1 else ""
        raise ValueError(
            f"{name} must be 2-D with shape (n_samples, n_features); got shape {X.shape}.{hint}"
        )
    if X.shape[0] == 0:
        raise ValueError(
            f"{name} has no rows (shape {X.shape}); need at least one example."
        )
    if X.shape[1] == 0:
        raise ValueError(
            f"{name} has no columns (shape {X.shape}); need at least one feature."
        )
    return X


def as_labels(y, n: int | None = None, name: str = "y") -> np.ndarray:
    """Return ``y`` as a float64 vector of 0s and 1s, of length ``n`` when given.

    Raises with the fix when labels are in {-1, +1}, when ``y`` is a column vector
    (which would broadcast against a length-n vector into an (n, n) array), or when
    values are not binary.
    """
    y = _asarray(y, name)
    if y.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"{name} must hold the labels 0 and 1; got dtype {y.dtype}.")
    if y.ndim != 1:
        hint = ""
        if y.ndim == 2 and 1 in y.shape:
            hint = (
                " A column or row vector would broadcast against length-n vectors into an"
                " (n, n) array; pass y.ravel()."
            )
        raise ValueError(
            f"{name} must be 1-D with shape (n_samples,); got shape {y.shape}.{hint}"
        )
    if n is not None and y.shape[0] != n:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but X has {n} rows; they must match."
        )
    if y.shape[0] == 0:
        raise ValueError(f"{name} is empty; need at least one label.")
    y = y.astype(np.float64, copy=False)
    bad = (y != 0) & (y != 1)
    if bad.any():
        found = np.unique(y[bad])
        shown = ", ".join(f"{v:g}" for v in found[:5]) + (
            ", ..." if found.size > 5 else ""
        )
        values = set(np.unique(y).tolist())
        if values <= {-1.0, 1.0}:
            raise ValueError(
                f"{name} must contain only 0 and 1; got labels in {{-1, +1}}. These formulas "
                f"use y in {{0, 1}}: map the labels with y01 = (y + 1) / 2."
            )
        raise ValueError(
            f"{name} must contain only the labels 0 and 1; got other values: {shown}."
        )
    return y


def as_vector(v, length: int, name: str, allow_complex: bool = False) -> np.ndarray:
    """Return ``v`` as a finite 1-D float (or complex) vector of the given length."""
    v = _as_float(_asarray(v, name), name, allow_complex=allow_complex)
    if v.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D with shape ({length},); got shape {v.shape}."
        )
    if v.shape[0] != length:
        raise ValueError(
            f"{name} must have length {length} (one entry per column of X); got {v.shape[0]}."
        )
    if not np.all(np.isfinite(v)):
        idx = int(np.flatnonzero(~np.isfinite(v))[0])
        raise ValueError(f"{name} must be finite; {name}[{idx}] = {v[idx]}.")
    return v


def _as_finite_float(value, name: str, *, allow_zero: bool) -> float:
    what = "non-negative" if allow_zero else "positive"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a {what} finite number; got {value!r}.")
    value = float(value)
    if not (np.isfinite(value) and (value >= 0 if allow_zero else value > 0)):
        raise ValueError(f"{name} must be {what} and finite; got {value!r}.")
    return value


def as_positive_float(value, name: str) -> float:
    """Return ``value`` as a float that is positive and finite."""
    return _as_finite_float(value, name, allow_zero=False)


def as_nonnegative_float(value, name: str) -> float:
    """Return ``value`` as a float that is >= 0 and finite."""
    return _as_finite_float(value, name, allow_zero=True)


def _first_nonfinite(a: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])


def diagnose_nonfinite(X: np.ndarray, **vectors) -> None:
    """Raise a ValueError naming the input that made a result non-finite.

    Called only after a result came out as inf or NaN, so the pass over ``X`` it makes
    is paid only on the error path.
    """
    if not np.all(np.isfinite(X)):
        i, j = _first_nonfinite(X)
        count = int(np.count_nonzero(~np.isfinite(X)))
        raise ValueError(
            f"X must be finite; it has {count} NaN or infinite entries (the first at row {i}, "
            f"column {j}: {X[i, j]})."
        )
    for name, v in vectors.items():
        if v is not None and not np.all(np.isfinite(v)):
            (i,) = _first_nonfinite(v)
            raise ValueError(f"{name} must be finite; {name}[{i}] = {v[i]}.")
    raise ValueError(
        "The result overflowed the float64 range although X and the vectors are finite: "
        "some entries of X @ w (or of the sums over rows) exceed about 1.8e308. "
        "Rescale X (for example standardize its columns) or use a smaller w."
    )


def as_max_iter(max_iter, default: int) -> int:
    """``max_iter`` as a non-negative int; ``default`` when it is None (bools refused)."""
    if max_iter is None:
        return default
    if (
        isinstance(max_iter, bool)
        or not isinstance(max_iter, (int, np.integer))
        or max_iter < 0
    ):
        raise ValueError(f"max_iter must be a non-negative integer; got {max_iter!r}.")
    return int(max_iter)
