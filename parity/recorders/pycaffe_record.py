"""Record a real Caffe run (pycaffe) as a parity trace: Net and Solver step by step.

As a script, next to a Caffe build (needs caffe's python module, numpy and h5py; copy tracefile.py
beside it if parity is not installed there):

    python pycaffe_record.py solver.prototxt --out caffe.h5 --steps 10 \\
        --data samples.npz --samples 256 [--scale 0.00390625] [--start parity.h5] [--gpu 0]

then `parity record solver.prototxt --out parity.h5 --steps 10 --samples 256 --data samples.npz` and
`parity diff parity.h5 caffe.h5`. `--start parity.h5` copies step 0's weights of a parity trace of the
same net into Caffe first, so both start from exactly the same weights. For Input layers the script
feeds the first blob (data) with the samples (N, H, W, C -> N, C, H, W, times --scale) and the second
(labels); a Data layer reads its own source, which must then hold the same samples in the same order.

As a function, on any object with pycaffe's interface:

    record(solver, "caffe.h5", steps=10)

For each step k = 0..steps: zero every parameter diff, net.forward() and net.backward() — the
blobs' diffs are then d loss / d param at the current weights (Caffe's weight decay is the
solver's, applied in ApplyUpdate, so the loss blob and these diffs are the data term) — record
the weights (params' data), the diffs, the loss blob and, with activations, each layer's top blob;
then solver.step(1). After solver.step the params' diffs hold the solver's update, not the
gradient: that is why the gradient is taken by a forward/backward of its own at each step.

Layouts are Caffe's: InnerProduct weights (out, in) — 'out,in(c,h,w:C,H,W)' when fed by a 4-D blob,
whose flatten order is channel-major —, Convolution weights (out, in, h, w).
"""

import argparse
import sys

import numpy as np

try:  # inside parity, or copied next to tracefile.py
    from .tracefile import TraceWriter, read_start
except ImportError:  # pragma: no cover
    from tracefile import TraceWriter, read_start

def _layer_types(net):
    layers = getattr(net, "layer_dict", None) or {}
    return {name: getattr(layer, "type", "") for name, layer in layers.items()}


def describe(net):
    """The parameter tensors in forward order: layer, key, role, shape, layout."""
    types = _layer_types(net)
    bottoms = getattr(net, "bottom_names", None) or {}
    tensors = []
    for name, blobs in net.params.items():
        kind = types.get(name, "")
        for i, blob in enumerate(blobs):
            shape = tuple(int(s) for s in blob.data.shape)
            role = ("gamma", "beta")[i] if kind == "Scale" else ("kernel" if i == 0 and len(shape) >= 2 else "bias")
            layout = ""
            if role == "kernel" and len(shape) == 4:
                layout = "out,in,h,w"
            elif role == "kernel" and len(shape) == 2:
                layout = "out,in"
                source = (bottoms.get(name) or [None])[0]
                if source is not None and source in net.blobs:
                    fed = tuple(int(s) for s in net.blobs[source].data.shape[1:])
                    if len(fed) == 3 and int(np.prod(fed)) == shape[1]:
                        layout = f"out,in(c,h,w:{fed[0]},{fed[1]},{fed[2]})"
            tensors.append({"layer": name, "key": f"{name}/{i}", "role": role, "shape": shape, "layout": layout})
    return tensors


def _loss_blob(net, name=None):
    if name:
        return name
    outputs = list(getattr(net, "outputs", []) or [])
    for candidate in outputs + ["loss"]:
        if candidate in net.blobs and np.asarray(net.blobs[candidate].data).size == 1:
            return candidate
    raise ValueError("cannot tell the loss blob: pass loss_blob=")


def start_from(net, trace_path, label=None):
    """Copy step 0's weights of a parity trace of the same net into the Caffe net, by order."""
    values = read_start(trace_path, label)
    blobs = [b for bl in net.params.values() for b in bl]
    if len(values) != len(blobs):
        raise ValueError(f"{trace_path} holds {len(values)} tensors; the Caffe net has {len(blobs)}")
    for (key, _, value), blob in zip(values, blobs):
        if value.size != blob.data.size:
            raise ValueError(f"{key}: {value.shape} in the trace, {blob.data.shape} in Caffe")
        blob.data[...] = value.reshape(blob.data.shape)


def record(solver, path, steps, inputs=None, activations=False, loss_blob=None, spec=None, fingerprint=None,
           stored_input=None, lr=None):
    """Step `solver` `steps` times and write the trace. `inputs`: {blob name: array} copied into the
    net before every forward (Input layers); `lr`: the base learning rate, when known."""
    net = solver.net
    _feed(net, inputs)
    net.forward()  # shapes of every blob, for the layouts
    tensors = describe(net)
    loss_name = _loss_blob(net, loss_blob)
    meta = {"writer": "pycaffe", "steps": int(steps), "dtype": "float32", "numpy_version": np.__version__,
            "samples_count": _count(net, inputs), "data_fingerprint": fingerprint}
    writer = TraceWriter(path, writer="pycaffe", meta=meta)
    stored = stored_input if stored_input is not None else _stored(net, inputs)
    attrs = {"spec": spec or "pycaffe Solver", "dialect": "caffe", "framework": "caffe (pycaffe)", "dtype": "float32",
             "penalised": False, "separates_terms": True, "has_grads": True}
    if stored is not None:
        attrs["input_range"] = f"[{float(np.min(stored)):.4g}, {float(np.max(stored)):.4g}] (the data blob)"
    writer.add_side("A", tensors, attrs=attrs,
                    inputs=None if stored is None else np.asarray(stored, np.float64).reshape(len(stored), -1))
    blobs = [(f"{name}/{i}", b) for name, bl in net.params.items() for i, b in enumerate(bl)]
    tops = _tops(net) if activations else []
    try:
        for step in range(steps + 1):
            for _, b in blobs:
                b.diff[...] = 0
            _feed(net, inputs)
            net.forward()
            net.backward()
            weights = {k: np.array(b.data, copy=True) for k, b in blobs}
            grads = {k: np.array(b.diff, copy=True) for k, b in blobs}
            loss = float(np.asarray(net.blobs[loss_name].data).reshape(()))
            acts = [(name, _nhwc(np.array(net.blobs[name].data))) for name in tops] if tops else None
            writer.append("A", step, weights, grads={"data": grads}, loss={"data": loss}, lr=lr, activations=acts)
            writer.end_step()
            if step < steps:
                _feed(net, inputs)
                solver.step(1)
    except BaseException:
        writer.close(complete=False)
        raise
    writer.close(complete=True, final={"steps_run": int(steps), "solver_iter": int(getattr(solver, "iter", steps))})


def _feed(net, inputs):
    reshaped = False
    for name, value in (inputs or {}).items():
        blob = net.blobs[name]
        if tuple(blob.data.shape) != tuple(value.shape):
            blob.reshape(*value.shape)
            reshaped = True
        blob.data[...] = value
    if reshaped and hasattr(net, "reshape"):
        net.reshape()  # pycaffe: propagate a new batch size through the net


def _count(net, inputs):
    if inputs:
        return int(len(next(iter(inputs.values()))))
    first = next(iter(net.blobs.values()))
    return int(first.data.shape[0])


def _stored(net, inputs):
    """The data blob as samples are stored: (N, C, H, W) -> (N, H, W, C)."""
    name = next(iter(inputs)) if inputs else next(iter(net.blobs))
    x = np.asarray(net.blobs[name].data if not inputs else inputs[name])
    return x.transpose(0, 2, 3, 1) if x.ndim == 4 else x


def _nhwc(a):
    return a.transpose(0, 2, 3, 1) if a.ndim == 4 else a


def _tops(net):
    """The top blob of each layer that has parameters (a stage end), forward order."""
    tops = getattr(net, "top_names", None) or {}
    return [tops[name][0] for name in net.params if tops.get(name)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("solver")
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--data", help=".npz with x (N, H, W, C or N, D) and y, fed to Input layers")
    parser.add_argument("--samples", type=int)
    parser.add_argument("--scale", type=float, default=1 / 255.0, help="multiplies x (default 1/255)")
    parser.add_argument("--mean", type=float, default=0.0, help="subtracted from x before --scale")
    parser.add_argument("--start", help="a parity trace whose step 0 weights Caffe starts from")
    parser.add_argument("--lr", type=float, help="the solver's base_lr, recorded as each update's rate")
    parser.add_argument("--activations", action="store_true")
    parser.add_argument("--gpu", type=int)
    args = parser.parse_args(argv)
    import caffe

    if args.gpu is None:
        caffe.set_mode_cpu()
    else:
        caffe.set_device(args.gpu)
        caffe.set_mode_gpu()
    solver = caffe.get_solver(args.solver)
    inputs = stored = None
    if args.data:
        d = np.load(args.data)
        x, y = d["x"], d["y"]
        if args.samples:
            x, y = x[:args.samples], y[:args.samples]
        stored = (x.astype(np.float64) - args.mean) * args.scale
        if stored.ndim == 3:
            stored = stored[..., None]
        chw = stored.transpose(0, 3, 1, 2) if stored.ndim == 4 else stored
        names = list(solver.net.inputs) or list(solver.net.blobs)[:2]
        inputs = {names[0]: chw.astype(np.float32), names[1]: y.astype(np.float32)}
    if args.start:
        start_from(solver.net, args.start)
    record(solver, args.out, args.steps, inputs=inputs, activations=args.activations, spec=args.solver,
           stored_input=stored, lr=args.lr)
    print(f"recorded {args.steps} steps of {args.solver} to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
