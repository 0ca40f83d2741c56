"""A cause as the report names it (code, layers, evidence, fix), and the context its evidence is read from."""

from dataclasses import dataclass


@dataclass
class Cause:
    code: str
    layer_a: str | None
    layer_b: str | None
    message: str
    evidence: str
    fix: str | None = None
    confidence: float | None = None  # from the fit that found it (diagnose/fitting.py); None: a direct finding
    fit: dict | None = None  # the fitted coefficients and residual behind it

    def __post_init__(self):
        from .causes import info

        info(self.code)  # an unregistered code fails here, loudly, not in a reader of the report

    @property
    def summary(self):
        from .causes import info

        return info(self.code).summary

    @property
    def possible(self):
        """A cause whose fit explains the difference only in part: listed, never ranked above a named one."""
        from .fitting import WELL

        return self.confidence is not None and self.confidence < WELL

    def as_dict(self):
        out = {"code": self.code, "summary": self.summary, "layer_a": self.layer_a, "layer_b": self.layer_b,
               "message": self.message, "evidence": self.evidence, "fix": self.fix,
               "confidence": 1.0 if self.confidence is None else self.confidence}
        if self.possible:
            out["possible"] = True
        if self.fit is not None:
            out["fit"] = self.fit
        return out


@dataclass
class Context:
    """Everything known at the step of the first divergence; engines sit at that step's weights."""

    step: int
    first: object  # compare.Row
    rows: list
    sides: tuple  # dialects.Side
    engines: list
    evaluations: list
    weights: list  # native, per side
    matches: list
    inputs: list  # per side x
    y: object
    mode: str  # "terms" or "full"
    prev_weights: list | None = None  # native, per side, one step before (None at step 0)
    rates: list | None = None  # (lr A, lr B) of each update so far
    spec_differences: list | None = None
