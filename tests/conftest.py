"""Shared fixtures and a deterministic Hypothesis profile (CI must not be flaky)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "deterministic",
    derandomize=True,  # the same examples on every run
    max_examples=60,
    deadline=None,  # timing varies on a shared 2-core machine; we test values, not speed
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("deterministic")


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


@pytest.fixture
def small_problem(rng):
    """A well-conditioned problem with both classes: (X, y, w) with n=120, d=4."""
    X = rng.standard_normal((120, 4))
    w_true = np.array([1.0, -2.0, 0.5, 0.0])
    y = (rng.random(120) < 1.0 / (1.0 + np.exp(-(X @ w_true)))).astype(float)
    w = rng.standard_normal(4) * 0.5
    return X, y, w
