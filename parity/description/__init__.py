"""The framework-neutral description of a model and its training, every default explicit, and the
tensors parity names in it (their layouts are Keras's canonical ones, see layouts.py)."""

from .neutral import SCHEMA_VERSION, Description, InputSpec, Layer, Loss, Optimizer, Param, Penalty
from .tensor import Tensor

__all__ = ["SCHEMA_VERSION", "Description", "InputSpec", "Layer", "Loss", "Optimizer", "Param", "Penalty", "Tensor"]
