"""Static comparison of two descriptions after every default is made explicit: each difference,
the cause code it can produce, and when it matters."""

from . import views
from .causes import (
    ACTIVATION,
    ARCHITECTURE,
    BATCHNORM,
    BIAS_DECAY,
    DECOUPLED_DECAY,
    GROUPED_CONV,
    INIT,
    INPUT_SCALE,
    LOSS_FUNCTION,
    LOSS_REDUCTION,
    LR_DECAY_IGNORED,
    LR_MULTIPLIER,
    LR_SCHEDULE,
    MOMENTUM_FORMULATION,
    OPTIMIZER,
    PADDING,
    POOL_ROUNDING,
    POOL_STRIDE,
    WEIGHT_DECAY,
    code,
)

WHEN_INIT = "only with --weights a|b (otherwise both sides start from the same weights)"


def differences(a, b):
    out = []

    def add(field, layer_a, layer_b, va, vb, cause, matters="yes"):
        out.append({"field": field, "layer_a": layer_a, "layer_b": layer_b, "a": va, "b": vb,
                    "cause": None if cause is None else code(cause), "matters": matters})

    if not (views.known(a) and views.known(b)):
        _adapter_pair(a, b, add)
        return out
    _structure(a, b, add)
    ta, tb = views.training(a), views.training(b)
    causes = {"optimizer": OPTIMIZER, "learning_rate": OPTIMIZER, "momentum": OPTIMIZER,
              "schedule": LR_SCHEDULE, "weight_decay": WEIGHT_DECAY, "momentum_rule": MOMENTUM_FORMULATION,
              "constants": OPTIMIZER}
    for key in ("optimizer", "learning_rate", "momentum", "schedule", "momentum_rule", "weight_decay", "constants"):
        if key == "momentum_rule" and not _rule_can_act(ta, tb):
            continue
        if key == "weight_decay" and _same_coupled_decay(a, b, ta, tb):
            continue  # written differently (an optimizer's λ, a loss penalty), the same ·w in every gradient
        if key in ta and key in tb and not _same(ta[key], tb[key]):
            cause = causes[key]
            if key == "weight_decay" and ("decoupled" in str(ta[key])) != ("decoupled" in str(tb[key])):
                cause = DECOUPLED_DECAY
            add(key, None, None, ta[key], tb[key], cause,
                "only where the learning rate changes" if key == "momentum_rule" else "yes")
    for note in a.notes + b.notes:
        if "decay" in note and "no longer supported" in note:
            side = "A" if note in a.notes else "B"
            add("decay (Keras 2 argument)", None, None, note if side == "A" else None, note if side == "B" else None,
                LR_DECAY_IGNORED, "no: Keras 3 ignores it, which is the finding")
    _parameters(a, b, add)
    for (na, fa), (nb, fb) in zip(views.activations(a), views.activations(b)):
        if fa != fb and not (fa == "softmax" and fb == "linear" and _softmax_in_loss(b)) and not (
                fb == "softmax" and fa == "linear" and _softmax_in_loss(a)):
            add("activation", na, nb, fa, fb, ACTIVATION)
    for (na, ea), (nb, eb) in zip(views.batchnorms(a), views.batchnorms(b)):
        if ea is not None and eb is not None and not _same(float(ea), float(eb)):
            add("batch norm epsilon", na, nb, ea, eb, BATCHNORM)
    la, lb = views.loss(a), views.loss(b)
    if la != lb:
        same_kind = la and lb and la.split(",")[0] == lb.split(",")[0] and _smoothing(la) == _smoothing(lb)
        add("loss", None, None, la, lb, LOSS_REDUCTION if same_kind else LOSS_FUNCTION)
    ia, ib = views.input_transform(a), views.input_transform(b)
    if ia != ib:
        add("input transform", None, None, ia, ib, INPUT_SCALE)
    return out


def _structure(a, b, add):
    for (la, sa), (lb, sb) in zip(views.shapes(a), views.shapes(b)):
        if la.kind == lb.kind == "pool2d":
            ka, kb = _pool(la), _pool(lb)
            for key, cause in (("stride", POOL_STRIDE), ("kernel", ARCHITECTURE), ("pad", PADDING),
                               ("round_mode", POOL_ROUNDING)):
                if ka[key] != kb[key]:
                    add(f"pooling {key}", la.name, lb.name, ka[key], kb[key], cause,
                        "yes" if sa != sb or key == "pad" else "no: the output sizes agree here")
        if la.kind == lb.kind == "conv2d":
            for key, cause in (("kernel", ARCHITECTURE), ("stride", ARCHITECTURE), ("group", GROUPED_CONV)):
                va, vb = la.attrs.get(key), lb.attrs.get(key)
                if va is not None and vb is not None and tuple(_t(va)) != tuple(_t(vb)):
                    add(f"convolution {key}", la.name, lb.name, va, vb, cause)
            pa, pb = _pad(la.attrs.get("pad")), _pad(lb.attrs.get("pad"))
            if pa != pb:
                add("convolution padding", la.name, lb.name, la.attrs.get("pad"), lb.attrs.get("pad"), PADDING)
        if la.kind == lb.kind and la.kind in ("conv2d", "dense"):
            na, nb = la.attrs.get("num_output"), lb.attrs.get("num_output")
            if na != nb:
                add("outputs", la.name, lb.name, na, nb, ARCHITECTURE)


def _rule_can_act(ta, tb):
    """Where the rate enters the momentum matters only with momentum and a rate that changes."""
    moving = any(t.get("momentum") for t in (ta, tb))
    scheduled = any(t.get("schedule") not in (None, "constant") for t in (ta, tb))
    return moving and scheduled


def _same_coupled_decay(a, b, ta, tb):
    """Both coupled (no decoupled decay) and every parameter's decay gradient term ·w known and equal on both
    sides: the per-parameter rows judge coupled decay, the summary row would differ only in how it is written."""
    if any("decoupled" in str(t.get("weight_decay")) for t in (ta, tb)):
        return False
    if any(p.kind != "l2" for desc in (a, b) for p in desc.penalties().values()):
        return False  # an L1 (or other) penalty has no ·w term to compare
    pairs = [(ra, rb) for rows_a, rows_b in zip(views.parameters(a), views.parameters(b))
             for ra, rb in zip(rows_a, rows_b)]
    return len(views.parameters(a)) == len(views.parameters(b)) and all(
        ra[3] is not None and rb[3] is not None and abs(ra[3] - rb[3]) <= 1e-12 for ra, rb in pairs)


def _smoothing(loss_view):
    """The label smoothing views.loss writes, "" for none: a difference there is a loss function, not a reduction."""
    return loss_view.partition("label smoothing")[2]


def _softmax_in_loss(desc):
    """A Caffe SoftmaxWithLoss (or a Keras from_logits loss) applies the softmax itself."""
    return desc.loss is not None and (desc.loss.kind == "softmax_loss" or desc.loss.attrs.get("from_logits"))


def _same(a, b):
    """Equal, or equal numbers once Keras' float32 storage is allowed for (0.05 → 0.05000000074505806)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-6 * max(abs(a), abs(b))
    return a == b


def _t(v):
    return v if isinstance(v, (list, tuple)) else (v, v)


def _pad(pad):
    if pad in ("valid", None):
        return (0, 0)
    return tuple(_t(pad)) if pad != "same" else "same"


def _pool(layer):
    a = layer.attrs
    return {"stride": tuple(_t(a.get("stride"))), "kernel": tuple(_t(a.get("kernel"))),
            "pad": _pad(a.get("pad")), "round_mode": "floor" if a.get("round_mode") == "FLOOR" else
            "ceil (then Caffe's clip rule)"}


def _parameters(a, b, add):
    for rows_a, rows_b in zip(views.parameters(a), views.parameters(b)):
        for (name_a, role, lr_a, decay_a, init_a), (name_b, _, lr_b, decay_b, init_b) in zip(rows_a, rows_b):
            if not _same(lr_a, lr_b):
                add(f"{role} lr multiplier", name_a, name_b, lr_a, lr_b, LR_MULTIPLIER)
            if decay_a is not None and decay_b is not None and abs(decay_a - decay_b) > 1e-12:
                add(f"{role} decay (gradient term ·w)", name_a, name_b, decay_a, decay_b,
                    BIAS_DECAY if role == "bias" else WEIGHT_DECAY)
            if init_a and init_b and init_a != init_b:
                add(f"{role} initialiser", name_a, name_b, init_a, init_b, INIT, WHEN_INIT)


def _adapter_pair(a, b, add):
    if tuple(a.input_shape) != tuple(b.input_shape):
        add("input_shape", None, None, list(a.input_shape), list(b.input_shape), None)
    pa = [layer for layer in a.layers if layer.params]
    pb = [layer for layer in b.layers if layer.params]
    if len(pa) != len(pb):
        add("parameterised layers", None, None, len(pa), len(pb), ARCHITECTURE)
