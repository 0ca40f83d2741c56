"""Framework-neutral description: layers, parameters, loss, optimizer and their semantics.

Every value a dialect filled in from a framework default is listed in `defaults` with the
source it comes from, so `parity show` can mark it and `diff-spec` can explain it.
"""

from dataclasses import dataclass, field


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
class Layer:
    name: str
    kind: str  # dense, conv2d, activation, flatten, dropout, ...
    attrs: dict = field(default_factory=dict)
    params: list = field(default_factory=list)  # roles, in order
    penalties: dict = field(default_factory=dict)  # role -> Penalty
    defaults: dict = field(default_factory=dict)  # attr -> source of the default


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


@dataclass
class Description:
    dialect: str
    source: str
    input_shape: tuple
    layers: list = field(default_factory=list)
    loss: Loss | None = None
    optimizer: Optimizer | None = None
    notes: list = field(default_factory=list)  # e.g. warnings the framework printed while building

    def penalties(self):
        return {(layer.name, role): p for layer in self.layers for role, p in layer.penalties.items()}
