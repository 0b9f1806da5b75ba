"""SymPy derivations of the per-example loss, gradient and Hessian.

The chapters display these expressions, and the tests turn them into NumPy functions
(``sympy.lambdify``) and compare them with the package's numerics. Nothing here is used
by the numerical code itself.

For one example with features ``x = (x_1, ..., x_d)``, label ``y`` and logit ``z = x^T
w``::

    loss      l(w)          = -y log sigma(z) - (1 - y) log(1 - sigma(z))
    gradient  dl/dw_j       = (sigma(z) - y) x_j
    Hessian   d2l/dw_j dw_k = sigma(z) (1 - sigma(z)) x_j x_k
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Derivation", "derive", "sigmoid_expr", "lambdify_mean_gradient"]


def sigmoid_expr(z):
    """The logistic function as a SymPy expression, ``1 / (1 + exp(-z))``."""
    return 1 / (1 + sp.exp(-z))


@dataclass(frozen=True)
class Derivation:
    """Symbols and derived expressions for one example in ``d`` dimensions."""

    w: tuple
    x: tuple
    y: sp.Symbol
    z: sp.Expr
    loss: sp.Expr
    gradient: sp.Matrix  # (d, 1), as differentiated
    gradient_simplified: sp.Matrix  # (d, 1), each entry (sigma(z) - y) x_j
    hessian: sp.Matrix  # (d, d), as differentiated
    hessian_simplified: sp.Matrix  # (d, d), sigma(z)(1 - sigma(z)) x_j x_k


def derive(d: int = 3) -> Derivation:
    """Differentiate the per-example log-loss twice and simplify.

    Returns the raw derivatives and their simplified forms; :func:`derive` asserts that
    each raw derivative minus the closed form simplifies to 0, so the closed forms are
    proved, not assumed.
    """
    if not isinstance(d, int) or d < 1:
        raise ValueError(f"d must be a positive integer; got {d!r}.")
    w = sp.symbols(f"w1:{d + 1}", real=True)
    x = sp.symbols(f"x1:{d + 1}", real=True)
    y = sp.Symbol("y", real=True)
    z = sum(wi * xi for wi, xi in zip(w, x))
    p = sigmoid_expr(z)
    loss = -y * sp.log(p) - (1 - y) * sp.log(1 - p)

    gradient = sp.Matrix([sp.diff(loss, wj) for wj in w])
    closed_grad = sp.Matrix([(p - y) * xj for xj in x])
    hessian = sp.Matrix(d, d, lambda j, k: sp.diff(gradient[j], w[k]))
    closed_hess = sp.Matrix(d, d, lambda j, k: p * (1 - p) * x[j] * x[k])

    for raw, closed in ((gradient, closed_grad), (hessian, closed_hess)):
        residual = (raw - closed).applyfunc(lambda e: sp.simplify(sp.together(e)))
        if residual != sp.zeros(*raw.shape):
            raise AssertionError(
                f"derivation did not simplify to the closed form: {residual}"
            )
    return Derivation(w, x, y, z, loss, gradient, closed_grad, hessian, closed_hess)


def lambdify_mean_gradient(der: Derivation):
    """NumPy function ``(X, y, w) -> mean over rows of the per-example SymPy gradient``.

    Uses the *raw* (unsimplified) derivative, so a test comparing it with the package
    checks the differentiation itself, not a formula typed twice.
    """
    import numpy as np

    f = sp.lambdify((der.x, der.y, der.w), list(der.gradient), modules="numpy")

    def mean_gradient(X, y, w):
        X = np.asarray(X, dtype=float)
        cols = tuple(X[:, j] for j in range(X.shape[1]))
        per_example = np.array(f(cols, np.asarray(y, dtype=float), tuple(w)))
        return per_example.mean(axis=1)

    return mean_gradient
