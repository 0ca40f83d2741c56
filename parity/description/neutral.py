"""Framework-neutral description: layers, parameters, loss, optimizer and their semantics.

Every value a dialect filled in from a framework default is listed in `defaults` with the
source it comes from, so `parity show` can mark it and `diff-spec` can explain it.

Layouts are named by axis ("out,in,h,w"); an `in` axis that flattens a feature map names
its order and sizes, e.g. "out,in(c,h,w:16,4,4)" for a Caffe InnerProduct after a conv.
"""

from dataclasses import dataclass, field

SCHEMA_VERSION = 1


@dataclass
class Penalty:
    """A term added to the objective for one tensor: coeff·Σw² (l2) or coeff·Σ|w| (l1)."""

    kind: str
    coeff: float
    written: str  # as the spec wrote it, e.g. "L2(l2=0.01)" or "0.5*lamda*sum(W**2)"

    @property
    def gradient_factor(self):
        """d penalty / d w = factor · w for l2."""
        return 2.0 * self.coeff if self.kind == "l2" else self.coeff


@dataclass
class Param:
    role: str  # kernel | bias | gamma | beta | mean | variance | factor
    shape: tuple  # native shape
    layout: str = ""
    trainable: bool = True
    lr_mult: float = 1.0
    decay_mult: float = 1.0
    filler: dict | None = None  # e.g. {"type": "xavier", "variance_norm": "FAN_IN"}, every field explicit


@dataclass
class Layer:
    name: str
    kind: str  # the neutral vocabulary: conv2d, pool2d, dense, relu, ..., softmax_loss
    attrs: dict = field(default_factory=dict)
    params: list = field(default_factory=list)  # Param
    penalties: dict = field(default_factory=dict)  # role -> Penalty
    defaults: dict = field(default_factory=dict)  # attr -> source of the default
    inputs: list = field(default_factory=list)  # blob names (graph descriptions)
    outputs: list = field(default_factory=list)
    line: int | None = None  # where the spec defines it
    output_shape: tuple | None = None  # per sample, in the dialect's own layout

    @property
    def trainable_params(self):
        return [p for p in self.params if p.trainable]


@dataclass
class Loss:
    kind: str
    attrs: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)


@dataclass
class Optimizer:
    kind: str
    hyper: dict = field(default_factory=dict)  # learning_rate, momentum, weight_decay, ...
    rule: str = ""
    defaults: dict = field(default_factory=dict)
    schedule: dict = field(default_factory=dict)  # e.g. {"lr_policy": "step", "gamma": 0.1, ...}


@dataclass
class InputSpec:
    """What enters the net: the data blob, its per-sample shape and layout, labels and transform."""

    blob: str = "data"
    layout: str = "hwc"  # chw (Caffe), hwc (Keras), flat
    label_blob: str | None = None
    target_blob: str | None = None  # a blob fed one-hot targets (Caffe EuclideanLoss against labels)
    transform: dict | None = None  # {"scale": s, "mean": m} applied to the stored values; None: the default


@dataclass
class Description:
    dialect: str
    source: str
    input_shape: tuple
    layers: list = field(default_factory=list)
    loss: Loss | None = None
    optimizer: Optimizer | None = None
    notes: list = field(default_factory=list)  # e.g. warnings the framework printed while building
    input: InputSpec = field(default_factory=InputSpec)
    version: int = SCHEMA_VERSION

    def penalties(self):
        return {(layer.name, role): p for layer in self.layers for role, p in layer.penalties.items()}

    @property
    def num_classes(self):
        for layer in reversed(self.layers):
            for p in layer.params:
                if p.role == "kernel":
                    return int(p.shape[0] if p.layout.startswith("out") else p.shape[-1])
        return None
