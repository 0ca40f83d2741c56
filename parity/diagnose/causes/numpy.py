"""How each cause's fix reads for a hand-written NumPy net (the Python adapter)."""

from . import catalog as c
from .registry import phrase

N = "numpy"

phrase(N, c.L2_CONVENTION, "side {side}: λ → {scaled}, i.e. penalty {half}·Σw² with gradient {grad}·w (a NumPy update "
       "W·(1 − {grad}·lr) − lr·dW)")
phrase(N, c.WEIGHT_DECAY, "NumPy: add {lam}·W to dW (a penalty {half}·Σw² in loss())")
phrase(N, c.BIAS_DECAY, "NumPy: leave the biases out of the penalty")
phrase(N, c.LOSS_REDUCTION, "NumPy: divide the summed loss and its gradient by N = len(y)")
phrase(N, c.GRADIENT_BUG, "side {side}: check grads() against central differences of loss() entry by entry; the "
       "entry parity names is a wrong one")
