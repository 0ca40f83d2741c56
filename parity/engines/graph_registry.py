"""What the description engine runs, registered by dialect family.

Each family module (caffe_graph, matconvnet_graph, ...) registers:
- ops: `@op("family", "kind")` functions (layer, inputs, params, state) -> outputs;
- a solver: `@solver("family")` factory (description, tensors, dtype, sgd_lr, default_lr) -> (solver, rate)
  where solver has build(variables) and apply(variables, grads, rate, iteration), and rate(iteration)
  is the learning rate of the update that follows `iteration` updates.
"""

import importlib

from ..frameworks.described import DESCRIPTION_ENGINES

OPS = {}
SOLVERS = {}
FAMILIES = tuple(DESCRIPTION_ENGINES)  # the families whose descriptions run


def op(family, *kinds):
    def register(fn):
        for kind in kinds:
            OPS[(family, kind)] = fn
        return fn
    return register


def solver(family):
    def register(fn):
        SOLVERS[family] = fn
        return fn
    return register


def load(family):
    """Import the family's module so its ops and solver register themselves."""
    if family not in SOLVERS:
        importlib.import_module(f"parity.engines.{family}_graph")
    return {kind: fn for (fam, kind), fn in OPS.items() if fam == family}, SOLVERS[family]
