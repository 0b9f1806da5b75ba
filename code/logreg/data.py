"""Synthetic data for the book: Gaussian features, labels from a logistic model."""

from __future__ import annotations

import numbers

import numpy as np

from .stable import sigmoid

__all__ = ["make_data"]

#: Standard deviation of the logit noise in the non-separable regime.
LOGIT_NOISE = 0.5


def _generator(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be None, a non-negative int seed or a numpy.random.Generator; got {rng!r}."
    )


def make_data(n=400, d=5, separable=False, rng=None):
    """Draw a binary classification problem ``(X, y, w_true)``.

    Parameters
    ----------
    n, d : int
        Number of examples (>= 1) and of features (>= 1).
    separable : bool, default False
        If True, ``y = 1[X w_true > 0]``: the hyperplane ``w_true`` separates the
        classes perfectly (with probability 1 every margin is non-zero). If False,
        labels are drawn from ``Bernoulli(sigmoid(X w_true + noise))`` with Gaussian
        logit noise of standard deviation 0.5, so the classes overlap.
    rng : None, int or numpy.random.Generator
        Seed or generator. None means seed 0, so ``make_data()`` is reproducible.

    Returns
    -------
    X : ndarray of shape (n, d), standard normal entries
    y : ndarray of shape (n,), int64 labels in {0, 1}
    w_true : ndarray of shape (d,), standard normal
    """
    for name, value in (("n", n), ("d", d)):
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or value < 1
        ):
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    gen = _generator(rng)
    X = gen.standard_normal((n, d))
    w_true = gen.standard_normal(d)
    logits = X @ w_true
    if separable:
        y = (logits > 0).astype(np.int64)
    else:
        noisy = logits + LOGIT_NOISE * gen.standard_normal(n)
        y = (gen.random(n) < sigmoid(noisy)).astype(np.int64)
    return X, y, w_true
