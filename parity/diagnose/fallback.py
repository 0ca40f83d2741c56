"""When no numeric signature names the first divergence, the declared differences that can
produce it at that step and place: a permutation (flatten order), an activation function, a
batch-norm constant, the loss function."""

import numpy as np

from ..compare import rel_error
from ..frameworks import keras
from .causes import ACTIVATION, ARCHITECTURE, BATCHNORM, FLATTEN_ORDER, LOSS_FUNCTION, PADDING, fix
from .evidence import Cause

PLACE = {"activation": (FLATTEN_ORDER, ACTIVATION, BATCHNORM, PADDING, ARCHITECTURE),
         "loss": (LOSS_FUNCTION, ACTIVATION),
         "gradient": (LOSS_FUNCTION, ACTIVATION, BATCHNORM)}


def from_spec(ctx):
    first = ctx.first
    causes = []
    if first.quantity == "activation" and first.index >= 0:
        causes += _permutation(ctx)
    order = PLACE.get(first.quantity, ())
    diffs = [d for d in ctx.spec_differences or [] if d["cause"] in order]
    diffs.sort(key=lambda d: order.index(d["cause"]))
    for d in diffs:
        causes.append(Cause(d["cause"], d["layer_a"], d["layer_b"],
                            f"The specs declare different {d['field']}: side A {d['a']}, side B {d['b']}; the first "
                            f"divergence ({first.quantity} at step {first.step}) is where that acts.",
                            f"first divergence: {first.quantity} {first.layer_a or ''} / {first.layer_b or ''}, "
                            f"rel_error {first.rel_error:.3g}" if first.rel_error is not None else "",
                            fix(d["cause"], None, "declared", field=d["field"])))
    return causes


def _permutation(ctx):
    """The same values per sample in another order: the sides flatten (or lay out) differently."""
    acts = [ev.activations for ev in ctx.evaluations]
    if any(a is None or len(a) <= ctx.first.index for a in acts):
        return []
    (name_a, a), (name_b, b) = acts[0][ctx.first.index], acts[1][ctx.first.index]
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    if a.shape != b.shape:
        return []
    sorted_gap = rel_error(np.sort(a, axis=1), np.sort(b, axis=1))
    if sorted_gap > max(10 * ctx.first.tolerance, 1e-6) or rel_error(a, b) <= ctx.first.tolerance:
        return []
    return [Cause(FLATTEN_ORDER, name_a, name_b,
                  f"{name_a} and {name_b} hold the same values per sample in a different order: the two sides "
                  "flatten (or lay out) the feature map in different orders, so the next layer's weights meet "
                  "permuted inputs.",
                  f"rel_error {rel_error(a, b):.3g} as laid out, {sorted_gap:.2g} once each sample's values are "
                  "sorted", fix(FLATTEN_ORDER, keras_order=keras.FLATTEN_ORDER.value))]
