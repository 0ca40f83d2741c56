"""Each side's training and layers in one neutral view, whatever the dialect, so that two specs
can be compared field by field: optimizer, rates, schedule, decay, multipliers, init, input, loss."""

from ..frameworks import keras as keras_facts

SHAPING = ("conv2d", "pool2d", "dense")
MOMENTUM_INSIDE = "lr inside the velocity (v ← μv − lr·g; w ← w + v): a new rate scales new gradients only"
MOMENTUM_AT_UPDATE = "lr at update time (v ← μv − g; w ← w + lr·v): a new rate rescales the whole velocity"


def known(desc):
    return desc.dialect != "python-adapter"


def training(desc):
    """{field: value} of what shapes the updates; None where the dialect cannot say."""
    opt = desc.optimizer
    if opt is None:
        return {}
    if opt.kind.startswith("caffe."):
        kind = opt.kind.split(".", 1)[1].lower()
        sched = opt.schedule or {}
        policy = sched.get("lr_policy", "fixed")
        view = {"optimizer": kind, "learning_rate": sched.get("base_lr"),
                "schedule": "constant" if policy == "fixed" else _caffe_schedule(sched),
                "weight_decay": f"coupled, λ = {opt.hyper.get('weight_decay', 0.0):g} × decay_mult "
                                f"({opt.hyper.get('regularization_type', 'L2')}, in the solver)"}
        if kind in ("sgd", "nesterov"):
            view["momentum"] = opt.hyper.get("momentum", 0.0)
            view["momentum_rule"] = MOMENTUM_INSIDE
        return view
    if opt.kind.startswith("matconvnet."):
        rates = (opt.schedule or {}).get("learning_rate") or [opt.hyper.get("learning_rate")]
        constant = len(set(rates)) <= 1
        return {"optimizer": "nesterov" if opt.hyper.get("nesterov") else "sgd",
                "learning_rate": rates[0],
                "schedule": "constant" if constant else f"per epoch: {opt.hyper.get('learning_rate_per_epoch')}",
                "momentum": opt.hyper.get("momentum", 0.0),
                "momentum_rule": MOMENTUM_AT_UPDATE,
                "weight_decay": f"coupled, λ = {opt.hyper.get('weight_decay', 0.0):g} × weightDecay (in cnn_train)"}
    if desc.dialect == "keras":
        hyper = opt.hyper
        kind = opt.kind.split(".")[-1].lower()  # keras.SGD -> sgd
        lr = hyper.get("learning_rate")
        view = {"optimizer": "nesterov" if hyper.get("nesterov") else kind,
                "learning_rate": lr if isinstance(lr, (int, float)) else str(lr),
                "schedule": "constant" if isinstance(lr, (int, float)) else str(lr)}
        if kind == "sgd":
            view["momentum"] = hyper.get("momentum", 0.0)
            view["momentum_rule"] = MOMENTUM_INSIDE
        wd = hyper.get("weight_decay")
        penalties = desc.penalties()
        view["weight_decay"] = (f"decoupled, λ = {wd:g} ({keras_facts.WEIGHT_DECAY_RULE.value})" if wd else
                                "coupled, in the loss: " + (", ".join(
                                    f"{layer}.{role} {p.written}" for (layer, role), p in penalties.items())
                                    if penalties else "none"))
        view["constants"] = _keras_constants(kind, hyper)
        return view
    if desc.dialect == "pytorch":
        return _torch_training(desc)
    return {}


def _keras_constants(kind, hyper):
    """The constants of an adaptive rule by Keras's names; Adam's ε with where it is added (keras adam.py:135)."""
    keys = {"adam": ("beta_1", "beta_2"), "adamw": ("beta_1", "beta_2"), "rmsprop": ("rho", "centered"),
            "adadelta": ("rho",)}.get(kind)
    if keys is None:
        return {}
    out = {k: hyper.get(k) for k in keys}
    eps = hyper.get("epsilon")
    out["epsilon"] = f"{eps:g} added to √v" if kind.startswith("adam") else eps
    return out


def _torch_training(desc):
    """torch.optim.<Class> in the same terms; frameworks/torch.py has the rules and their sources."""
    opt = desc.optimizer
    hyper, kind = opt.hyper, opt.kind.split(".")[-1].lower()
    lr = hyper.get("lr")
    sched = opt.schedule or {}
    view = {"optimizer": "nesterov" if hyper.get("nesterov") else kind, "learning_rate": lr,
            "schedule": "constant" if not sched else ", ".join(f"{k}={v}" for k, v in sched.items() if k != "stepped")}
    if kind == "sgd":
        view["momentum"] = hyper.get("momentum", 0.0)
        view["momentum_rule"] = MOMENTUM_AT_UPDATE
    decayed = [(layer.name, role, lam) for layer in desc.layers
               for role, lam in (layer.attrs.get("weight_decay") or {}).items() if lam]
    wd = hyper.get("weight_decay") or 0.0
    if kind == "adamw" or hyper.get("decoupled_weight_decay"):
        view["weight_decay"] = f"decoupled, λ = {wd:g} (torch: w ← w·(1 − lr·λ) before the Adam step)"
    else:
        view["weight_decay"] = ("coupled, in the optimizer (g ← g + λ·w): " + ", ".join(
            f"{layer}.{role} λ = {lam:g}" for layer, role, lam in decayed)) if decayed else "none"
    if kind in ("adam", "adamw"):
        betas = hyper.get("betas") or (None, None)
        view["constants"] = {"beta_1": betas[0], "beta_2": betas[1], "epsilon": f"{hyper.get('eps'):g} added to √v̂"}
    elif kind == "rmsprop":
        view["constants"] = {"rho": hyper.get("alpha"), "centered": hyper.get("centered"), "epsilon": hyper.get("eps")}
    elif kind == "adadelta":
        view["constants"] = {"rho": hyper.get("rho"), "epsilon": hyper.get("eps")}
    else:
        view["constants"] = {}
    return view


def _caffe_schedule(s):
    keys = {"step": ("gamma", "stepsize"), "exp": ("gamma",), "inv": ("gamma", "power"),
            "multistep": ("gamma", "stepvalue"), "poly": ("power", "max_iter"), "sigmoid": ("gamma", "stepsize")}
    args = ", ".join(f"{k}={s.get(k)}" for k in keys.get(s.get("lr_policy"), ()))
    return f"{s.get('lr_policy')}({args})"


def parameters(desc):
    """Per parameterised layer, per role: (layer name, role, lr multiplier, decay gradient factor, init)."""
    out = []
    for layer in desc.layers:
        trainable = [p for p in layer.params if p.trainable]
        if not trainable:
            continue
        rows = []
        for p in trainable:
            if desc.dialect == "keras":
                pen = layer.penalties.get(p.role)
                decay = pen.gradient_factor if pen is not None and pen.kind == "l2" else 0.0
            elif desc.dialect == "pytorch":
                decay = (layer.attrs.get("weight_decay") or {}).get(p.role)  # coupled, from the optimizer group
            elif desc.optimizer is not None and desc.optimizer.kind.startswith(("caffe.", "matconvnet.")):
                decay = float(desc.optimizer.hyper.get("weight_decay") or 0.0) * p.decay_mult
            else:
                decay = None
            rows.append((layer.name, p.role, p.lr_mult, decay, _init(p.filler)))
        out.append(rows)
    return out


def _init(filler):
    if not filler:
        return None
    kind = str(filler.get("type"))
    names = {"GlorotUniform": "glorot_uniform (U±√(6/(fan_in+fan_out)))", "Zeros": "zeros",
             "constant": f"constant {filler.get('value', 0.0):g}"}
    if kind == "xavier":
        norm = filler.get("variance_norm", "FAN_IN")
        return ("xavier (U±√(3/fan_in), LeCun-uniform)" if norm == "FAN_IN" else f"xavier ({norm})")
    if kind == "constant" and float(filler.get("value", 0.0)) == 0.0:
        return "zeros"
    return names.get(kind, kind)


def shapes(desc):
    """(layer, kind, canonical per-sample output shape (h, w, c) or (n,)) of the shape-changing layers."""
    out = []
    for layer in desc.layers:
        if layer.kind in SHAPING and layer.output_shape is not None:
            shape = tuple(layer.output_shape)
            if desc.input.layout == "chw" and len(shape) == 3:
                shape = (shape[1], shape[2], shape[0])
            out.append((layer, shape))
    return out


def loss(desc):
    if desc.loss is None:
        return None
    named = _loss_kind(desc)
    # a smoothed target is another objective (PyTorch CrossEntropyLoss and Keras's cross-entropies take it)
    smoothing = desc.loss.attrs.get("label_smoothing")
    return f"{named}, label smoothing {smoothing:g}" if named and smoothing else named


def _loss_kind(desc):
    kind = desc.loss.kind
    if kind in ("CrossEntropyLoss", "NLLLoss"):  # NLLLoss: after the log_softmax the description shows
        reduction = desc.loss.attrs.get("reduction", "mean")
        return "softmax cross-entropy, " + ("mean over the batch" if reduction == "mean" else f"{reduction} over "
                                                                                             "the batch")
    if kind == "MSELoss":
        return "squared error, mean over outputs and batch"
    if kind in ("softmax_loss", "categorical_crossentropy", "sparse_categorical_crossentropy",
                "CategoricalCrossentropy", "SparseCategoricalCrossentropy"):
        return "softmax cross-entropy, mean over the batch"
    if kind in ("mean_squared_error",):
        return "squared error, mean over outputs and batch"
    if kind == "euclidean_loss":
        return "squared error, Σ/(2N)"
    return kind


def input_transform(desc):
    t = desc.input.transform
    if t is not None:
        return f"scale {t['scale']:g}, mean {t['mean']:g} (the Data layer's transform_param)"
    return "8-bit pixels scaled to [0, 1] (parity's default for every non-Caffe-Data side)"


NONLINEAR = {"relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "softplus", "exponential"}


def activations(desc):
    """Per parameterised layer: (layer name, the nonlinearity applied before the next one)."""
    out = []
    for layer in desc.layers:
        if any(p.trainable for p in layer.params) and layer.kind in ("conv2d", "dense"):
            act = layer.attrs.get("activation", "linear")
            out.append([layer.name, "linear" if act in (None, "linear") else act])
        elif out and layer.kind in NONLINEAR and out[-1][1] == "linear":
            slope = layer.attrs.get("negative_slope", 0.0)
            out[-1][1] = f"leaky relu ({slope:g})" if layer.kind == "relu" and slope else layer.kind
    return out


def batchnorms(desc):
    """(layer name, eps) of each batch normalisation, in forward order."""
    return [(layer.name, layer.attrs.get("eps")) for layer in desc.layers if layer.kind == "batchnorm"]
