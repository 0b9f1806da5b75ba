r"""Gradient checks: central differences, a normwise relative error, the complex step.

For a smooth ``f`` and a step ``h`` along coordinate ``j``::

    central:  (f(w + h e_j) - f(w - h e_j)) / (2h)
              error ~ h^2 |f'''| / 6 + rho u |f| / h
    complex:  Im f(w + i h e_j) / h
              error ~ h^2 |f'''| / 6, nothing cancels

with ``u = 2**-53`` the unit round-off and ``rho`` the round-off multiplier of ``f``
(each computed value of ``f`` has relative error at most about ``rho u``). The central
difference's error is smallest near ``h* = (3 rho u |f| / |f'''|)**(1/3)``: about
``EPS**(1/3) ~ 6e-6`` times the length scale on which ``f`` varies along ``w_j``. That
length scale is the caller's knowledge: :func:`check_grad` takes it as ``scale`` (for
the logistic loss, about ``1 / max_i |x_ij|``) and otherwise uses SciPy's
``max(1, |w_j|)``. The quotient divides by the step actually taken,
``(w_j + h) - (w_j - h)`` as computed, not by ``2h``.

:func:`check_grad` reports the normwise relative error::

    err = ||D (g - g_fd)|| / max(||D g||, ||D g_fd||, ||D n||),   D = diag(scale)

where ``n_j = rho u (|f(w + h e_j)| + |f(w - h e_j)|) / (2h)`` is the predicted
round-off of ``g_fd_j``: the noise floor below which a difference quotient cannot tell a
gradient from zero. The zero vector scores 1 and ``-g`` about 2 whenever ``g_fd`` is
above that floor, however small ``g`` is; multiplying ``f`` by a constant, or a feature
by a unit (with ``scale`` given), leaves the score unchanged.

The complex step has no subtraction, so ``h`` can be as small as 1e-20 and the result is
exact to round-off, provided ``f`` is complex-analytic.
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
U = EPS / 2  # unit round-off, 2**-53

#: Default round-off multiplier of ``f`` in :func:`check_grad`'s noise floor. The
#: logistic loss at moderate ``||w||`` is computed with relative error of a few ``u``;
#: the multiplier grows with ``||w||`` (see the book's gradient-check chapter).
RHO = 16.0


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
            "f must return a real number for a real argument; "
            f"got {value!r} at {where}."
        )
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise ValueError(
            f"f returned {value} at {where}; the finite difference needs finite values."
        )
    return value


def _one_step(eps, h):
    """The absolute step from ``eps`` (its former name) or ``h``; None if neither."""
    if eps is not None and h is not None:
        raise ValueError(
            f"give the step as h or as eps, not both; got eps={eps!r}, h={h!r}."
        )
    if h is not None:
        return as_positive_float(h, "h")
    if eps is not None:
        return as_positive_float(eps, "eps")
    return None


def _as_scale(scale, w) -> np.ndarray:
    s = _as_float(_asarray(scale, "scale"), "scale")
    if s.ndim == 0:
        s = np.full(w.shape, float(s))
    if s.shape != w.shape:
        raise ValueError(
            f"scale must be a number or have the shape of w, {w.shape}; got {s.shape}."
        )
    if not np.all(np.isfinite(s) & (s > 0)):
        i = int(np.flatnonzero(~(np.isfinite(s) & (s > 0)))[0])
        raise ValueError(f"scale must be positive and finite; scale[{i}] = {s[i]}.")
    return s


def _central_differences(f, w, steps):
    """Central differences along each coordinate, divided by the step actually taken.

    Returns ``(g_fd, size)``, both of shape (d,): ``size_j = (|f+| + |f-|) / dx_j`` is
    what the round-off of ``f`` is multiplied by in ``g_fd_j``.
    """
    g, size = np.empty_like(w), np.empty_like(w)
    x = w.copy()
    for j in range(w.size):
        x_plus, x_minus = w[j] + steps[j], w[j] - steps[j]
        dx = x_plus - x_minus  # the step actually taken: w_j +- h both round
        if dx == 0.0:
            raise ValueError(
                f"the step h = {float(steps[j])!r} is lost in "
                f"w[{j}] = {float(w[j])!r}: w + h and w - h round to the same "
                "number; use a step above about "
                f"{float(np.spacing(abs(w[j]))):.1e}."
            )
        x[j] = x_plus
        f_plus = _real_value(f, x, f"w + h*e_{j}")
        x[j] = x_minus
        f_minus = _real_value(f, x, f"w - h*e_{j}")
        x[j] = w[j]
        g[j] = (f_plus - f_minus) / dx
        size[j] = (abs(f_plus) + abs(f_minus)) / dx
    return g, size


def numerical_grad(f, w, eps=None, *, h=None):
    """Central-difference gradient with an absolute step ``h`` in every coordinate.

    Parameters
    ----------
    f : callable
        ``f(w) -> float``.
    w : array_like of shape (d,)
    eps : float, optional
        The step, under its former name (positional use still works).
    h : float, optional
        The step, positive and finite; default 1e-5 when neither is given. The error is
        about ``h**2 |f'''| / 6 + rho u |f| / h``.

    Returns
    -------
    ndarray of shape (d,)
        ``(f(w + h e_j) - f(w - h e_j)) / dx_j`` for each j, with ``dx_j = (w_j + h) -
        (w_j - h)`` as computed (the step actually taken); 2d calls to ``f``.
    """
    w = _as_point(w)
    step = _one_step(eps, h)
    step = 1e-5 if step is None else step
    return _central_differences(f, w, np.full(w.shape, step))[0]


def central_difference_step(w, scale=None) -> np.ndarray:
    """SciPy's relative central-difference step, ``EPS**(1/3) * max(scale_j, |w_j|)``.

    Parameters
    ----------
    w : array_like of shape (d,)
    scale : float or array_like of shape (d,), optional
        Length scale on which ``f`` varies along each ``w_j``; default 1 (SciPy's rule
        ``EPS**(1/3) * max(1, |w_j|)``). For the logistic loss, ``1 / max_i |x_ij|``.

    Returns
    -------
    ndarray of shape (d,)
        Each step made exactly representable, ``h = (w + h) - w``.
    """
    w = _as_point(w)
    tau = 1.0 if scale is None else _as_scale(scale, w)
    h = EPS ** (1.0 / 3.0) * np.maximum(tau, np.abs(w))
    return (w + h) - w


def check_grad(f, grad, w, eps=None, *, h=None, scale=None, rho=RHO):
    """Normwise relative error between an analytic and a central-difference gradient.

    Parameters
    ----------
    f : callable
        ``f(w) -> float``.
    grad : callable or array_like
        ``grad(w) -> ndarray of shape (d,)``, or the gradient already evaluated at
        ``w``.
    w : array_like of shape (d,)
    eps, h : float, optional
        Absolute step for every coordinate (``eps`` is the former name; give at most
        one). Default: :func:`central_difference_step` with ``scale``.
    scale : float or array_like of shape (d,), optional
        Length scale on which ``f`` varies along each ``w_j`` (for the logistic loss
        ``1 / max_i |x_ij|``). It sets the default step and weighs the components, so
        that expressing a feature in other units changes neither. Default 1.
    rho : float, default 16
        Round-off multiplier of ``f`` for the noise floor: each computed ``f`` is
        assumed to have relative error at most ``rho * u``.

    Returns
    -------
    float
        ``||D (g - g_fd)|| / max(||D g||, ||D g_fd||, ||D n||)`` with ``D =
        diag(scale)`` and ``n_j = rho u (|f(w + h e_j)| + |f(w - h e_j)|) / dx_j`` the
        predicted round-off of ``g_fd_j``. A correct gradient scores about
        ``(n + truncation) / ||g||``: 1e-10 or less at a generic point of a well-scaled
        ``f``. The zero vector scores 1 and ``-g`` about 2 unless ``||g_fd||`` is below
        the noise floor, where no difference quotient can tell them from ``g``; a
        missing constant factor ``c`` scores ``|1 - c| / max(1, |c|)``.
    """
    w = _as_point(w)
    g = grad(w) if callable(grad) else grad
    g = _as_float(_asarray(g, "grad"), "grad")
    if g.shape != w.shape:
        raise ValueError(f"grad must have the shape of w, {w.shape}; got {g.shape}.")
    rho = as_positive_float(rho, "rho")
    weight = np.ones_like(w) if scale is None else _as_scale(scale, w)
    step = _one_step(eps, h)
    if step is None:
        steps = central_difference_step(w, scale)
    else:
        steps = np.full(w.shape, step)
    g_fd, size = _central_differences(f, w, steps)
    noise = rho * U * size
    err = np.linalg.norm(weight * (g - g_fd))
    floor = max(
        np.linalg.norm(weight * g),
        np.linalg.norm(weight * g_fd),
        np.linalg.norm(weight * noise),
    )
    return float(err / floor) if floor > 0 else 0.0


def complex_step_grad(f, w, h=1e-20):
    """Complex-step gradient ``Im f(w + i h e_j) / h``: no subtraction, no cancellation.

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
                "f returned a real number for a complex argument, so the imaginary "
                "part that carries the derivative was dropped. The complex step needs "
                "f built from analytic operations only (no abs, conjugation, .real or "
                "float() casts; branch only on the real part)."
            )
        value = complex(value.reshape(()))
        if not (np.isfinite(value.real) and np.isfinite(value.imag)):
            raise ValueError(
                f"f returned {value} at w + i*h*e_{j}; expected a finite value."
            )
        g[j] = value.imag / h
    return g
