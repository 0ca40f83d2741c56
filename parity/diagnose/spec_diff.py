"""Static comparison of two descriptions: what differs, and which cause it can produce."""


def differences(a, b):
    """Fields known on both sides that differ, as the contract's spec_differences entries."""
    out = []

    def add(field, layer_a, layer_b, va, vb, cause):
        out.append({"field": field, "layer_a": layer_a, "layer_b": layer_b, "a": va, "b": vb, "cause": cause})

    if tuple(a.input_shape) != tuple(b.input_shape):
        add("input_shape", None, None, list(a.input_shape), list(b.input_shape), None)
    known_a, known_b = a.dialect != "python-adapter", b.dialect != "python-adapter"
    layers_a = [layer for layer in a.layers if layer.params]
    layers_b = [layer for layer in b.layers if layer.params]
    if len(layers_a) != len(layers_b):
        add("parameterised layers", None, None, len(layers_a), len(layers_b), "architecture")
    if known_a and known_b:
        for la, lb in zip(layers_a, layers_b):
            for role in sorted(set(la.penalties) | set(lb.penalties)):
                pa, pb = la.penalties.get(role), lb.penalties.get(role)
                if (pa and pa.written) != (pb and pb.written):
                    add(f"{role}_regularizer", la.name, lb.name, pa.written if pa else None,
                        pb.written if pb else None, "weight-decay")
            for key in sorted(set(la.attrs) & set(lb.attrs)):
                if la.attrs[key] != lb.attrs[key]:
                    add(key, la.name, lb.name, la.attrs[key], lb.attrs[key],
                        "activation" if key == "activation" else "architecture")
        if a.loss and b.loss and a.loss.kind != b.loss.kind:
            add("loss", None, None, a.loss.kind, b.loss.kind, "loss-function")
        if a.optimizer and b.optimizer:
            if a.optimizer.kind != b.optimizer.kind:
                add("optimizer", None, None, a.optimizer.kind, b.optimizer.kind, "optimizer")
            for key in sorted(set(a.optimizer.hyper) | set(b.optimizer.hyper)):
                va, vb = a.optimizer.hyper.get(key), b.optimizer.hyper.get(key)
                if va != vb:
                    add(f"optimizer.{key}", None, None, va, vb,
                        "decoupled-decay" if key == "weight_decay" else "optimizer")
    return out
