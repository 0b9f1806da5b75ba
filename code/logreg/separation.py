r"""Does a finite maximum-likelihood estimate exist? Two linear programs decide it.

With signed labels ``t_i = 2 y_i - 1`` and margins ``m_i(w) = t_i x_i^T w``, Albert and
Anderson (1984) showed that the unpenalized logistic loss has a minimizer exactly when
the data *overlap*, that is when neither of these holds:

* **complete separation**: some ``w`` has every margin ``m_i(w) > 0``;
* **quasi-complete separation**: some ``w != 0`` has every margin ``m_i(w) >= 0``, with
  at least one margin positive (some examples sit on the separating hyperplane, with
  both labels).

In both cases the loss decreases forever along ``w`` (each positive margin's term goes
to 0, the others stay constant), so the weights run to infinity. Each case is one linear
program over the box ``-1 <= w_j <= 1`` (the box only fixes the scale):

* complete: maximize ``gamma`` subject to ``m_i(w) >= gamma`` (and ``gamma <= 1``);
  complete separation iff ``gamma* > 0``;
* quasi-complete: maximize ``sum_i m_i(w)`` subject to ``m_i(w) >= 0``;
  some separation iff the optimum is ``> 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_labels, as_matrix, diagnose_nonfinite

__all__ = ["Separation", "separation"]


@dataclass(frozen=True)
class Separation:
    """Result of :func:`separation`.

    Attributes
    ----------
    kind : {"complete", "quasi-complete", "overlap"}
    direction : ndarray of shape (n_features,) or None
        A ``w`` along which the loss decreases forever (None for "overlap").
    n_on_boundary : int
        Examples with zero margin along ``direction`` (0 for complete separation).
    """

    kind: str
    direction: np.ndarray | None
    n_on_boundary: int = 0

    @property
    def has_minimizer(self) -> bool:
        """True when the unpenalized loss attains its infimum (the data overlap)."""
        return self.kind == "overlap"


def _in_units(w, col, zero):
    """The LP's ``w`` (for columns divided by ``col``) as a direction in the units of X.

    ``w / col`` has the same margins; if a column's scale is so small (subnormal) that
    the division overflows, ``w * (min(col) / col)``, a positive multiple, is used instead.
    Columns of zeros get weight 0 (the LP leaves them arbitrary: they change no margin).
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        direction = w / col
    if not np.all(np.isfinite(direction)):
        direction = w * (col.min() / col)
    direction[zero] = 0.0
    return direction


def separation(X, y) -> Separation:
    """Classify the data as completely separated, quasi-completely separated, or overlapping.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,), labels 0 or 1

    Returns
    -------
    Separation

    Notes
    -----
    Two LPs with ``scipy.optimize.linprog`` (HiGHS), each with d (+1) variables and n
    constraints. Each column is divided by its largest absolute entry (so the answer
    does not depend on the units of the features), then the rows by the largest row L1
    norm (so the largest margin possible in the box is 1), and a margin counts as
    positive when it exceeds ``1e-9``, which guards against the LP solver's tolerances.
    Cost: an n-by-d copy of the signed rows and two LP solves; meant for diagnosis, not
    for every iteration.

    References
    ----------
    A. Albert and J. A. Anderson, "On the existence of maximum likelihood estimates in
    logistic regression models", Biometrika 71(1), 1984.
    """
    from scipy.optimize import linprog

    X = as_matrix(X)
    n, d = X.shape
    y = as_labels(y, n)
    if not np.isfinite(X).all():
        diagnose_nonfinite(X)
    # Each column divided by its largest |entry|: separability does not change when a
    # feature changes units (w_j absorbs the factor), but the box |w_j| <= 1 would
    # otherwise let a feature in large units dominate every margin and one in small
    # units contribute almost nothing, so the answer would depend on the units.
    col = np.abs(X).max(axis=0)
    zero = col == 0.0
    col[zero] = 1.0
    Xc = X / col
    scale = float(np.abs(Xc).sum(axis=1).max())
    if scale == 0.0:
        return Separation("overlap", None)
    # Rows scaled so that the largest margin possible in the box is 1: the LP solver's
    # absolute tolerances then mean the same thing whatever the size of X.
    A = ((2.0 * y - 1.0) / scale)[:, None] * Xc  # rows t_i x_i^T: margins are A @ w
    tol = 1e-9
    box = [(-1.0, 1.0)] * d

    # complete: max gamma s.t. A w >= gamma  <=>  -A w + gamma <= 0
    res = linprog(
        c=np.r_[np.zeros(d), -1.0],
        A_ub=np.hstack([-A, np.ones((n, 1))]),
        b_ub=np.zeros(n),
        bounds=box + [(None, 1.0)],
        method="highs",
    )
    if res.status == 0 and -res.fun > tol:
        w = res.x[:d]
        if (A @ w).min() > 0:
            return Separation("complete", _in_units(w, col, zero), 0)

    # quasi-complete: max sum(A w) s.t. A w >= 0
    res = linprog(
        c=-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(n), bounds=box, method="highs"
    )
    if res.status == 0 and -res.fun > tol:
        w = res.x
        margins = A @ w
        if margins.min() >= -tol and margins.max() > tol:
            n_zero = int(np.sum(np.abs(margins) <= tol))
            return Separation("quasi-complete", _in_units(w, col, zero), n_zero)
    return Separation("overlap", None)
