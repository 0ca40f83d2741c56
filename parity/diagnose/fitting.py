"""Least-squares fits of one side's quantities against the other side's components, and the
confidence each fitted coefficient earns.

A fit is y ≈ Σ cᵢ·xᵢ over named columns, each with the value its coefficient takes when the two
sides agree (its null: 1 for a term both sides share, 0 for one only side B has). The gap is what
the nulls leave, y − Σ nullᵢ·xᵢ: the difference between the sides. The fit holds when its residual
is within FIT of the gap, or within a few times the rounding noise of y. A coefficient is a finding
when it is away from its null by many standard errors (the standard error from the residual, never
below the noise), and its confidence is

    confidence = explained · (1 − exp(−(t / T)²)),   explained = 1 − ‖residual‖ / ‖gap‖

with t the coefficient's distance from its null in standard errors: near 1 for a term that the data
pin down and that explains the difference, near 0 for one inside the noise. Causes under WELL are
"possible"; under POSSIBLE they are not listed.
"""

from dataclasses import dataclass, field

import numpy as np

FIT = 1e-2  # a fit holds when it leaves less than 1% of the gap unexplained (or only noise)
NOISE_TIMES = 5.0
T = 20.0  # standard errors at which a coefficient's significance reaches 1 − 1/e
WELL = 0.8  # a cause at or above this confidence is named; below it, listed as possible
POSSIBLE = 0.3


@dataclass
class Term:
    name: str
    column: np.ndarray
    null: float
    coef: float = 0.0
    se: float = 0.0

    @property
    def t(self):
        return abs(self.coef - self.null) / self.se if self.se > 0 else float("inf")

    @property
    def significance(self):
        return float(1.0 - np.exp(-(self.t / T) ** 2))

    def near(self, value, rel=FIT):
        """Whether the coefficient is `value` within FIT (relative) or three standard errors."""
        return abs(self.coef - value) <= max(rel * abs(value), 3 * self.se)


@dataclass
class Fit:
    terms: list
    gap: float  # ‖y − Σ null·x‖
    residual: float  # ‖y − Σ coef·x‖
    noise: float  # ‖noise‖ of y
    extra: dict = field(default_factory=dict)

    def term(self, name):
        return next((t for t in self.terms if t.name == name), None)

    @property
    def visible(self):
        """Whether the sides differ by more than rounding at all."""
        return self.gap > NOISE_TIMES * self.noise

    @property
    def explained(self):
        return float(max(0.0, 1.0 - self.residual / self.gap)) if self.gap else 0.0

    @property
    def holds(self):
        return self.visible and self.residual <= max(FIT * self.gap, NOISE_TIMES * self.noise)

    def found(self, term):
        """Whether this term's coefficient is a finding: away from its null beyond the noise."""
        return term.t > 3.0 and abs(term.coef - term.null) * np.linalg.norm(term.column) > NOISE_TIMES * self.noise

    def confidence(self, term):
        explained = 1.0 if self.residual <= NOISE_TIMES * self.noise else self.explained
        value = explained * term.significance
        return round(float(value if self.holds else min(value, WELL - 0.01)), 3)

    def as_dict(self):
        return {"coefficients": {t.name: _num(t.coef) for t in self.terms},
                "standard_errors": {t.name: _num(t.se) for t in self.terms},
                "residual": _num(self.residual / self.gap) if self.gap else 0.0,
                "explained": round(self.explained, 6), "noise": _num(self.noise / self.gap) if self.gap else None,
                **self.extra}

    def text(self):
        coefs = ", ".join(f"{t.name} {t.coef:.6g} (±{t.se:.2g})" for t in self.terms)
        return (f"fit: {coefs}; residual {self.residual / self.gap:.2g} of the difference"
                f" (noise {self.noise / self.gap:.2g})" if self.gap else f"fit: {coefs}")


def fit_columns(terms, y, noise):
    """Least squares y ≈ Σ cᵢ·termᵢ.column; `noise` is the rounding of each entry of y."""
    a = np.stack([t.column for t in terms], axis=1)
    null = np.array([t.null for t in terms])
    scale = np.linalg.norm(a, axis=0)
    scale[scale == 0] = 1.0
    coef, *_ = np.linalg.lstsq(a / scale, y, rcond=None)
    coef = coef / scale
    resid = y - a @ coef
    noise_norm = float(np.linalg.norm(noise))
    dof = max(len(y) - len(terms), 1)
    sigma2 = max(float(resid @ resid), noise_norm ** 2) / dof
    cov = sigma2 * np.linalg.pinv(a.T @ a)
    for t, c, v in zip(terms, coef, np.diag(cov)):
        t.coef, t.se = float(c), float(np.sqrt(max(v, 0.0)))
    return Fit(terms, float(np.linalg.norm(y - a @ null)), float(np.linalg.norm(resid)), noise_norm)


def _num(v):
    return float(f"{v:.6g}")
