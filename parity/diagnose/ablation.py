"""Ablation: align one declared difference at a time to the other side's value, rerun, and rank the
differences by how many steps of parity each restores (ties: how much it lowers the first
divergence's rel_error); then grow the set greedily until parity holds and drop what it does not
need. Sides run from their descriptions (Keras models through the description engine), in float64,
so float32 rounding cannot blur the ranking. Time-boxed."""

import copy
import time
from dataclasses import dataclass, field, replace

from ..description import Penalty
from ..frameworks.described import DESCRIPTION_ENGINES

KERAS_EDITS = {"pooling stride": "strides", "pooling pad": "padding", "convolution group": "groups"}
TRAINING = ("optimizer", "learning_rate", "momentum", "schedule", "momentum_rule", "weight_decay")
SKIP = {"init", None}  # an initialiser cannot part two sides that start from the same weights


@dataclass
class Trial:
    label: str
    steps: int  # steps of parity: the first divergence's step, or steps + 1 when none
    rel_error: float | None
    first: str
    seconds: float


@dataclass
class Ablation:
    baseline: Trial
    ranked: list = field(default_factory=list)  # Trial per candidate, best first
    restoring: list = field(default_factory=list)  # labels of the smallest set found, or []
    restored: bool = False
    steps: int = 0
    timed_out: bool = False
    skipped: list = field(default_factory=list)  # differences ablation cannot apply, with why
    fixes: list = field(default_factory=list)  # the smallest set, said in each side's language

    def as_dict(self):
        trial = lambda t: {"change": t.label, "steps_of_parity": t.steps, "rel_error": t.rel_error,  # noqa: E731
                           "first_divergence": t.first, "seconds": round(t.seconds, 2)}
        return {"baseline": trial(self.baseline), "ranked": [trial(t) for t in self.ranked],
                "smallest_set": self.restoring, "fixes": self.fixes, "restores_parity": self.restored,
                "steps": self.steps,
                "timed_out": self.timed_out, "skipped": self.skipped}


def runnable(side):
    """A side the ablation can rerun from a changed copy of its description. A Keras side needs its model
    too (a layer change rebuilds it from its config): a Keras description alone (.toml) is not enough."""
    if side.dialect == "keras":
        return getattr(side.handle, "model", None) is not None
    return side.dialect in DESCRIPTION_ENGINES


def run(sides, inputs, samples, opts, device, diffs, budget=120.0, progress=None):
    from ..live import PairRun

    if not all(runnable(s) for s in sides):
        return None
    deadline = time.monotonic() + budget
    opts = replace(opts, dtype="float64", rtol=1e-8, atol=None, timeout=None, deadline=None)
    candidates, skipped = _candidates(sides, diffs)
    state = _State(sides, inputs, samples)

    def trial(label, changes):
        start = time.monotonic()
        pair, ins = state.apply(changes)
        result = PairRun(pair[0], pair[1], ins, samples, opts, device, None).execute(noise=False)
        first = result.first
        steps = opts.steps + 1 if first is None else first.step
        where = "parity" if first is None else f"step {first.step}, {first.quantity} {first.layer_a or ''}".strip()
        if progress:
            progress(label)
        return Trial(label, steps, None if first is None else first.rel_error, where, time.monotonic() - start)

    report = Ablation(trial("as written", []), skipped=skipped, steps=opts.steps)
    for label, change in candidates:
        if time.monotonic() > deadline:
            report.timed_out = True
            break
        report.ranked.append(trial(label, [change]))
    report.ranked.sort(key=_order)
    # Differences often act together (a rate multiplier shows only once the solvers agree), so the set is
    # found backwards: align every one, then drop each that parity does not need, least useful first.
    ranked_labels = [t.label for t in report.ranked]
    chosen = sorted((c for c in candidates if c[0] in ranked_labels), key=lambda c: ranked_labels.index(c[0]))
    everything = trial("all of them", [c for _, c in chosen]) if chosen and time.monotonic() < deadline else None
    if everything is not None and everything.steps > opts.steps:
        for item in reversed(list(chosen)):
            rest = [c for c in chosen if c is not item]
            if time.monotonic() < deadline and trial("without " + item[0], [c for _, c in rest]).steps > opts.steps:
                chosen = rest
        report.restored = True
    elif everything is not None:
        report.skipped.append(f"aligning every difference the ablation can apply still parts the sides at "
                              f"{everything.first}: what remains is structural or not declared in the specs")
        chosen = []
    report.timed_out = report.timed_out or time.monotonic() >= deadline
    report.restoring = [lab for lab, _ in chosen]
    report.fixes = [_fix(change, sides) for _, change in chosen]
    return report


def _fix(change, sides):
    """The change, said as a line of the side it was made on, in that side's framework's terms."""
    from .causes import INPUT_SCALE, OPTIMIZER, fix, framework_of
    from .fixes import DECAY_LINES, OPTIMIZER_LINES, keras_decay

    kind, detail = change
    k = _changed(sides)
    other = sides[1 - k].description
    label = "AB"[k]
    if kind == "keras":
        side, layer, attr, value = detail
        return f"side {'AB'[side]} (Keras): give {layer} {attr}={tuple(value) if isinstance(value, list) else value!r}"
    if kind == "optimizer":
        framework = framework_of(sides[k].dialect)
        line = OPTIMIZER_LINES[framework](other) if framework in OPTIMIZER_LINES else None
        decay = DECAY_LINES[framework](other) if line else None
        if line:
            return fix(OPTIMIZER, framework, side=label, line=line, decay=f"; {decay}" if decay else "")
        return f"side {label}: use side {'BA'[k]}'s optimizer, rate, schedule and weight decay"
    if kind == "lr_mult":
        return (f"the {detail} learning-rate multiplier: side {'BA'[k]} param {{ lr_mult: 1 }} / learningRate 1 for "
                f"the {detail}es, or side {label} scales their gradients by the other side's factor")
    if kind == "decay":
        return f"the {detail} decay: give both sides the same ({keras_decay(other) or 'same λ and decay_mult'})"
    if kind == "input":
        t = sides[0].transform if hasattr(sides[0], "transform") else None
        return fix(INPUT_SCALE, sides[1].dialect, "ablation", side="B", flag="b", transform=t)
    return f"align {kind} {detail or ''}".strip()


def _order(t):
    return (-t.steps, float("inf") if t.rel_error is None else t.rel_error)


def _candidates(sides, diffs):
    """(label, change) per difference ablation can apply; a change is (kind, detail)."""
    out, skipped, seen = [], [], set()
    a, b = (s.description for s in sides)
    same_family = a.optimizer and b.optimizer and a.optimizer.kind.split(".")[0] == b.optimizer.kind.split(".")[0]
    for d in diffs:
        field_ = d["field"]
        if d.get("cause") in SKIP or field_ in seen or str(d.get("matters", "yes")).startswith("no"):
            continue
        if field_ in TRAINING and not same_family:
            key = ("optimizer", None)
            k = _changed(sides)
            label = f"optimizer, rate, schedule and decay (side {'BA'[k]}'s on side {'AB'[k]})"
        elif field_ in TRAINING:
            key, label = ("training", field_), f"optimizer {field_}"
        elif field_ == "input transform":
            key, label = ("input", None), "input transform (side A's on side B)"
        elif field_.endswith("lr multiplier"):
            key, label = ("lr_mult", field_.split()[0]), field_
        elif "decay (gradient term" in field_:
            key, label = ("decay", field_.split()[0]), field_.split(" (")[0]
        elif field_ == "activation":
            key, label = ("activation", d["layer_a"]), f"activation of {d['layer_a']}"
        elif field_ in KERAS_EDITS and "keras" in (sides[0].dialect, sides[1].dialect):
            k = 0 if sides[0].dialect == "keras" else 1  # the Keras side is rebuilt with the other's value
            layer, value = (d["layer_a"], d["b"]) if k == 0 else (d["layer_b"], d["a"])
            key, label = ("keras", (k, layer, KERAS_EDITS[field_], value)), f"{layer} {field_} (on side {'AB'[k]})"
        else:
            skipped.append(f"{field_}: not applied by the ablation (a structural or declared-only difference)")
            continue
        seen.add(field_)
        if key not in [c for _, c in out]:
            out.append((label, key))
    return out, skipped


class _State:
    """Builds the pair of sides with a set of changes applied to copies of their descriptions."""

    def __init__(self, sides, inputs, samples):
        self.sides, self.inputs, self.samples = sides, inputs, samples

    def apply(self, changes):
        descs = [copy.deepcopy(s.description) for s in self.sides]
        k = _changed(self.sides)
        dst, src = descs[k], descs[1 - k]
        inputs = list(self.inputs)
        rebuilt = {}
        for kind, detail in changes:
            if kind == "optimizer":
                dst.optimizer = copy.deepcopy(src.optimizer)
                if src.dialect != "keras":  # the coupled decay now comes with the solver, not the loss
                    for layer in dst.layers:
                        layer.penalties = {}
            elif kind == "training":
                _align_training(dst, src, detail)
            elif kind == "input" and self.inputs[0].transform is not None:
                from ..sides import side_input

                # side A's transform on side B: a Caffe Data layer given the scale the other side uses
                t = self.inputs[0].transform
                inputs[1] = side_input(self.samples, self.sides[1], f"scale={t.scale!r},mean={t.mean!r}", "ablation")
            elif kind == "lr_mult":
                _align_params(dst, src, detail, "lr_mult")
            elif kind == "decay":
                _align_decay(dst, src, detail)
            elif kind == "activation":
                _align_activation(descs[0], descs[1], detail)
            elif kind == "keras":
                side = detail[0]
                rebuilt[side] = _rebuild_keras(self.sides[side], detail[1:], rebuilt.get(side))
        for side, model in rebuilt.items():
            descs[side] = _carry_over(model, descs[side])
        return (_side(self.sides[0], descs[0]), _side(self.sides[1], descs[1])), inputs


def _changed(sides):
    """The side whose training settings an ablation changes: the Keras port, whose fix is a Keras line;
    side A when neither or both are Keras."""
    kinds = [s.dialect == "keras" for s in sides]
    return kinds.index(True) if kinds.count(True) == 1 else 0


def _side(side, desc):
    """The side run from `desc` by the engine that runs its family's descriptions."""
    return replace(side, description=desc, engine=DESCRIPTION_ENGINES[side.dialect], rebind=None)


def _layer_pairs(a, b):
    pa = [layer for layer in a.layers if any(p.trainable for p in layer.params) and layer.kind in ("conv2d", "dense")]
    pb = [layer for layer in b.layers if any(p.trainable for p in layer.params) and layer.kind in ("conv2d", "dense")]
    return zip(pa, pb)


def _align_params(a, b, role, attr):
    for la, lb in _layer_pairs(a, b):
        for pa in la.params:
            pb = next((p for p in lb.params if p.role == pa.role), None)
            if pa.role == role and pb is not None:
                setattr(pa, attr, getattr(pb, attr))


def _align_decay(a, b, role):
    """Give A's `role` tensors B's decay: a coupled λ·decay_mult becomes Keras' L2(λ·decay_mult / 2)."""
    lam_b = float((b.optimizer.hyper.get("weight_decay") or 0.0)) if b.dialect != "keras" else None
    for la, lb in _layer_pairs(a, b):
        pb = next((p for p in lb.params if p.role == role), None)
        if pb is None:
            continue
        factor = lb.penalties[role].gradient_factor if lam_b is None and role in lb.penalties else (
            (lam_b or 0.0) * pb.decay_mult)
        if a.optimizer.kind.startswith("keras."):  # Keras decays through the loss
            if factor:
                la.penalties[role] = Penalty("l2", factor / 2, f"L2({factor / 2:g}) (ablation)")
            else:
                la.penalties.pop(role, None)
        else:
            lam_a = float(a.optimizer.hyper.get("weight_decay") or 0.0)
            for pa in la.params:
                if pa.role == role and lam_a:
                    pa.decay_mult = factor / lam_a


def _align_training(a, b, field_):
    if field_ == "schedule":
        a.optimizer.schedule = copy.deepcopy(b.optimizer.schedule)
    else:
        keys = {"learning_rate": ("learning_rate", "base_lr"), "momentum": ("momentum",),
                "weight_decay": ("weight_decay",)}.get(field_, ())
        for key in keys:
            if key in b.optimizer.hyper:
                a.optimizer.hyper[key] = b.optimizer.hyper[key]
        if field_ == "learning_rate" and "base_lr" in b.optimizer.schedule:
            a.optimizer.schedule["base_lr"] = b.optimizer.schedule["base_lr"]


def _align_activation(a, b, name):
    from .views import activations

    target = dict(zip([n for n, _ in activations(a)], [f for _, f in activations(b)]))
    for layer in a.layers:
        if layer.name == name and "activation" in layer.attrs and name in target:
            layer.attrs["activation"] = target[name]


def _rebuild_keras(side, detail, model):
    """A Keras side rebuilt from its config with one pooling setting changed (shapes follow)."""

    from ..dialects.keras.description import describe

    name, key, value = detail
    model = model or side.handle.model
    config = model.get_config()
    for layer in config["layers"]:
        layer.pop("build_config", None)  # the layers after it take new input shapes
        if layer["config"].get("name") == name:
            if key == "padding":
                value = "valid" if tuple(value) in ((0, 0), (0, 0, 0, 0)) else "same"
            layer["config"][key] = tuple(value) if isinstance(value, (list, tuple)) else value
    fresh = model.__class__.from_config(config)
    fresh.compile(optimizer=model.optimizer.__class__.from_config(model.optimizer.get_config()), loss=model.loss)
    fresh.desc = describe(fresh, side.path)
    return fresh


def _carry_over(model, changed):
    """The rebuilt model's description, with the training changes already made to the old one."""
    desc = model.desc
    desc.optimizer, desc.input = changed.optimizer, changed.input
    by_name = {layer.name: layer for layer in changed.layers}
    for layer in desc.layers:
        old = by_name.get(layer.name)
        if old is not None:
            layer.penalties = old.penalties
            for p, q in zip(layer.params, old.params):
                p.lr_mult, p.decay_mult = q.lr_mult, q.decay_mult
    return desc
