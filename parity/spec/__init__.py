"""The framework-neutral description of a model and its training, every default explicit."""

from .description import SCHEMA_VERSION, Description, InputSpec, Layer, Loss, Optimizer, Param, Penalty

__all__ = ["SCHEMA_VERSION", "Description", "InputSpec", "Layer", "Loss", "Optimizer", "Param", "Penalty"]
