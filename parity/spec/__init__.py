"""The framework-neutral description of a model and its training, every default explicit."""

from .description import Description, Layer, Loss, Optimizer, Penalty

__all__ = ["Description", "Layer", "Loss", "Optimizer", "Penalty"]
