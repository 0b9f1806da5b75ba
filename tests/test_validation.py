"""Every bad input gets an error in the package's words: what was expected, what was received.

No NumPy-internal message, no silent NaN, no RuntimeWarning.
"""

import numpy as np
import pytest

import logreg
from logreg import (
    bce_loss,
    bce_with_logits,
    check_grad,
    complex_step_grad,
    fit,
    gd_step,
    hessian,
    hvp,
    logreg_loss,
    logreg_loss_and_grad,
    make_data,
    numerical_grad,
)

X = np.arange(12.0).reshape(6, 2) / 10
Y = np.array([0, 1, 0, 1, 1, 0])
W = np.array([0.1, -0.2])

LOSS_LIKE = [
    lambda X_, y_, w_: logreg_loss_and_grad(X_, y_, w_),
    lambda X_, y_, w_: logreg_loss(X_, y_, w_),
    lambda X_, y_, w_: hvp(X_, y_, w_, np.ones(2)),
    lambda X_, y_, w_: hessian(X_, y_, w_),
    lambda X_, y_, w_: gd_step(X_, y_, w_, 0.1),
]


@pytest.mark.parametrize("func", LOSS_LIKE)
def test_labels_in_minus_one_plus_one_say_how_to_map_them(func):
    with pytest.raises(ValueError, match=r"\{-1, \+1\}.*\(y \+ 1\) / 2"):
        func(X, 2 * Y - 1, W)


@pytest.mark.parametrize("func", LOSS_LIKE)
def test_non_binary_labels(func):
    with pytest.raises(ValueError, match="only the labels 0 and 1; got other values: 2, 3"):
        func(X, np.array([0, 1, 2, 3, 1, 0]), W)
    with pytest.raises(ValueError, match="0 and 1.*nan"):
        func(X, np.array([0, 1, np.nan, 1, 1, 0]), W)


@pytest.mark.parametrize("func", LOSS_LIKE)
def test_column_vector_y_is_refused_not_broadcast(func):
    with pytest.raises(ValueError, match=r"shape \(6, 1\).*\(n, n\).*ravel"):
        func(X, Y.reshape(-1, 1), W)


@pytest.mark.parametrize("func", LOSS_LIKE)
def test_mismatched_lengths_and_widths(func):
    with pytest.raises(ValueError, match="5 labels but X has 6 rows"):
        func(X, Y[:5], W)
    with pytest.raises(ValueError, match=r"w must have length 2 .*got 3"):
        func(X, Y, np.ones(3))


@pytest.mark.parametrize("func", LOSS_LIKE)
def test_one_dimensional_X(func):
    with pytest.raises(ValueError, match=r"X must be 2-D .*got shape \(6,\).*reshape\(-1, 1\)"):
        func(X[:, 0], Y, W[:1])


@pytest.mark.parametrize("func", LOSS_LIKE)
def test_no_rows(func):
    with pytest.raises(ValueError, match="no rows"):
        func(np.empty((0, 2)), np.empty(0), W)


@pytest.mark.parametrize("func", LOSS_LIKE)
def test_non_numeric_X(func):
    with pytest.raises(TypeError, match="X must hold real numbers; got dtype <U"):
        func(np.array([["a", "b"]] * 6), Y, W)
    with pytest.raises(TypeError, match="rectangular array of numbers"):
        func([[1.0, 2.0], [3.0]], Y[:2], W)


@pytest.mark.parametrize("func", LOSS_LIKE)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_X_is_diagnosed(func, bad):
    Xb = X.copy()
    Xb[3, 1] = bad
    with pytest.raises(ValueError, match=r"X must be finite; .*row 3, column 1"):
        func(Xb, Y, W)


@pytest.mark.parametrize("func", LOSS_LIKE)
def test_nonfinite_w(func):
    with pytest.raises(ValueError, match=r"w must be finite; w\[1\] = nan"):
        func(X, Y, np.array([0.0, np.nan]))


def test_overflowing_product_is_explained():
    with pytest.raises(ValueError, match="overflowed"):
        logreg_loss_and_grad(np.full((2, 2), 1e300), np.array([0, 0]), np.array([1e300, 1e300]))


def test_hvp_direction_of_wrong_length_or_nonfinite():
    with pytest.raises(ValueError, match=r"v must have length 2 .*got 3"):
        hvp(X, Y, W, np.ones(3))
    with pytest.raises(ValueError, match=r"v must be finite"):
        hvp(X, Y, W, np.array([np.inf, 0.0]))


def test_probabilities_outside_unit_interval():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*bce_with_logits"):
        bce_loss([0, 1], [0.2, 1.5])
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        bce_loss([0, 1], [0.2, np.nan])
    with pytest.raises(ValueError, match="shape of y"):
        bce_loss([0, 1], [0.2])
    with pytest.raises(ValueError, match="shape of y"):
        bce_with_logits([0, 1], [[0.2], [0.1]])


@pytest.mark.parametrize("eps", [0, -1e-5, np.nan, np.inf])
def test_eps_must_be_positive_and_finite(eps):
    f = lambda w: float(w @ w)  # noqa: E731
    with pytest.raises(ValueError, match="eps must be positive and finite"):
        numerical_grad(f, W, eps=eps)
    with pytest.raises(ValueError, match="eps must be positive and finite"):
        check_grad(f, lambda w: 2 * w, W, eps=eps)


def test_eps_of_wrong_type():
    with pytest.raises(TypeError, match="eps must be a positive finite number"):
        numerical_grad(lambda w: 0.0, W, eps="1e-5")


@pytest.mark.parametrize("lr", [0, -0.1, np.nan, np.inf])
def test_lr_must_be_positive_and_finite(lr):
    with pytest.raises(ValueError, match="lr must be positive and finite"):
        gd_step(X, Y, W, lr)


def test_fit_arguments():
    with pytest.raises(ValueError, match="method must be one of 'gd', 'newton', 'newton-cg', 'fista'; got 'lbfgs'"):
        fit(X, Y, method="lbfgs")
    with pytest.raises(ValueError, match="l2 must be non-negative and finite; got -1.0"):
        fit(X, Y, l2=-1.0)
    with pytest.raises(ValueError, match="l2 must be non-negative"):
        logreg_loss_and_grad(X, Y, W, l2=-0.5)
    with pytest.raises(ValueError, match="tol must be positive"):
        fit(X, Y, tol=0)
    with pytest.raises(ValueError, match="max_iter must be a non-negative integer"):
        fit(X, Y, max_iter=2.5)
    with pytest.raises(ValueError, match=r"w0 must have length 2"):
        fit(X, Y, w0=[1.0])


def test_gradient_checks_refuse_bad_functions():
    with pytest.raises(ValueError, match="f returned nan"):
        numerical_grad(lambda w: float("nan"), W)
    with pytest.raises(ValueError, match="must return a scalar"):
        numerical_grad(lambda w: w, W)
    with pytest.raises(TypeError, match="dropped"):
        complex_step_grad(lambda w: float(np.real(w @ w)), W)
    with pytest.raises(ValueError, match="grad must have the shape of w"):
        check_grad(lambda w: float(w @ w), np.ones(3), W)


def test_make_data_arguments():
    with pytest.raises(ValueError, match="n must be a positive integer; got 0"):
        make_data(n=0)
    with pytest.raises(TypeError, match="rng must be None, a non-negative int seed"):
        make_data(rng="seed")


def test_errors_never_leak_numpy_internals():
    # A grab-bag of bad inputs: every message is one of ours, i.e. it names the argument.
    cases = [
        lambda: logreg_loss_and_grad(X, Y, "ab"),
        lambda: logreg_loss_and_grad(X, [[0, 1]] * 3, W),
        lambda: hvp(X, Y, W, [[1.0, 2.0]]),
        lambda: logreg.sigmoid(None),
    ]
    for case in cases:
        with pytest.raises((ValueError, TypeError)) as info:
            case()
        assert any(name in str(info.value) for name in ("w ", "w must", "y ", "y must", "v must", "z must"))
