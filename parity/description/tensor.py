"""One parameter tensor of one side, as parity names and lays it out."""

from dataclasses import dataclass

import numpy as np

from .layouts import to_canonical


@dataclass(frozen=True)
class Tensor:
    """One parameter tensor of one side, in forward order."""

    layer: str  # the layer's name as the side names it
    key: str  # unique within the side: the adapter's key, or "layer/variable" for Keras
    role: str  # kernel | bias | gamma | beta
    shape: tuple  # native shape
    layout: str  # native axis names, comma separated, e.g. "out,in"; "" for vectors
    by_key: bool = False  # adapters' tensors are reported by their own keys, not a layer name

    @property
    def shown(self):
        return self.key if self.by_key else self.layer

    @property
    def canonical_shape(self):
        return to_canonical(np.empty(self.shape, dtype=np.uint8), self.layout).shape

