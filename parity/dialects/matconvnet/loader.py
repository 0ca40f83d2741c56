"""`.m` specs: a MatConvNet simplenn init function (cnn_mnist_init style) and its net.meta.trainOpts,
trained as v1.0-beta25's cnn_train does (parity.frameworks.matconvnet).

The MatConvNet release is part of the description (`optimizer.hyper["version"]`): the last tagged
release, v1.0-beta25, unless the file says otherwise in a comment line

    % parity: version=master

The same comment form passes options to the init function's vl_argparse, as MATLAB's
`cnn_mnist_init('batchNormalization', true)` would: `% parity: batchNormalization=true`; options
given on the command line (`--a-set NAME=VALUE`) come after the comment's, so they win.
"""

import re
from pathlib import Path

import numpy as np

from ...description import Description, InputSpec, Loss, Optimizer
from ...errors import SpecError
from ...frameworks import matconvnet as facts
from ..registry import loader
from ..side import Side
from ..spec_options import read_value
from .mlang.meval import MStruct, read_init_file
from .net import DATA_BLOB, LABEL_BLOB, translate

DIRECTIVE = re.compile(r"^\s*%+\s*parity\s*:(.*)$", re.IGNORECASE)
DEFAULT_SAMPLE = (28, 28, 1)
TRAIN_OPTS_READ = {"learningRate", "momentum", "weightDecay", "nesterovUpdate", "batchSize", "numSubBatches",
                   "solver", "numEpochs"}


@loader(".m", options=True)
def load_m(path, sample_shape=None, options=None):
    path = Path(path)
    try:
        source = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as err:
        raise SpecError(f"cannot read the init file: {err.strerror or err}", path=str(path)) from None
    version, given, notes = directives(source, str(path))
    for key, value in (options or {}).items():
        notes.append(f"init option {key} = {value!r} (from the command line)")
    net = read_init_file(path, {**given, **(options or {})} or None)
    if not isinstance(net, MStruct):
        raise SpecError("the init function does not return a simplenn net struct (net.layers, net.meta).",
                        path=str(path))
    meta = net.get("meta") if isinstance(net.get("meta"), MStruct) else MStruct()
    shape, declared = _input_shape(meta, sample_shape, str(path), notes)
    layers, layer_notes = translate(net, str(path), shape, _locator(source))
    optimizer, opt_notes = _optimizer(meta.get("trainOpts"), version, str(path))
    loss_layer = layers[-1]
    _version_loss(loss_layer, version)
    notes += layer_notes + opt_notes + [
        f"MatConvNet release: {version} ({facts.VERSIONS[version]})"
        + (" — the default, the last tagged release; `% parity: version=master` selects master"
           if version == facts.DEFAULT_VERSION.value else " — chosen by the file's `% parity:` comment")
        + "; under cnn_train on one worker both releases train identically, they differ in whether vl_simplenn's "
          "loss output and res.dzdw are sums over the batch (v1.0-beta25) or per-image means (master)",
        "cnn_train's objective is reported and differentiated: the loss summed over the batch / N; "
        f"{facts.GRADIENT_SCALE[version].value}",
        f"labels: MatConvNet's classes are 1-based ({facts.LABELS_ONE_BASED.source}); parity's label c is "
        "MatConvNet's class c+1",
    ]
    desc = Description("matconvnet", str(path), shape, layers,
                       Loss("softmax_loss", dict(loss_layer.attrs), dict(loss_layer.defaults)), optimizer,
                       notes=notes, input=InputSpec(blob=DATA_BLOB, layout="hwc", label_blob=LABEL_BLOB))
    side = Side(str(path), "matconvnet", desc, shape, desc.num_classes, "graph", notes=list(notes))
    side.input_layout = "hwc"
    side.rebind = None if declared or sample_shape is not None else (
        lambda s: load_m(path, _hwc(s), options))
    return side


def directives(source, path):
    """(version, init options, notes) from `% parity: key=value ...` comment lines."""
    version, options, notes = facts.DEFAULT_VERSION.value, {}, []
    for number, line in enumerate(source.splitlines(), start=1):
        match = DIRECTIVE.match(line)
        if not match:
            continue
        for item in re.split(r"[,\s]+", match.group(1).strip()):
            if not item:
                continue
            key, eq, value = item.partition("=")
            if not eq or not key or not value:
                raise SpecError(f"the `% parity:` comment takes key=value items; cannot read {item!r}.",
                                path=path, line=number)
            if key.lower() == "version":
                chosen = facts.VERSION_ALIASES.get(value.lower())
                if chosen is None:
                    raise SpecError(f"unknown MatConvNet version {value!r}; parity emulates "
                                    f"{', '.join(facts.VERSIONS)}.", path=path, line=number)
                version = chosen
            else:
                options[key] = read_value(value)
                notes.append(f"init option {key} = {options[key]!r} (from the `% parity:` comment, line {number})")
    return version, options, notes


def _hwc(shape):
    shape = tuple(int(s) for s in shape)
    return shape + (1,) * (3 - len(shape)) if len(shape) < 3 else shape[:3]


def _input_shape(meta, sample_shape, path, notes):
    size = meta.get("inputSize")
    if size is None:
        shape = _hwc(sample_shape or DEFAULT_SAMPLE)
        notes.append(f"net.meta.inputSize is not set: the input is the samples' own shape {shape}")
        return shape, False
    dims = [int(v) for v in np.asarray(size, dtype=np.float64).reshape(-1)]
    if not 2 <= len(dims) <= 4 or min(dims) < 1:
        raise SpecError(f"net.meta.inputSize {dims} is not [H W C] or [H W C N].", path=path)
    if len(dims) == 4:
        notes.append(f"net.meta.inputSize's batch size {dims[3]} is replaced by the full batch of --samples")
    return _hwc(dims), True


def _option(opts, key, default, fact, defaults, path):
    if key not in opts:
        defaults[key] = fact.source
        return default
    value = opts[key]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    try:
        array = np.asarray(value, dtype=np.float64).reshape(-1, order="F")
    except (TypeError, ValueError):
        raise SpecError(f"net.meta.trainOpts.{key} must be numeric.", path=path) from None
    if array.size == 0:
        raise SpecError(f"net.meta.trainOpts.{key} is empty.", path=path)
    return [float(v) for v in array] if key == "learningRate" else float(array[0])


def _optimizer(opts, version, path):
    """cnn_train's SGD with the file's trainOpts over cnn_train's own defaults."""
    opts = opts if isinstance(opts, MStruct) else MStruct()
    defaults, notes = {}, []
    names = {"learningRate": "learning_rate", "momentum": "momentum", "weightDecay": "weight_decay",
             "nesterovUpdate": "nesterov", "batchSize": "declared_batch_size", "numSubBatches": None}
    read = {key: _option(opts, key, fact.value, fact, defaults, path) for key, fact in (
        ("learningRate", facts.LEARNING_RATE_DEFAULT), ("momentum", facts.MOMENTUM_DEFAULT),
        ("weightDecay", facts.WEIGHT_DECAY_DEFAULT), ("nesterovUpdate", facts.NESTEROV_DEFAULT),
        ("batchSize", facts.BATCH_SIZE_DEFAULT), ("numSubBatches", facts.NUM_SUB_BATCHES_DEFAULT))}
    rates = read["learningRate"] if isinstance(read["learningRate"], list) else [read["learningRate"]]
    nesterov, batch, subs = bool(read["nesterovUpdate"]), read["batchSize"], read["numSubBatches"]
    solver = opts.get("solver")
    if solver is not None and not (isinstance(solver, np.ndarray) and solver.size == 0):
        raise SpecError("net.meta.trainOpts.solver is set; parity emulates cnn_train's default SGD solver only "
                        f"({facts.SOLVER_DEFAULT.source}).", path=path)
    notes.append(f"trainOpts.batchSize {int(batch)} is replaced by the full batch of --samples: one cnn_train epoch "
                 "is one step, so epoch k's rate learningRate(min(k, end)) drives update k")
    if subs != 1:
        notes.append(f"trainOpts.numSubBatches {int(subs)}: parity computes the full batch at once")
    if "numEpochs" in opts:
        notes.append(f"trainOpts.numEpochs {opts['numEpochs']:g} is not used: --steps sets the number of updates")
    ignored = sorted(set(opts) - TRAIN_OPTS_READ)
    if ignored:
        notes.append(f"trainOpts fields not part of the update rule: {', '.join(ignored)}")
    hyper = {"learning_rate": rates[0], "learning_rate_per_epoch": _runs(rates), "momentum": read["momentum"],
             "weight_decay": read["weightDecay"], "nesterov": nesterov, "batch_size": "full batch",
             "declared_batch_size": int(batch), "version": version,
             "gradient_scale": "1/batchSize" if version == facts.BETA25 else "1/numWorkers (the loss is a mean)"}
    defaults = {names[k]: v for k, v in defaults.items() if names[k]}
    defaults["batch_size"] = "contract: a batch size fixed in a spec is replaced by the full batch of --samples"
    if version == facts.DEFAULT_VERSION.value:
        defaults["version"] = facts.DEFAULT_VERSION.source
    rule = ("g' = dzdw/N + λ·weightDecay(j)·w (λ = trainOpts.weightDecay); v ← μ·v − g'; "
            + ("w ← w + lr·learningRate(j)·(μ·v − g')" if nesterov else "w ← w + lr·learningRate(j)·v")
            + " (the rate enters at update time, so a new rate rescales the whole velocity)")
    schedule = {"policy": "per-epoch array", "learning_rate": rates, "rule": facts.EPOCH_RATE.value}
    return Optimizer("matconvnet.sgd", hyper, rule, defaults, schedule), notes


def _runs(rates):
    """[0.01 ×10, 0.001 ×10] as '0.01 ×10, 0.001 ×10 (the last repeats)'."""
    runs = []
    for rate in rates:
        if runs and runs[-1][0] == rate:
            runs[-1][1] += 1
        else:
            runs.append([rate, 1])
    text = ", ".join(f"{r:g}" + (f" ×{n}" if n > 1 else "") for r, n in runs)
    return text + (" (the last repeats)" if len(runs) > 1 or runs[0][1] > 1 else " (every epoch)")


def _version_loss(layer, version):
    vl = "vl_nnloss" if layer.attrs.get("matconvnet_type") == "loss" else "vl_nnsoftmaxloss"
    table = facts.LOSS_SUM if vl == "vl_nnloss" else facts.SOFTMAXLOSS_SUM
    layer.attrs["reduction"] = ("sum over pixels and images" if version == facts.BETA25
                                else "sum over pixels, mean over images")
    layer.attrs["objective"] = "cnn_train: loss summed over the batch / N (what parity reports)"
    layer.defaults["reduction"] = f"{vl}: {table[version].source}"
    layer.defaults["objective"] = facts.OBJECTIVE[version].source


def _locator(source):
    """Best-effort line of a layer struct in the file, by its name, else its type."""
    lines = source.splitlines()

    def locate(raw):
        if not isinstance(raw, MStruct):
            return None
        for key in ("name", "type"):
            value = raw.get(key)
            if isinstance(value, str):
                pattern = re.compile(rf"'{key}'\s*,\s*'{re.escape(value)}'")
                for number, line in enumerate(lines, start=1):
                    if pattern.search(line):
                        return number
        return None

    return locate
