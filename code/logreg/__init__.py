"""logreg: numerically careful logistic regression, as derived and checked in the book.

Conventions: ``X`` has shape (n_samples, n_features), labels ``y`` are 0/1 of shape
(n_samples,), weights ``w`` have shape (n_features,), and the objective is
``mean log-loss + (l2/2) ||w||^2``. The loss functions take no intercept (append a column of
ones to ``X``); ``fit(..., fit_intercept=True)`` fits an unpenalized one.
"""

from . import multinomial
from .data import make_data
from .gradcheck import (
    central_difference_step,
    check_grad,
    complex_step_grad,
    numerical_grad,
)
from .loss import (
    bce_loss,
    bce_with_logits,
    hessian,
    hvp,
    logreg_loss,
    logreg_loss_and_grad,
)
from .inference import (
    InferenceWarning,
    SingularHessianWarning,
    covariance,
    likelihood_ratio_test,
    sandwich_covariance,
    wald,
)
from .l1 import kkt_residual, l1_max, soft_threshold
from .optimize import FitResult, SeparableDataWarning, fit, gd_step, smoothness_constant
from .separation import Separation, separation
from .stable import (
    grad_weight,
    hess_weight,
    log_sigmoid,
    per_example_loss,
    sigmoid,
    softplus,
)

__all__ = [
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "per_example_loss",
    "grad_weight",
    "hess_weight",
    "bce_loss",
    "bce_with_logits",
    "logreg_loss",
    "logreg_loss_and_grad",
    "hvp",
    "hessian",
    "numerical_grad",
    "check_grad",
    "complex_step_grad",
    "central_difference_step",
    "gd_step",
    "fit",
    "FitResult",
    "SeparableDataWarning",
    "smoothness_constant",
    "l1_max",
    "soft_threshold",
    "kkt_residual",
    "make_data",
    "separation",
    "Separation",
    "covariance",
    "sandwich_covariance",
    "wald",
    "likelihood_ratio_test",
    "InferenceWarning",
    "SingularHessianWarning",
]

__version__ = "0.1.0"
