"""Isolation at a first divergence in activations: which stage introduces the error, which only inherits it.

For each compared stage k, in forward order, side B's stage k runs alone on side A's input to it (the
network input for k = 0, A's stage k-1 output after), and its output is compared with A's stage k output:
  inherited  = rel_error(B's input to stage k, A's input to stage k)
  introduced = rel_error(B's stage k fed A's input, A's stage k output)
A stage whose `introduced` is below tolerance only passes on what it received; the layer a person must
fix is the first whose `introduced` is above it. Engines run one stage through Engine.run_stage; where
either cannot (an adapter, a skip connection) there is no isolation.
"""

import numpy as np

from ..compare import rel_error


def isolate(engines, inputs, evaluations):
    """[{"layer_a", "layer_b", "inherited", "introduced"}] per compared stage, or None.

    `inputs` are each side's network input in the stored (Keras) layout; `evaluations` the sides'
    Evaluations at the engines' current weights."""
    acts_a, acts_b = evaluations[0].activations, evaluations[1].activations
    if not acts_a or not acts_b:
        return None
    entries = []
    for k, ((name_a, out_a), (name_b, out_b)) in enumerate(zip(acts_a, acts_b)):
        if np.size(out_a) != np.size(out_b):
            break
        in_a = inputs[0] if k == 0 else acts_a[k - 1][1]
        in_b = inputs[1] if k == 0 else acts_b[k - 1][1]
        fed = engines[1].run_stage(k, np.asarray(in_a))
        if fed is None or np.size(fed) != np.size(out_a):
            return None
        entries.append({"layer_a": name_a, "layer_b": name_b,
                        "inherited": _rel(in_b, in_a), "introduced": _rel(fed, out_a)})
    return entries or None


def _rel(b, a):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(rel_error(a.reshape(len(a), -1), b.reshape(len(b), -1)))
