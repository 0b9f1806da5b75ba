"""Matplotlib style shared by the book's figures.

Figures get an opaque white background so they stay readable when the book is read in
dark mode (a transparent PNG shows black axes on a black page).
"""

from __future__ import annotations

__all__ = ["book_style", "COLORS"]

#: Colour-blind-safe palette (Okabe & Ito), used consistently across chapters:
#: class 0 / class 1, and the methods or variants compared in a figure.
COLORS = {
    "class0": "#0072B2",
    "class1": "#D55E00",
    "gd": "#0072B2",
    "newton": "#D55E00",
    "newton-cg": "#009E73",
    "reference": "#000000",
    "accent": "#CC79A7",
    "muted": "#999999",
    "gd-backtracking": "#56B4E9",
    "lbfgs": "#E69F00",
}


def book_style() -> None:
    """Set matplotlib defaults for the book: white opaque figures, readable sizes, grid."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
            "figure.dpi": 110,
            "figure.figsize": (7.0, 3.6),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "legend.frameon": False,
        }
    )
