r"""Gradient checks: central differences, a scaled error metric, and the complex step.

For a smooth ``f`` and step ``h`` along coordinate ``j``::

    central:  (f(w + h e_j) - f(w - h e_j)) / (2h)   error ~ h^2 |f'''| / 6  +  u |f| / h
    complex:  Im f(w + i h e_j) / h                    error ~ h^2 |f'''| / 6  (no subtraction)

with ``u = 2**-53`` the unit round-off. The central difference's error is smallest near
``h* = (3 u |f| / |f'''|)**(1/3)``, about ``EPS**(1/3) ~ 6e-6`` times the scale of ``w``
when ``f`` and its derivatives are of order 1: that is the step SciPy's
``approx_derivative`` uses and :func:`check_grad` uses by default. The complex step has
no subtraction, so ``h`` can be as small as 1e-20 and the result is exact to round-off,
provided ``f`` is complex-analytic.
"""

from __future__ import annotations

import numpy as np

from ._validate import _as_float, _asarray, as_positive_float

__all__ = [
    "numerical_grad",
    "check_grad",
    "complex_step_grad",
    "central_difference_step",
]

EPS = np.finfo(np.float64).eps


def _as_point(w) -> np.ndarray:
    w = _as_float(_asarray(w, "w"), "w")
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"w must be a non-empty 1-D array; got shape {w.shape}.")
    if not np.all(np.isfinite(w)):
        i = int(np.flatnonzero(~np.isfinite(w))[0])
        raise ValueError(f"w must be finite; w[{i}] = {w[i]}.")
    return w


def _real_value(f, x, where: str) -> float:
    value = f(x)
    arr = np.asarray(value)
    if arr.ndim != 0 and arr.size != 1:
        raise ValueError(f"f must return a scalar; got shape {arr.shape} at {where}.")
    if arr.dtype.kind == "c":
        raise TypeError(
            f"f must return a real number for a real argument; got {value!r} at {where}."
        )
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise ValueError(
            f"f returned {value} at {where}; the finite difference needs finite values."
        )
    return value


def numerical_grad(f, w, eps=1e-5):
    """Central-difference gradient with an absolute step ``eps`` in every coordinate.

    Parameters
    ----------
    f : callable
        ``f(w) -> float``.
    w : array_like of shape (d,)
    eps : float, default 1e-5
        Step, positive and finite. The error is about ``eps**2 |f'''| / 6 + u |f| /
        eps``.

    Returns
    -------
    ndarray of shape (d,)
        ``(f(w + eps e_j) - f(w - eps e_j)) / (2 eps)`` for each j; 2d calls to ``f``.
    """
    w = _as_point(w)
    eps = as_positive_float(eps, "eps")
    g = np.empty_like(w)
    x = w.copy()
    for j in range(w.size):
        x[j] = w[j] + eps
        f_plus = _real_value(f, x, f"w + eps*e_{j}")
        x[j] = w[j] - eps
        f_minus = _real_value(f, x, f"w - eps*e_{j}")
        x[j] = w[j]
        g[j] = (f_plus - f_minus) / (2.0 * eps)
    return g


def central_difference_step(w) -> np.ndarray:
    """SciPy's relative step for central differences: ``EPS**(1/3) * max(1, |w_j|)``.

    Each step is then made exactly representable, ``h = (w + h) - w``, so that the
    divisor is the distance actually travelled.
    """
    w = _as_point(w)
    h = EPS ** (1.0 / 3.0) * np.maximum(1.0, np.abs(w))
    return (w + h) - w


def check_grad(f, grad, w, eps=None):
    """Scaled max error between an analytic gradient and a central-difference gradient.

    Parameters
    ----------
    f : callable
        ``f(w) -> float``.
    grad : callable or array_like
        ``grad(w) -> ndarray of shape (d,)``, or the gradient already evaluated at
        ``w``.
    w : array_like of shape (d,)
    eps : float or None, default None
        Absolute step for every coordinate. None uses :func:`central_difference_step`,
        ``EPS**(1/3) * max(1, |w_j|)``, which approximately balances truncation and
        round-off.

    Returns
    -------
    float
        ``max_j |g_j - g_num_j| / max(1, |g_num_j|)``: an absolute error for small
        components and a relative one for large ones (SciPy's ``check_derivative``
        metric). For a correct gradient of a well-scaled ``f`` expect about 1e-10 or
        less; a wrong gradient typically gives 1e-2 or more.
    """
    w = _as_point(w)
    g = grad(w) if callable(grad) else grad
    g = _as_float(_asarray(g, "grad"), "grad")
    if g.shape != w.shape:
        raise ValueError(f"grad must have the shape of w, {w.shape}; got {g.shape}.")
    if eps is None:
        h = central_difference_step(w)
    else:
        h = np.full(w.shape, as_positive_float(eps, "eps"))
    g_num = np.empty_like(w)
    x = w.copy()
    for j in range(w.size):
        x[j] = w[j] + h[j]
        f_plus = _real_value(f, x, f"w + h*e_{j}")
        x[j] = w[j] - h[j]
        f_minus = _real_value(f, x, f"w - h*e_{j}")
        x[j] = w[j]
        g_num[j] = (f_plus - f_minus) / (2.0 * h[j])
    return float(np.max(np.abs(g - g_num) / np.maximum(1.0, np.abs(g_num))))


def complex_step_grad(f, w, h=1e-20):
    """Complex-step gradient ``Im f(w + i h e_j) / h``: no subtraction, so no cancellation.

    Parameters
    ----------
    f : callable
        Must be complex-analytic in each coordinate: built from ``+ - * /``, ``exp``,
        ``log``, ``log1p`` and the like, with no ``abs``, conjugation (``w @ w``, not
        ``np.vdot(w, w)``), ``.real`` or ``float()`` casts. Branches are safe only when
        they test the real part (as the package's ``softplus`` does).
        :func:`logreg.loss.logreg_loss` qualifies.
    w : array_like of shape (d,)
        Real point.
    h : float, default 1e-20
        Step; any tiny positive value works, as there is no round-off from subtraction.

    Returns
    -------
    ndarray of shape (d,)

    Raises
    ------
    TypeError
        If ``f`` returns a real number for a complex argument (it discarded the
        imaginary part, so the result would be a silent zero gradient).
    """
    w = _as_point(w)
    h = as_positive_float(h, "h")
    g = np.empty_like(w)
    x = w.astype(np.complex128)
    for j in range(w.size):
        x[j] = w[j] + 1j * h
        value = np.asarray(f(x))
        x[j] = w[j]
        if value.size != 1:
            raise ValueError(f"f must return a scalar; got shape {value.shape}.")
        if value.dtype.kind != "c":
            raise TypeError(
                "f returned a real number for a complex argument, so the imaginary part that "
                "carries the derivative was dropped. The complex step needs f built from "
                "analytic operations only (no abs, conjugation, .real or float() casts; "
                "branch only on the real part)."
            )
        value = complex(value.reshape(()))
        if not (np.isfinite(value.real) and np.isfinite(value.imag)):
            raise ValueError(
                f"f returned {value} at w + i*h*e_{j}; expected a finite value."
            )
        g[j] = value.imag / h
    return g
