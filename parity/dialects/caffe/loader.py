"""`.prototxt` specs: a solver (which names its net) or a net alone (plain SGD at --lr)."""

from pathlib import Path

from ...description import Description, InputSpec, Loss
from ...errors import SpecError
from ..registry import loader
from ..side import Side
from . import solver as solver_mod
from .net import translate
from .prototxt import parse_file
from .schema import validate

NET_FIELDS = {"layer", "layers", "input", "input_shape", "input_dim"}


@loader(".prototxt")
def load_prototxt(path, sample_shape=None):
    msg = parse_file(path)
    if not msg.fields:
        raise SpecError("holds no fields; expected a Caffe net (layer { ... } blocks) or a solver (net: ...), "
                        "found an empty file (or only comments).", path=path)
    if any(msg.has(f) for f in NET_FIELDS):
        validate(msg, "NetParameter", str(path))
        net, net_path, opt, notes = msg, path, solver_mod.plain_sgd(), ["a net file holds no solver: plain SGD at --lr"]
    else:
        validate(msg, "SolverParameter", str(path))
        net, net_path, notes = _solver_net(msg, path)
        opt = solver_mod.optimizer(msg)
    layers, ctx = translate(net, str(net_path), sample_shape)
    if sample_shape is None and _has_data_layer(layers):
        notes = notes + ["the Data layer takes the samples' own shape: shown as MNIST's 1×28×28 until --data "
                         "and the other spec say otherwise"]
    desc = _description(layers, ctx, opt, path, notes)
    side = Side(str(path), "caffe", desc, desc.input_shape, desc.num_classes, "graph",
                notes=notes + ctx.notes)
    side.input_layout = "chw"
    side.transform = desc.input.transform
    side.rebind = None if sample_shape is not None or not _has_data_layer(layers) else (
        lambda shape: load_prototxt(path, shape))
    return side


def _solver_net(msg, path):
    if msg.has("net_param") or msg.has("train_net_param"):
        net = msg.get("net_param") or msg.get("train_net_param")
        validate(net, "NetParameter", str(path))
        return net, path, []
    name = msg.get("net") or msg.get("train_net")
    if not name:
        raise SpecError("is a solver that names no net (net: or train_net:).", path=path, line=msg.line, col=msg.col)
    # Caffe resolves `net:` against the folder it was started from; try the solver's folder first.
    folder = path.resolve().parent
    candidates = [folder / name, Path.cwd() / name] + [p / name for p in folder.parents]
    for candidate in candidates:
        if candidate.is_file():
            net = parse_file(candidate)
            validate(net, "NetParameter", str(candidate))
            return net, candidate, [f"net: {name!r} found as {candidate}"]
    line, col = msg.where("net" if msg.has("net") else "train_net")
    raise SpecError(f"the solver's net {name!r} was not found in the solver's folder, the current folder or any "
                    "parent of the solver's folder.", path=path, line=line, col=col)


def _has_data_layer(layers):
    return any(layer.kind == "input" and layer.attrs.get("caffe_type") != "Input" for layer in layers)


def _description(layers, ctx, opt, path, notes):
    inputs = [layer for layer in layers if layer.kind == "input"]
    losses = [layer for layer in layers if layer.kind.endswith("_loss")]
    if not inputs or not losses:
        raise SpecError("the TRAIN net needs an input (Input or Data layer) and a loss layer.", path=path)
    data_blob = inputs[0].outputs[0]
    spec = InputSpec(blob=data_blob, layout="chw")
    for loss in losses:
        if len(loss.inputs) > 1:
            target = loss.inputs[1]
            if loss.kind == "euclidean_loss":
                spec.target_blob = target
            else:
                spec.label_blob = target
    transform = inputs[0].attrs.get("transform")
    if transform is not None:
        means = transform["mean"]
        if len(set(means)) > 1:
            raise SpecError("transform_param with per-channel mean_value is not emulated yet; use one mean_value.",
                            path=path, line=inputs[0].line)
        spec.transform = {"scale": transform["scale"], "mean": means[0]}
    loss = losses[-1]
    return Description("caffe", str(path), ctx.shapes[data_blob], layers,
                       Loss(loss.kind, dict(loss.attrs), dict(loss.defaults)), opt, notes=list(notes), input=spec)
