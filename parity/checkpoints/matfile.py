"""MatConvNet's `.mat`: the simplenn `net` struct that cnn_train saves (`save(modelPath(epoch), 'net', 'state',
'stats')`, matconvnet/examples/cnn_train.m), its parameters in `net.layers{i}.weights`.

MAT v5/v7 files are decoded by mat5.py, v7.3 files (HDF5 inside) read by h5py; neither runs code
(a MATLAB object or function handle in the file is data that parity ignores). MATLAB has no 1-D
arrays and drops trailing singleton dimensions: biases come back as 1×K (made 1-D here), and a
filter bank with one output as H×W×C (made H×W×C×1). Layouts are MatConvNet's: filters
H×W×(C/G)×K (vl_nnconv.m), a `bnorm` layer's {multipliers, biases, moments (K×2)} (vl_nnbnorm.m).
Unnamed layers take vl_simplenn_tidy's names, `layer%d`.
"""

import numpy as np

from .base import Checkpoint, CheckpointError, Entry, reader

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ROLES = {"conv": ("kernel", "bias"), "convt": (None, "bias"), "bnorm": ("gamma", "beta", "state")}


@reader(".mat", framework="matconvnet")
def read(path):
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head:
        raise CheckpointError("--weights: expected a MatConvNet .mat file (the `net` cnn_train saves); found an "
                              "empty file.", path=path)
    if HDF5_SIGNATURE in (head[:8], head[512:520]):
        layers = _v73_layers(path)
    elif head[:10] == b"MATLAB 5.0" or head[:6] == b"MATLAB":
        layers = _v5_layers(path)
    else:
        raise CheckpointError("--weights: expected a MatConvNet .mat file (a MATLAB v5/v7 or v7.3 MAT-file); the "
                              "file has no MAT-file header.", path=path)
    ckpt = Checkpoint(path, "matconvnet")
    for index, (name, kind, weights) in enumerate(layers, start=1):
        name = name or f"layer{index}"
        roles = ROLES.get(kind, ())
        for j, w in enumerate(weights):
            role = roles[j] if j < len(roles) else None
            if not isinstance(w, np.ndarray) or not np.issubdtype(w.dtype, np.number):
                raise CheckpointError(f"--weights: net.layers{{{index}}}.weights{{{j + 1}}} ({name}) is not a numeric "
                                      f"array (found {type(w).__name__}).", path=path)
            if role in ("bias", "gamma", "beta"):
                w = w.reshape(-1)
            elif role == "kernel" and w.ndim < 4:
                w = w.reshape(w.shape + (1,) * (4 - w.ndim))
            layout = "h,w,in,out" if role == "kernel" else ""
            ckpt.entries.append(Entry(f"{name}/{j + 1}", name, w, layout, role))
    if not ckpt.entries:
        raise CheckpointError("--weights: the .mat file's net has no layer with weights.", path=path)
    return ckpt


def _v5_layers(path):
    from .mat5 import MatError, MatStruct, variables

    with open(path, "rb") as f:
        buf = f.read()
    try:
        contents = variables(buf)
    except MatError as err:
        raise CheckpointError(f"--weights: cannot read the MAT-file: {err}.", path=path) from None
    net = _net_variable(contents, path, lambda v: isinstance(v, MatStruct) and "layers" in v)
    cells = net["layers"]
    if not isinstance(cells, np.ndarray) or cells.dtype != object:
        raise CheckpointError("--weights: net.layers is not a cell array of layer structs (a DagNN net? parity reads "
                              "simplenn nets).", path=path)
    out = []
    for index, layer in enumerate(cells.ravel(order="F"), start=1):
        if not isinstance(layer, MatStruct):
            raise CheckpointError(f"--weights: net.layers{{{index}}} is not a layer struct.", path=path)
        weights = layer.get("weights")
        if weights is None and "filters" in layer:  # MatConvNet before beta-? : `filters` and `biases` fields
            weights = [layer["filters"], layer.get("biases", np.zeros((0,)))]
        if isinstance(weights, np.ndarray) and weights.dtype == object:
            weights = list(weights.ravel(order="F"))
        elif weights is None or (isinstance(weights, np.ndarray) and weights.size == 0):
            weights = []
        else:
            raise CheckpointError(f"--weights: net.layers{{{index}}}.weights is not a cell array.", path=path)
        name, kind = layer.get("name"), layer.get("type")
        out.append((name if isinstance(name, str) else None, kind if isinstance(kind, str) else None, weights))
    return out


def _net_variable(variables, path, is_net):
    if "net" in variables:
        if not is_net(variables["net"]):
            raise CheckpointError("--weights: the .mat file's `net` is not a simplenn net (a struct with a cell "
                                  "`layers`).", path=path)
        return variables["net"]
    nets = [v for v in variables.values() if is_net(v)]
    if len(nets) != 1:
        raise CheckpointError(f"--weights: expected a MatConvNet .mat file holding a variable `net` (as cnn_train "
                              f"saves it); found the variables {sorted(variables) or 'none'}.", path=path)
    return nets[0]


def _v73_layers(path):
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise CheckpointError(f"--weights: cannot read the MAT v7.3 (HDF5) file: it is truncated or corrupt "
                              f"({str(err)[:200]}).", path=path) from None
    with f:
        try:
            net = _net_variable({k: f[k] for k in f if not k.startswith("#")}, path,
                                lambda v: isinstance(v, h5py.Group) and "layers" in v)
            cells = net["layers"]
            out = []
            for ref in np.asarray(cells[()]).ravel():  # stored transposed: (L, 1) for MATLAB's 1×L
                layer = f[ref]
                if not isinstance(layer, h5py.Group):
                    raise CheckpointError("--weights: net.layers holds something that is not a layer struct.",
                                          path=path)
                weights = []
                if "weights" in layer:
                    weights = [_h5_array(f[r]) for r in np.asarray(layer["weights"][()]).ravel()]
                out.append((_h5_text(layer.get("name")), _h5_text(layer.get("type")), weights))
            return out
        except (KeyError, ValueError, TypeError, OSError) as err:
            raise CheckpointError(f"--weights: the MAT v7.3 file is not a simplenn net as cnn_train saves it "
                                  f"({type(err).__name__}: {str(err)[:200]}).", path=path) from None


def _h5_array(ds):
    """A MATLAB array from its HDF5 dataset: MATLAB writes column-major, so the axes come back reversed."""
    if ds.attrs.get("MATLAB_empty"):
        return np.zeros((0,), np.float32)
    return np.asarray(ds[()]).T


def _h5_text(ds):
    if ds is None or ds.attrs.get("MATLAB_class", b"") not in (b"char", "char"):
        return None
    return "".join(map(chr, np.asarray(ds[()]).T.ravel()))
