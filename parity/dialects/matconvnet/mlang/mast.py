"""The syntax tree `mlang.parse` builds. Every node knows its 1-based line and column.

Positions: a name, number or string is where it starts; a binary or unary operation is
at its operator; an index `a(...)`/`a{...}` is at its opening bracket; a field `a.b` is
at the name `b`; a statement is where its first token is.
"""

from dataclasses import dataclass, field


@dataclass(slots=True)
class Node:
    line: int
    col: int


# --- expressions ------------------------------------------------------------------


@dataclass(slots=True)
class Num(Node):
    value: float


@dataclass(slots=True)
class Str(Node):
    value: str


@dataclass(slots=True)
class Name(Node):
    name: str


@dataclass(slots=True)
class End(Node):
    """`end` inside an index: the last index of the object being indexed."""


@dataclass(slots=True)
class Colon(Node):
    """A bare `:` index: all of that dimension."""


@dataclass(slots=True)
class Tilde(Node):
    """`~` in `[~, b] = f(...)`: an output that is thrown away."""


@dataclass(slots=True)
class Unary(Node):
    op: str  # '-', '+', '~' ('!' is folded into '~')
    operand: Node


@dataclass(slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class Transpose(Node):
    operand: Node


@dataclass(slots=True)
class Range(Node):
    start: Node
    step: Node | None
    stop: Node


@dataclass(slots=True)
class Matrix(Node):
    """`[...]`: rows of elements."""

    rows: list


@dataclass(slots=True)
class CellLit(Node):
    """`{...}`: rows of elements."""

    rows: list


@dataclass(slots=True)
class Index(Node):
    base: Node
    brace: bool  # c{...} rather than c(...)
    args: list


@dataclass(slots=True)
class Field(Node):
    base: Node
    name: str


@dataclass(slots=True)
class DynField(Node):
    """`s.(expr)`."""

    base: Node
    expr: Node


# --- statements -------------------------------------------------------------------


@dataclass(slots=True)
class Assign(Node):
    """`target = value` or `[t1, t2] = value`; targets are Name/Index/Field/DynField
    chains rooted at a Name, or Tilde."""

    targets: list
    value: Node


@dataclass(slots=True)
class ExprStmt(Node):
    expr: Node


@dataclass(slots=True)
class If(Node):
    clauses: list  # [(condition, body)], the `if` then each `elseif`
    orelse: list | None


@dataclass(slots=True)
class For(Node):
    var: str
    iterable: Node
    body: list


@dataclass(slots=True)
class Switch(Node):
    subject: Node
    cases: list  # [(value, body)]
    otherwise: list | None


@dataclass(slots=True)
class Return(Node):
    pass


@dataclass(slots=True)
class Break(Node):
    pass


@dataclass(slots=True)
class Continue(Node):
    pass


@dataclass(slots=True)
class Function(Node):
    name: str
    params: list  # names; '~' for an ignored one; 'varargin' last collects the rest
    outputs: list
    body: list
    closed: bool = False  # ended by its own `end`


@dataclass(slots=True)
class Module:
    path: str
    functions: list = field(default_factory=list)

    def function(self, name):
        for fn in self.functions:
            if fn.name == name:
                return fn
        return None
