"""Finite differences and the complex step: accuracy as theory predicts, and bugs caught."""

import numpy as np
import pytest

from logreg import (
    central_difference_step,
    check_grad,
    complex_step_grad,
    logreg_loss,
    logreg_loss_and_grad,
    numerical_grad,
)

EPS = np.finfo(float).eps


def test_central_difference_is_exact_on_quadratics_up_to_round_off():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    f = lambda w: 0.5 * w @ A @ w  # noqa: E731  third derivative 0: no truncation error
    w = np.array([0.7, -1.3])
    np.testing.assert_allclose(numerical_grad(f, w, eps=1e-3), A @ w, rtol=1e-10)


def test_central_difference_error_is_second_order_in_eps():
    f, w = (lambda v: float(np.sum(np.sin(v)))), np.array([0.4, 1.1])
    err = [np.abs(numerical_grad(f, w, eps=h) - np.cos(w)).max() for h in (1e-2, 1e-3)]
    # halving... dividing eps by 10 divides the truncation error by ~100 (f''' = -cos)
    assert 80 < err[0] / err[1] < 120


def test_too_small_eps_makes_the_check_worse(small_problem):
    X, y, w = small_problem
    f = lambda v: logreg_loss(X, y, v)  # noqa: E731
    g = logreg_loss_and_grad(X, y, w)[1]
    good = np.abs(numerical_grad(f, w, eps=1e-5) - g).max()
    tiny = np.abs(numerical_grad(f, w, eps=1e-13) - g).max()
    assert good < 1e-9 and tiny > 100 * good  # round-off u|f|/eps dominates


def test_default_step_follows_scipy_rule_and_is_representable():
    w = np.array([0.0, 1e-3, 2.0, -1e4])
    h = central_difference_step(w)
    np.testing.assert_allclose(h, EPS ** (1 / 3) * np.maximum(1, np.abs(w)), rtol=1e-3)
    assert np.array_equal((w + h) - w, h)


@pytest.mark.parametrize(
    "bug",
    [
        lambda X, y, w: X.T @ (1 / (1 + np.exp(-X @ w)) - y),  # missing 1/n
        lambda X, y, w: -logreg_loss_and_grad(X, y, w)[1],  # wrong sign
        lambda X, y, w: X.T @ (y - 1 / (1 + np.exp(-X @ w))) / len(y) * -1 * 0.5,  # factor slip
    ],
)
def test_check_grad_catches_wrong_gradients(small_problem, bug):
    X, y, w = small_problem
    f = lambda v: logreg_loss(X, y, v)  # noqa: E731
    assert check_grad(f, lambda v: logreg_loss_and_grad(X, y, v)[1], w) < 1e-8
    assert check_grad(f, lambda v: bug(X, y, v), w) > 1e-3


def test_complex_step_reaches_machine_precision_for_any_tiny_h(small_problem):
    X, y, w = small_problem
    g = logreg_loss_and_grad(X, y, w)[1]
    for h in (1e-8, 1e-20, 1e-100, 1e-300):
        g_cs = complex_step_grad(lambda v: logreg_loss(X, y, v), w, h=h)
        np.testing.assert_allclose(g_cs, g, rtol=1e-13, atol=1e-16)


def test_complex_step_needs_an_analytic_function():
    w = np.array([0.5, -0.25])
    # abs() is not analytic: its imaginary part carries no derivative information.
    wrong = complex_step_grad(lambda v: np.sum(np.abs(v) ** 2 + 0j), w)
    assert np.all(wrong == 0.0)
    right = complex_step_grad(lambda v: np.sum(v * v), w)
    np.testing.assert_allclose(right, 2 * w, rtol=1e-15)
