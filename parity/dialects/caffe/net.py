"""A Caffe NetParameter (TRAIN phase) -> neutral description layers, every default explicit.

One translator per layer type, registered by name. Shapes are per sample, Caffe's (C, H, W).
An unsupported layer type is an error that lists every unsupported layer with its line.
"""

from ...errors import SpecError
from ...frameworks import caffe as facts
from . import layers as _registers_translators  # noqa: F401  (its import registers the translators)
from .translators import IGNORED, TRANSLATORS


class Ctx:
    """What translators share: the file, blob shapes so far, notes for `parity show`."""

    def __init__(self, path, sample_shape):
        self.path = path
        self.shapes = {}  # blob -> per-sample shape
        self.flat_from = {}  # blob -> the (C, H, W) map a Flatten made it from
        self.sample_shape = sample_shape  # from the samples, for Data layers
        self.notes = []

    def error(self, lp, message):
        return SpecError(message, path=self.path, line=lp.line, col=lp.col)


def _explicit(layer, values, message_type):
    """Copy resolved settings into attrs, recording which came from caffe.proto's defaults."""
    for name, (value, explicit) in values.items():
        layer.attrs[name] = value
        if not explicit:
            layer.defaults[name] = f"caffe.proto {message_type}.{name} default"


def in_train_phase(lp):
    includes, excludes = lp.get_all("include"), lp.get_all("exclude")
    if includes:
        return any(str(r.get("phase", "TRAIN")) == "TRAIN" for r in includes)
    return not any(str(r.get("phase", "TRAIN")) == "TRAIN" for r in excludes)


def translate(net, path, sample_shape=None):
    """Layers of the TRAIN net, in file order, and the input blobs they read."""
    ctx = Ctx(path, sample_shape)
    raw = net.get_all("layer")
    if not raw and net.get_all("layers"):
        raise SpecError("uses the legacy V1 `layers { }` blocks; upgrade it with Caffe's upgrade_net_proto_text "
                        "tool, which parity does not emulate.", path=path, line=net.line, col=net.col)
    layers = [lp for lp in raw if in_train_phase(lp)]
    known = set(TRANSLATORS) | IGNORED
    unsupported = [lp for lp in layers if str(lp.get("type")) not in known]
    if unsupported:
        listed = "; ".join(f"{lp.get('name')!r} ({lp.get('type')}) at line {lp.line}" for lp in unsupported)
        supported = ", ".join(sorted(TRANSLATORS))
        raise SpecError(f"has layer types parity does not emulate: {listed}. Supported: {supported}.", path=path,
                        line=unsupported[0].line, col=unsupported[0].col)
    for name in net.get_all("input"):  # legacy net-level inputs
        dims = _legacy_input_dims(net, name, ctx)
        ctx.shapes[name] = tuple(dims[1:])
    out = []
    for lp in layers:
        kind = str(lp.get("type"))
        if kind in IGNORED:
            continue
        for bottom in lp.get_all("bottom"):
            if bottom not in ctx.shapes:
                raise ctx.error(lp, f"layer {lp.get('name')!r} reads blob {bottom!r}, which no earlier layer makes.")
        layer = TRANSLATORS[kind](lp, ctx)
        layer.name = str(lp.get("name", f"{kind.lower()}{len(out)}"))
        layer.inputs, layer.outputs, layer.line = list(lp.get_all("bottom")), list(lp.get_all("top")), lp.line
        if layer.outputs and layer.outputs[0] in ctx.shapes:
            layer.output_shape = ctx.shapes[layer.outputs[0]]
        _params(lp, layer, ctx)
        out.append(layer)
    return out, ctx


def _legacy_input_dims(net, name, ctx):
    shapes_ = net.get_all("input_shape")
    idx = net.get_all("input").index(name)
    if shapes_:
        return [int(d) for d in shapes_[idx].get_all("dim")]
    dims = [int(d) for d in net.get_all("input_dim")]
    return dims[4 * idx: 4 * idx + 4]


def _params(lp, layer, ctx):
    """lr_mult / decay_mult from the `param` blocks, in blob order (caffe.proto: both default 1)."""
    specs = lp.get_all("param")
    for i, p in enumerate(layer.params):
        if not p.trainable:
            continue
        spec = specs[i] if i < len(specs) else None
        spec = spec or {}
        p.lr_mult = float(spec.get("lr_mult", facts.LR_MULT_DEFAULT.value))
        p.decay_mult = float(spec.get("decay_mult", facts.DECAY_MULT_DEFAULT.value))
        for name, fact in (("lr_mult", facts.LR_MULT_DEFAULT), ("decay_mult", facts.DECAY_MULT_DEFAULT)):
            if not (spec and spec.get(name) is not None):
                layer.defaults[f"{p.role}.{name}"] = fact.source
        # lr_mult 0 freezes the blob (net.cpp:149): still a parameter both sides must start from
