"""What a dialect makes of a spec file: a side, which describes the model and names the engine that runs it.

A dialect never builds an engine: `engines.factory.make_engine(side, ...)` does, from `side.engine` and
what that engine needs in `side.handle`.
"""

from dataclasses import dataclass, field


@dataclass
class Side:
    """A loaded spec: its description, its input, and the engine that runs it."""

    path: str
    dialect: str
    description: object  # description.Description
    input_shape: tuple
    num_classes: int | None
    engine: str  # the engine that runs this side, by its registered name (engines/factory.py)
    preprocess: object = None  # a .py spec's own preprocess(x) -> x
    notes: list = field(default_factory=list)
    handle: object = None  # what the engine needs beyond the description: e.g. a live model, an adapter
    input_layout: str = "hwc"  # how the side lays out one sample: hwc (Keras), chw (Caffe), flat
    transform: dict | None = None  # the spec's own input transform (a Caffe Data layer's transform_param)
    rebind: object = None  # (sample shape) -> Side, for specs whose input shape comes from the samples

    @property
    def is_adapter(self):
        """A Python adapter: its loss, optimizer and penalties are code parity sees only through the protocol."""
        return self.engine == "adapter"
