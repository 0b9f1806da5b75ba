r"""Numerically stable scalar functions of the logit ``z``.

Every function here evaluates a single ``e = exp(-|z|)``, which lies in ``[0, 1]`` and
so can neither overflow nor lose the information that ``1 + exp(-z)`` loses for large
``|z|``:

==================  =====================================  =====================================
quantity            formula                                stable form, e = exp(-|z|)
==================  =====================================  =====================================
sigmoid             1 / (1 + exp(-z))                      (1 if z >= 0 else e) / (1 + e)
log_sigmoid         -log(1 + exp(-z))                      min(z, 0) - log1p(e)
softplus            log(1 + exp(z))                        max(z, 0) + log1p(e)
per-example loss    -y log p - (1-y) log(1-p)              softplus(t), t = z if y == 0 else -z
gradient weight     p - y                                  (1 - 2y) * sigmoid(t)
Hessian weight      p (1 - p)                              e / (1 + e)**2
==================  =====================================  =====================================

The per-example loss, gradient weight and Hessian weight are written in terms of the
*negated margin* ``t = (1 - 2y) z = -m`` (``m = (2y - 1) z`` is the margin, positive
for a correctly classified example), so that ``1 - p`` and ``log(1 - p)`` are never
formed by subtraction: from ``z = 53 log 2 ~ 36.74``, the computed ``p`` is 1 and the
textbook ``1 - p`` is exactly 0.

The functions accept scalars (and return NumPy scalars) or arrays of any shape. Complex
input is accepted by :func:`sigmoid`, :func:`softplus` and :func:`log_sigmoid`, with the
branch chosen by the real part, so that the complex-step derivative
(:func:`logreg.complex_step_grad`) sees an analytic function.

References
----------
M. Mächler, "Accurately computing log(1 - exp(-|a|)) assessed by the Rmpfr package",
2012.
"""

from __future__ import annotations

import numpy as np

from ._validate import _as_float, _asarray, as_labels

__all__ = [
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "per_example_loss",
    "grad_weight",
    "hess_weight",
]


def _as_logits(z, name: str = "z") -> np.ndarray:
    z = _as_float(_asarray(z, name), name, allow_complex=True)
    if np.isnan(z).any():
        raise ValueError(
            f"{name} must not contain NaN; got {int(np.isnan(z).sum())} NaN entries."
        )
    return z


def _scalar_out(result: np.ndarray):
    return result[()] if result.ndim == 0 else result


def _neg_abs(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (nonneg, m) with nonneg = Re z >= 0 and m = -|z| (for complex: -z or z)."""
    if z.dtype.kind == "c":
        nonneg = z.real >= 0
        return nonneg, np.where(nonneg, -z, z)
    return z >= 0, -np.abs(z)


def sigmoid(z):
    """Logistic function ``1 / (1 + exp(-z))`` without overflow.

    Parameters
    ----------
    z : float or array_like of any shape
        Logits. Complex values are allowed (branch on the real part).

    Returns
    -------
    p : float or ndarray of the same shape as ``z``
        Values in [0, 1]. Accurate to a few ulp over the whole float range, including
        ``z < -709`` where the result is subnormal (SciPy's ``expit`` returns 0 there).

    Raises
    ------
    TypeError
        If ``z`` is not numeric.
    ValueError
        If ``z`` contains NaN.

    Notes
    -----
    One ``e = exp(-|z|)`` serves both signs: ``1/(1+e)`` for ``z >= 0`` and ``e/(1+e)``
    for ``z < 0``. The ``np.where(z >= 0, 1/(1+exp(-z)), exp(z)/(1+exp(z)))`` idiom
    evaluates both branches on every element and so still overflows (and warns) for
    large ``|z|``.

    Examples
    --------
    >>> float(sigmoid(0.0))
    0.5
    >>> float(sigmoid(-1000.0)) == 0.0, float(sigmoid(1000.0))
    (True, 1.0)
    """
    z = _as_logits(z)
    nonneg, m = _neg_abs(z)
    e = np.exp(m)
    num = np.where(nonneg, 1.0, e)
    return _scalar_out(num / (1.0 + e))


def softplus(z):
    """``log(1 + exp(z))`` without overflow and without loss of accuracy.

    Parameters
    ----------
    z : float or array_like of any shape

    Returns
    -------
    float or ndarray of the same shape as ``z``
        ``max(z, 0) + log1p(exp(-|z|))``. Both terms are non-negative, so there is no
        cancellation; ``log1p`` keeps the tiny tail exact where ``log(1 + e)`` would
        round ``1 + e`` to 1.

    Notes
    -----
    Mächler (2012) evaluates the same function piecewise, with cut-offs at -37, 18 and
    33.3 that save the ``log1p`` or the ``exp`` where one of them is below half an ulp
    of the result. The single expression here is accurate everywhere; the cut-offs are a
    speed optimization, not a correctness requirement.
    """
    z = _as_logits(z)
    nonneg, m = _neg_abs(z)
    head = np.where(nonneg, z, 0.0)
    return _scalar_out(head + np.log1p(np.exp(m)))


def log_sigmoid(z):
    """``log(sigmoid(z)) = -softplus(-z)``, accurate for every finite ``z``.

    ``min(z, 0) - log1p(exp(-|z|))``: both terms are non-positive, so no cancellation.
    For ``z = -800``, ``log(sigmoid(z))`` computed naively is ``log(0) = -inf``; this
    returns -800.
    """
    z = _as_logits(z)
    nonneg, m = _neg_abs(z)
    head = np.where(nonneg, 0.0, z)
    return _scalar_out(head - np.log1p(np.exp(m)))


def _signed_margin(y, z) -> tuple[np.ndarray, np.ndarray]:
    # Returns (1 - 2y, z): their product is the negated margin t = (1 - 2y) z.
    z = _as_logits(z)
    if z.dtype.kind == "c":
        raise TypeError("z must be real here; got a complex array.")
    y = _asarray(y, "y")
    y = as_labels(y.reshape(-1), name="y").reshape(y.shape)
    if y.ndim and z.ndim and y.shape != z.shape:
        # no silent broadcasting: a (n, 1) y against a (n,) z would give an (n, n)
        # answer
        raise ValueError(
            f"y and z must have the same shape; got {y.shape} and {z.shape}."
        )
    y, z = np.broadcast_arrays(y, z)
    return 1.0 - 2.0 * y, z


def per_example_loss(y, z):
    """Binary cross-entropy of one example from its logit, ``softplus(t)``, ``t = (1-2y) z``.

    Parameters
    ----------
    y : {0, 1} or array_like of 0s and 1s
    z : float or array_like, same shape as ``y`` (or either one a scalar)

    Returns
    -------
    float or ndarray
        ``-y log p - (1 - y) log(1 - p)`` with ``p = sigmoid(z)``, never formed from
        ``p``.
    """
    s, z = _signed_margin(y, z)
    t = s * z
    return _scalar_out(np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t))))


def grad_weight(y, z):
    """``p - y`` without cancellation: ``(1 - 2y) * sigmoid((1 - 2y) z)``.

    For ``y = 1`` the textbook ``sigmoid(z) - 1`` is exactly 0 once ``sigmoid(z)``
    rounds to 1 (``z > 37``); this returns ``-sigmoid(-z)``, accurate to the last bit.
    """
    s, z = _signed_margin(y, z)
    t = s * z
    e = np.exp(-np.abs(t))
    return _scalar_out(s * np.where(t >= 0, 1.0, e) / (1.0 + e))


def hess_weight(z):
    """``p (1 - p) = e / (1 + e)**2`` with ``e = exp(-|z|)``.

    The textbook ``p * (1 - p)`` is exactly 0 for ``z > 37`` (``1 - p`` rounds to 0);
    the true value there is about ``exp(-z)``, which this returns to a few ulp down to
    the subnormals.
    """
    z = _as_logits(z)
    if z.dtype.kind == "c":
        raise TypeError("z must be real here; got a complex array.")
    e = np.exp(-np.abs(z))
    d = 1.0 + e
    # e / d / d can round to 1/4 + 1 ulp near z = 0; the true value never exceeds 1/4
    return _scalar_out(np.minimum(e / d / d, 0.25))
