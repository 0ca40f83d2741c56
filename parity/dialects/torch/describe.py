"""A PyTorch spec -> the neutral description, every torch default explicit and cited (frameworks/torch.py).

Layers come from one probe forward pass in forward order: the leaf modules as they are called, and the
functional ops written in `forward()` (F.relu, F.max_pool2d, torch.flatten, F.log_softmax) seen through
a torch function mode, so that `parity show` lists what the forward pass really does.
"""

import numpy as np

from ...description import Description, InputSpec, Layer, Loss, Optimizer, Param
from ...frameworks import torch as facts

ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "log_softmax": "softmax",
               "elu": "elu", "gelu": "gelu", "ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
               "Softmax": "softmax", "LogSoftmax": "softmax", "ELU": "elu", "GELU": "gelu"}
POOLS = {"max_pool2d": "MAX", "avg_pool2d": "AVE", "MaxPool2d": "MAX", "AvgPool2d": "AVE"}
FLATTENS = {"flatten", "view", "reshape", "Flatten"}
DROPOUTS = {"dropout", "Dropout", "Dropout2d", "dropout2d"}


def describe(parts, path, input_shape):
    import torch

    events = _probe(torch, parts["model"], input_shape)
    layers = [layer for layer in (_layer(torch, e, parts) for e in events) if layer is not None]
    shape = tuple(input_shape)
    return Description(
        dialect="pytorch", source=str(path), input_shape=shape, layers=layers, loss=_loss(parts["loss"]),
        optimizer=_optimizer(parts), input=InputSpec(blob="input", layout="chw" if len(shape) == 3 else "flat"),
        notes=[f"input shape from {parts.get('input_from', 'the spec')}"]
        + (["the spec's own step(model, optimizer, x, y) runs each update"] if parts.get("step") else [])
        + (["a bare module: plain SGD at --lr, CrossEntropyLoss"] if parts.get("bare") else []))


def _probe(torch, model, input_shape):
    """[(name, module or None, function name, args, kwargs, output shape)] in call order."""
    events, depth = [], [0]
    leaves = [(n, m) for n, m in model.named_modules() if not list(m.children())]

    def pre(module, args):
        depth[0] += 1

    def post(name):
        def hook(module, args, out):
            depth[0] -= 1
            events.append((name, module, type(module).__name__, args, {}, _shape(out)))
        return hook

    class Watch(torch.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            fname = getattr(func, "__name__", "")
            if depth[0] == 0 and fname in set(ACTIVATIONS) | set(POOLS) | FLATTENS | DROPOUTS:
                src = args[0] if args else None
                if fname not in ("view", "reshape") or (getattr(src, "dim", lambda: 0)() == 4 and out.dim() == 2):
                    events.append((None, None, fname, args, kwargs or {}, _shape(out)))
            return out

    handles = [m.register_forward_pre_hook(pre) for _, m in leaves]
    handles += [m.register_forward_hook(post(n)) for n, m in leaves]
    saved = {k: b.detach().clone() for k, b in model.named_buffers()}
    was = model.training
    try:
        dtype = next(model.parameters()).dtype
        with torch.no_grad(), Watch():
            model.train()
            model(torch.zeros((2,) + tuple(input_shape), dtype=dtype))
    finally:
        for h in handles:
            h.remove()
        with torch.no_grad():
            for k, b in model.named_buffers():
                b.copy_(saved[k])
        model.train(was)
    counts, named = {}, []
    for name, module, kind, args, kwargs, out in events:
        if name is None:
            counts[kind] = counts.get(kind, 0) + 1
            name = f"F.{kind}#{counts[kind]}"
        named.append((name, module, kind, args, kwargs, out))
    return named


def _shape(out):
    return tuple(int(d) for d in out.shape[1:]) if hasattr(out, "shape") else None


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _layer(torch, event, parts):
    name, module, kind, args, kwargs, out = event
    layer = None
    if kind == "Linear":
        layer = Layer(name, "dense", {"num_output": module.out_features, "bias_term": module.bias is not None,
                                      "activation": "linear", "flatten_order": facts.FLATTEN_ORDER.value},
                      defaults={"flatten_order": facts.FLATTEN_ORDER.source, "kernel_filler": facts.INIT.source})
        layer.attrs["kernel_filler"] = {"type": "kaiming_uniform(a=√5)"}
    elif kind == "Conv2d":
        pad = module.padding if isinstance(module.padding, str) else _pair(module.padding)
        layer = Layer(name, "conv2d", {"num_output": module.out_channels, "kernel": _pair(module.kernel_size),
                                       "stride": _pair(module.stride), "pad": pad, "dilation": _pair(module.dilation),
                                       "group": module.groups, "bias_term": module.bias is not None,
                                       "activation": "linear", "data_format": "channels_first"},
                      defaults={k: facts.CONV_DEFAULTS.source for k, v in (("stride", module.stride),
                                ("pad", module.padding)) if _pair(v) == _pair(facts.CONV_DEFAULTS.value[k.replace(
                                    "pad", "padding")])})
    elif kind in ("BatchNorm1d", "BatchNorm2d"):
        d = facts.BATCHNORM_DEFAULTS.value
        layer = Layer(name, "batchnorm", {
            "eps": module.eps, "momentum": module.momentum, "moving_average_fraction": 1.0 - (module.momentum or 0.0),
            "affine": module.affine, "track_running_stats": module.track_running_stats,
            "variance": "biased to normalise, unbiased in running_var"},
            defaults={k: facts.BATCHNORM_DEFAULTS.source for k in ("eps", "momentum")
                      if getattr(module, k) == d[k]})
        layer.defaults["variance"] = facts.BATCHNORM_VARIANCE.source
    elif kind in POOLS:
        layer = _pool(name, module, kind, args, kwargs)
    elif kind in ACTIVATIONS:
        layer = Layer(name, ACTIVATIONS[kind], {"log": True} if kind in ("log_softmax", "LogSoftmax") else {})
    elif kind in FLATTENS:
        layer = Layer(name, "flatten", {"order": facts.FLATTEN_ORDER.value},
                      defaults={"order": facts.FLATTEN_ORDER.source})
    elif kind in DROPOUTS:
        p = module.p if module is not None else kwargs.get("p", args[1] if len(args) > 1 else 0.5)
        layer = Layer(name, "dropout", {"ratio": p, "active": False})
    if layer is None:
        if module is None or not any(True for _ in module.parameters(recurse=False)):
            return None
        layer = Layer(name, kind)
    layer.output_shape = out
    if module is not None:
        layer.params = _params(module, parts, out)
        decay = _decays(module, parts["optimizer"]) if parts["optimizer"] is not None else {}
        if decay:
            layer.attrs["weight_decay"] = decay
    return layer


def _pool(name, module, kind, args, kwargs):
    if module is not None:
        kernel, stride, pad, ceil = module.kernel_size, module.stride, module.padding, module.ceil_mode
    else:
        def arg(i, key, default):
            return kwargs.get(key, args[i] if len(args) > i else default)
        kernel = arg(1, "kernel_size", None)
        stride = arg(2, "stride", None) or kernel
        pad, ceil = arg(3, "padding", 0), arg(5 if kind == "max_pool2d" else 4, "ceil_mode", False)
    layer = Layer(name, "pool2d", {"method": POOLS[kind], "kernel": _pair(kernel), "stride": _pair(stride),
                                   "pad": _pair(pad), "round_mode": "CEIL" if ceil else "FLOOR"})
    if not ceil:
        layer.defaults["round_mode"] = facts.POOL_DEFAULTS.source
    if _pair(stride) == _pair(kernel):
        layer.defaults["stride"] = facts.POOL_DEFAULTS.source
    return layer


def _params(module, parts, out):
    roles = facts.ROLES.get(type(module).__name__, {})
    params = []
    for pname, p in module.named_parameters(recurse=False):
        layout = facts.CONV_LAYOUT.value if p.dim() == 4 else facts.LINEAR_LAYOUT.value if p.dim() == 2 else ""
        params.append(Param(roles.get(pname, {"weight": "kernel"}.get(pname, pname)), tuple(p.shape), layout,
                            trainable=p.requires_grad))
    for bname, role in (("running_mean", "mean"), ("running_var", "variance")):
        b = getattr(module, bname, None)
        if b is not None:
            params.append(Param(role, tuple(b.shape), "", trainable=False))
    return params


def _decays(module, optimizer):
    """{role: λ} of the coupled weight decay each parameter gets from its optimizer group."""
    if _decoupled(optimizer):
        return {}
    roles = facts.ROLES.get(type(module).__name__, {})
    groups = {id(p): g for g in optimizer.param_groups for p in g["params"]}
    out = {}
    for pname, p in module.named_parameters(recurse=False):
        g = groups.get(id(p))
        if g is not None:
            out[roles.get(pname, pname)] = float(g.get("weight_decay", 0.0) or 0.0)
    return out


def _decoupled(optimizer):
    return type(optimizer).__name__ == "AdamW" or bool(optimizer.defaults.get("decoupled_weight_decay"))


def _optimizer(parts):
    opt, sched = parts["optimizer"], parts.get("scheduler")
    if opt is None:  # a bare module
        return Optimizer("torch.SGD", {"lr": "--lr", "momentum": 0.0}, facts.SGD_RULE.value,
                         {"lr": "contract: a bare module trains with plain SGD at --lr"})
    cls = type(opt).__name__
    own = facts.OPTIMIZER_DEFAULTS.get(cls)
    group = opt.param_groups[0]
    hyper, defaults = {}, {}
    for key, value in group.items():
        if key == "params" or key in ("foreach", "maximize", "capturable", "differentiable", "fused", "initial_lr"):
            continue
        hyper[key] = list(value) if isinstance(value, tuple) else value
        if own is not None and key in own.value and _same(value, own.value[key]):
            defaults[key] = own.source
    if len(opt.param_groups) > 1:
        hyper["param_groups"] = [{k: v for k, v in g.items() if k in ("lr", "weight_decay", "momentum")}
                                 | {"params": len(g["params"])} for g in opt.param_groups]
    rule = {"SGD": facts.SGD_RULE.value, "Adam": facts.ADAM_EPS.value, "AdamW": facts.ADAM_EPS.value}.get(cls, "")
    if any(g.get("weight_decay") for g in opt.param_groups):
        rule += "; " + (facts.DECOUPLED_DECAY.value if _decoupled(opt) else facts.COUPLED_DECAY.value)
    schedule = {}
    if sched is not None:
        scls = type(sched).__name__
        schedule = {"class_name": scls, "stepped": "once after every update (one full-batch step is one epoch)"}
        for key in ("step_size", "milestones", "gamma", "T_max", "eta_min"):
            if hasattr(sched, key):
                value = getattr(sched, key)
                schedule[key] = sorted(value.elements()) if hasattr(value, "elements") else value
        if scls in facts.SCHEDULER_DEFAULTS:
            for key, value in facts.SCHEDULER_DEFAULTS[scls].value.items():
                if schedule.get(key) == value:
                    defaults[f"schedule.{key}"] = facts.SCHEDULER_DEFAULTS[scls].source
        defaults["schedule.stepped"] = facts.SCHEDULER_STEP.source
    return Optimizer(f"torch.{cls}", hyper, rule, defaults, schedule)


def _loss(loss):
    cls = type(loss).__name__
    if cls in facts.LOSS_DEFAULTS:
        fact = facts.LOSS_DEFAULTS[cls]
        attrs = {k: getattr(loss, k) for k in fact.value}
        defaults = {k: fact.source for k, v in attrs.items() if v == fact.value[k]}
        if cls == "CrossEntropyLoss":
            attrs["from_logits"] = True  # the softmax is inside the loss
        return Loss(cls, attrs, defaults)
    return Loss(getattr(loss, "__name__", cls), {})


def _same(a, b):
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return bool(np.isclose(a, b, rtol=1e-12, atol=0))
    return a == b
