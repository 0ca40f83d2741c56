"""Writers of the frameworks' checkpoint formats, for tests: a `.caffemodel` encoder (protobuf wire format,
field numbers of caffe.proto as parity/checkpoints/caffemodel.py lists them) and a MATLAB v7.3 `.mat`
writer (HDF5 in MATLAB's layout). v5/v7 `.mat` files come from scipy.io.savemat, Keras and PyTorch
files from Keras and torch themselves.
"""

import struct

import numpy as np


def varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number, wire):
    return varint(number << 3 | wire)


def length_delimited(number, payload):
    return key(number, 2) + varint(len(payload)) + payload


def blob(array, packed=True, legacy=False, double=False):
    """A BlobProto: shape (7) with packed dims, or the legacy num/channels/height/width (1-4); data (5) or
    double_data (8), packed or one field per value."""
    a = np.asarray(array)
    out = b""
    if legacy:
        dims = (1,) * (4 - a.ndim) + tuple(a.shape)
        for number, d in zip((1, 2, 3, 4), dims):
            out += key(number, 0) + varint(d)
    else:
        out += length_delimited(7, length_delimited(1, b"".join(varint(d) for d in a.shape)))
    number, fmt, dtype = (8, "<d", "<f8") if double else (5, "<f", "<f4")
    flat = a.astype(dtype).ravel()
    if packed:
        out += length_delimited(number, flat.tobytes())
    else:
        wire = 1 if double else 5
        out += b"".join(key(number, wire) + struct.pack(fmt, float(v)) for v in flat)
    return out


def layer(name, kind, blobs, **options):
    """A LayerParameter (NetParameter.layer = 100): name 1, type 2, blobs 7."""
    payload = length_delimited(1, name.encode()) + length_delimited(2, kind.encode())
    payload += b"".join(length_delimited(7, blob(b, **options)) for b in blobs)
    return length_delimited(100, payload)


def v1_layer(name, type_number, blobs, **options):
    """A V1LayerParameter (NetParameter.layers = 2): name 4, type 5 (enum), blobs 6."""
    payload = length_delimited(4, name.encode()) + key(5, 0) + varint(type_number)
    payload += b"".join(length_delimited(6, blob(b, **options)) for b in blobs)
    return length_delimited(2, payload)


def caffemodel(path, layers, name="net", v1=False, **options):
    """Write {layer name: (Caffe type, [blob arrays])} as a binary NetParameter."""
    types = {"Convolution": 4, "InnerProduct": 14}
    out = length_delimited(1, name.encode())
    for layer_name, (kind, blobs) in layers.items():
        out += v1_layer(layer_name, types[kind], blobs, **options) if v1 else layer(layer_name, kind, blobs, **options)
    with open(path, "wb") as f:
        f.write(out)
    return path


def caffemodel_from_trajectory(path, ref, net_layers, step=0, **options):
    """A .caffemodel of a reference trajectory's step: every `w/STEP/LAYER/I` blob, by layer, with its type."""
    blobs = {}
    for k in ref.files:
        parts = k.split("/")
        if parts[0] == "w" and parts[1] == str(step):
            blobs.setdefault(parts[2], []).append((int(parts[3]), ref[k]))
    layers = {name: (net_layers.get(name, "Convolution"), [a for _, a in sorted(items)])
              for name, items in blobs.items()}
    return caffemodel(path, layers, **options)


# --- MATLAB v7.3 ------------------------------------------------------------------------------------------
def mat73(path, layers):
    """A v7.3 MAT-file holding a simplenn `net`: layers [(name, type, [weights])] (MATLAB's own layout:
    a 512-byte user block, variables as HDF5 objects, arrays column-major, cells as object references)."""
    import h5py

    with h5py.File(path, "w", userblock_size=512) as f:
        refs = f.create_group("#refs#")
        net = f.create_group("net")
        net.attrs["MATLAB_class"] = np.bytes_("struct")
        cell_refs = []
        for i, (name, kind, weights) in enumerate(layers):
            g = refs.create_group(f"layer{i}")
            g.attrs["MATLAB_class"] = np.bytes_("struct")
            _char(g, "name", name)
            _char(g, "type", kind)
            wrefs = []
            for j, w in enumerate(weights):
                w = np.asarray(w, np.float32)
                if w.ndim == 1:
                    w = w.reshape(1, -1)  # MATLAB's 1×K
                ds = refs.create_dataset(f"w{i}_{j}", data=w.T)
                ds.attrs["MATLAB_class"] = np.bytes_("single")
                wrefs.append(ds.ref)
            cell = g.create_dataset("weights", data=np.array(wrefs, dtype=h5py.ref_dtype).reshape(-1, 1))
            cell.attrs["MATLAB_class"] = np.bytes_("cell")
            cell_refs.append(g.ref)
        cell = net.create_dataset("layers", data=np.array(cell_refs, dtype=h5py.ref_dtype).reshape(-1, 1))
        cell.attrs["MATLAB_class"] = np.bytes_("cell")
    with open(path, "r+b") as fh:  # MATLAB's text header in the user block
        fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Nov 30 00:00:00 2026 HDF5 schema 1.00 .")
    return path


def _char(group, name, text):
    ds = group.create_dataset(name, data=np.array([ord(c) for c in text], np.uint16).reshape(-1, 1))
    ds.attrs["MATLAB_class"] = np.bytes_("char")


def mat_v5(path, layers, compress=True):
    """A v5 (compress=False) or v7 (compressed) MAT-file of a simplenn `net`, through scipy.io.savemat."""
    import scipy.io

    cells = np.empty((1, len(layers)), dtype=object)
    for i, (name, kind, weights) in enumerate(layers):
        ws = np.empty((1, len(weights)), dtype=object)
        for j, w in enumerate(weights):
            w = np.asarray(w, np.float32)
            ws[0, j] = w.reshape(1, -1) if w.ndim == 1 else w
        cells[0, i] = {"name": name, "type": kind, "weights": ws}
    scipy.io.savemat(path, {"net": {"layers": cells}}, do_compression=compress)
    return path
