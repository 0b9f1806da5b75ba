"""make_data is reproducible and does what it says; the SymPy derivation is what we claim."""

import numpy as np
import sympy as sp

from logreg import make_data
from logreg.symbolic import derive, sigmoid_expr


def test_make_data_is_reproducible_from_a_seed_or_generator():
    a = make_data(rng=3)
    b = make_data(rng=3)
    c = make_data(rng=np.random.default_rng(3))
    for x, y_, z in zip(a, b, c):
        assert np.array_equal(x, y_) and np.array_equal(x, z)
    assert np.array_equal(make_data()[0], make_data()[0])  # None means a fixed seed


def test_make_data_shapes_and_labels():
    X, y, w = make_data(n=50, d=3, rng=1)
    assert X.shape == (50, 3) and y.shape == (50,) and w.shape == (3,)
    assert set(np.unique(y)) <= {0, 1} and y.dtype.kind == "i"


def test_separable_regime_is_separated_by_w_true_and_noisy_one_is_not():
    X, y, w = make_data(n=400, d=5, separable=True, rng=0)
    assert np.all((X @ w > 0) == (y == 1))
    X, y, w = make_data(n=400, d=5, separable=False, rng=0)
    assert np.mean((X @ w > 0) == (y == 1)) < 1.0


def test_symbolic_gradient_and_hessian_closed_forms():
    der = derive(2)
    p = sigmoid_expr(der.z)
    for j in range(2):
        assert sp.simplify(der.gradient[j] - (p - der.y) * der.x[j]) == 0
        for k in range(2):
            assert sp.simplify(der.hessian[j, k] - p * (1 - p) * der.x[j] * der.x[k]) == 0
    assert der.hessian == der.hessian.T
