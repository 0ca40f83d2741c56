"""A structural mismatch: a divergence at step 0 that prevents syncing weights."""

from ..compare import Row
from . import Cause


def structure_row_and_cause(mismatch):
    row = Row(0, "structure", mismatch.index, mismatch.layer_a, mismatch.layer_b, None, None, 0.0)
    cause = Cause("architecture", mismatch.layer_a, mismatch.layer_b,
                  f"The networks differ in structure at parameterised layer {mismatch.index + 1}: {mismatch.why}.",
                  mismatch.why, "make the layer sizes and connections the same on both sides")
    return row, cause
