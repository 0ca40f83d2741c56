"""Caffe's `.caffemodel`: a binary NetParameter, decoded from the protobuf wire format.

Field numbers from BVLC/caffe master 9b89154, src/caffe/proto/caffe.proto:
  NetParameter      layer = 100 (LayerParameter), layers = 2 (V1LayerParameter, deprecated)
  LayerParameter    name = 1, type = 2, blobs = 7
  V1LayerParameter  name = 4, type = 5 (enum LayerType), blobs = 6, layer = 1 (a nested V0LayerParameter)
  V0LayerParameter  name = 1, type = 2, blobs = 50
  BlobProto         shape = 7, data = 5, diff = 6, double_data = 8, double_diff = 9 (packed),
                    num = 1, channels = 2, height = 3, width = 4 (the deprecated 4-D shape)
  BlobShape         dim = 1 (packed int64)
Caffe itself copies blobs by layer name (net.cpp Net::CopyTrainedLayersFrom); so does parity.
"""

import math

import numpy as np

from ..dialects.caffe.proto_net import ENUMS
from .base import Checkpoint, CheckpointError, Entry, caffe_layout, reader
from .protowire import LEN, VARINT, WireError, fields, packed_or_single, packed_varints, text

NET_LAYER, NET_LAYERS = 100, 2
LAYER = {"name": 1, "type": 2, "blobs": 7}
V1 = {"name": 4, "type": 5, "blobs": 6, "v0": 1}
V0 = {"name": 1, "type": 2, "blobs": 50}
BLOB_SHAPE, BLOB_DATA, BLOB_DOUBLE, BLOB_LEGACY = 7, 5, 8, {1: "num", 2: "channels", 3: "height", 4: "width"}
SHAPE_DIM = 1
V1_TYPES = {number: name for name, number in ENUMS["V1LayerParameter.LayerType"].items()}
# The V1 enum names of the layers whose blobs parity compares, as the current type strings.
V1_AS_TYPE = {"CONVOLUTION": "Convolution", "INNER_PRODUCT": "InnerProduct", "DECONVOLUTION": "Deconvolution"}
ROLES = {"Convolution": ("kernel", "bias"), "InnerProduct": ("kernel", "bias"), "Deconvolution": ("kernel", "bias"),
         "Scale": ("gamma", "beta"), "Bias": ("bias",), "BatchNorm": ("state", "state", "state")}


@reader(".caffemodel", framework="caffe")
def read(path):
    with open(path, "rb") as f:
        buf = f.read()
    if not buf:
        raise CheckpointError("--weights: expected a Caffe .caffemodel (a binary NetParameter); found an empty file.",
                              path=path)
    if buf[:2] == b"\x80\x04" or buf[:2] == b"\x80\x02" or buf[:4] == b"PK\x03\x04":
        raise CheckpointError("--weights: expected a Caffe .caffemodel (a binary NetParameter); found a Python "
                              "pickle or zip archive (a PyTorch file?), which parity never unpickles.", path=path)
    if buf[:8] == b"\x89HDF\r\n\x1a\n":
        raise CheckpointError("--weights: expected a Caffe .caffemodel (a binary NetParameter); found an HDF5 file "
                              "(Caffe's HDF5 snapshot format, a Keras or a MATLAB v7.3 file): give it the suffix of "
                              "its format.", path=path)
    ckpt = Checkpoint(path, "caffe")
    try:
        for number, wire, value, offset in fields(buf):
            if number == NET_LAYER and wire == LEN:
                _layer(buf, value, LAYER, ckpt, offset)
            elif number == NET_LAYERS and wire == LEN:
                _layer(buf, value, V1, ckpt, offset)
    except WireError as err:
        raise CheckpointError(f"--weights: is not a readable Caffe .caffemodel: {err} at byte {err.offset}.",
                              path=path) from None
    if not ckpt.entries:
        raise CheckpointError("--weights: expected a Caffe .caffemodel with trained blobs; the file holds no layer "
                              "with blobs (a net prototxt, a solverstate, or not a Caffe file).", path=path)
    return ckpt


def _layer(buf, span, numbers, ckpt, at):
    name, kind, blobs = None, "", []
    for number, wire, value, offset in fields(buf, *span):
        if number == numbers["name"]:
            name = text(buf, wire, value, offset)
        elif number == numbers["type"]:
            kind = _type(buf, wire, value, offset, numbers)
        elif number == numbers["blobs"] and wire == LEN:
            blobs.append(_blob(buf, value, offset))
        elif numbers is V1 and number == V1["v0"] and wire == LEN:  # V1 `layers { layer { ... } }`
            _layer(buf, value, V0, ckpt, offset)
    if not blobs:
        return
    if name is None:
        raise WireError("a layer with blobs but no name (Caffe matches blobs by layer name)", at)
    if any(e.layer == name for e in ckpt.entries):
        raise WireError(f"two layers named {name!r} hold blobs", at)
    roles = ROLES.get(kind, ())
    for i, (array, legacy) in enumerate(blobs):
        role = roles[i] if i < len(roles) else None
        if legacy:  # a 4-D (num, channels, height, width) shape: Caffe's Blob::ShapeEquals (blob.cpp) accepts
            # it for a blob of fewer axes padded with leading 1s; keep the axes the layer's blob really has
            keep = 2 if (kind == "InnerProduct" and role == "kernel") else 1 if role in ("bias", "gamma", "beta") else 4
            while array.ndim > keep and array.shape[0] == 1:
                array = array.reshape(array.shape[1:])
        ckpt.entries.append(Entry(f"{name}/{i}", name, array, caffe_layout(array.ndim, kind) if role != "state" else "",
                                  role))


def _type(buf, wire, value, offset, numbers):
    if numbers is V1:  # an enum
        if wire != VARINT:
            raise WireError(f"a V1 layer type with wire type {wire}", offset)
        return V1_AS_TYPE.get(V1_TYPES.get(value, ""), V1_TYPES.get(value, str(value)))
    return text(buf, wire, value, offset)


def _blob(buf, span, at):
    dims, legacy, data, doubles = None, {}, [], []
    for number, wire, value, offset in fields(buf, *span):
        if number == BLOB_SHAPE and wire == LEN:
            dims = []
            for n, w, v, o in fields(buf, *value):
                if n == SHAPE_DIM:
                    dims += [_int64(d) for d in packed_varints(buf, w, v, o)]
        elif number == BLOB_DATA:
            data.append(packed_or_single(buf, wire, value, "<f4", offset))
        elif number == BLOB_DOUBLE:
            doubles.append(packed_or_single(buf, wire, value, "<f8", offset))
        elif number in BLOB_LEGACY and wire == VARINT:
            legacy[BLOB_LEGACY[number]] = _int64(value)
    legacy_shape = dims is None
    if dims is None:  # the deprecated 4-D shape; Caffe's Blob::FromProto reads it as (num, channels, height, width)
        dims = [legacy.get(k, 0) for k in ("num", "channels", "height", "width")] if legacy else []
    if any(d < 0 for d in dims):
        raise WireError(f"a blob with a negative dimension {dims}", at)
    values = np.concatenate(doubles) if doubles else (np.concatenate(data) if data else np.zeros(0, np.float32))
    count = math.prod(dims)  # a blob of no axes holds one value (blob.cpp Blob::Reshape: count_ starts at 1)
    if values.size != count:
        raise WireError(f"a blob of shape {dims} ({count} values) holds {values.size} values", at)
    return values.reshape(dims).copy(), legacy_shape


def _int64(v):
    return v - (1 << 64) if v >= 1 << 63 else v
