"""Keras's weight files, read with h5py (no Keras import, nothing deserialised but arrays and names).

- `.weights.h5` (Keras 3 `save_weights`): `layers/<path>/vars/<i>`, the group `vars` naming its layer in
  the attribute `name` (keras/src/saving/saving_lib.py H5IOStore.make); `<path>` is the snake-case class
  name made unique in model order (`dense`, `dense_1`: saving_lib._get_unique_name), so that order is
  the file's forward order within a class.
- `.keras` (Keras 3 `model.save`): a zip holding `model.weights.h5` in that format and `config.json`,
  whose `layers` list gives the forward order. The zip is read as data: no layer is rebuilt.
- `.h5` (Keras 2 / legacy_h5_format): `model_weights` (or the root, for `save_weights`) with the
  attribute `layer_names`, each layer's `weight_names` (`sequential/dense/kernel`) naming its datasets.
"""

import io
import json
import re
import zipfile

import numpy as np

from .base import Checkpoint, CheckpointError, Entry, keras_layout, reader

STATE_NAMES = ("moving_mean", "moving_variance", "seed_generator_state", "iterations")


@reader(".weights.h5", ".h5", framework="keras")
def read(path):
    h5py = _h5py()
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise CheckpointError(_not_hdf5(path, err), path=path) from None
    with f:
        if "layer_names" in f.attrs or ("model_weights" in f and "layer_names" in f["model_weights"].attrs):
            return _legacy(f, path)
        if "layers" in f:
            return _keras3(f, path, None)
    raise CheckpointError("--weights: is an HDF5 file but not a Keras weights file (no `layers` group as Keras 3's "
                          "save_weights writes, no `layer_names` as Keras 2's) and not a parity trace.", path=path)


@reader(".keras", framework="keras")
def read_keras(path):
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if "model.weights.h5" not in names:
                raise CheckpointError(f"--weights: the .keras archive holds no model.weights.h5 (it holds "
                                      f"{', '.join(names[:6]) or 'nothing'}).", path=path)
            weights = z.read("model.weights.h5")
            config = json.loads(z.read("config.json")) if "config.json" in names else None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise CheckpointError(f"--weights: expected a Keras .keras archive (a zip file); it cannot be read as one: "
                              f"{str(err)[:200]}.", path=path) from None
    h5py = _h5py()
    try:
        with h5py.File(io.BytesIO(weights), "r") as f:
            return _keras3(f, path, _config_order(config))
    except OSError as err:
        raise CheckpointError(f"--weights: the .keras archive's model.weights.h5 is corrupt ({str(err)[:200]}).",
                              path=path) from None


def _keras3(f, path, order):
    found = []  # (layer name, path, [arrays])
    def visit(name, obj):
        if name.endswith("/vars") and name.startswith("layers/") and len(obj):
            arrays = [np.asarray(obj[str(i)][()]) for i in range(len(obj)) if str(i) in obj]
            layer = obj.attrs.get("name", name.rsplit("/", 2)[-2])
            found.append((layer.decode() if isinstance(layer, bytes) else str(layer), name, arrays))
    try:
        f.visititems(visit)
    except (OSError, KeyError, ValueError) as err:
        raise CheckpointError(f"--weights: the Keras weights file is truncated or corrupt ({str(err)[:200]}).",
                              path=path) from None
    if order:
        rank = {n: i for i, n in enumerate(order)}
        found.sort(key=lambda t: rank.get(t[0], len(rank)))
    else:
        found.sort(key=lambda t: _natural(t[1]))
    ckpt = Checkpoint(path, "keras", by_order=True)
    for layer, _, arrays in found:
        for i, a in enumerate(arrays):
            role = "kernel" if a.ndim >= 2 else ("bias" if i == 1 and arrays[0].ndim >= 2 else None)
            ckpt.entries.append(Entry(f"{layer}/{i}", layer, a, keras_layout(a.ndim) if a.ndim >= 2 else "", role))
    if not ckpt.entries:
        raise CheckpointError("--weights: the Keras weights file holds no layer weights.", path=path)
    return ckpt


def _legacy(f, path):
    root = f["model_weights"] if "model_weights" in f else f
    ckpt = Checkpoint(path, "keras", by_order=True)
    try:
        for layer in _strings(root.attrs["layer_names"]):
            group = root[layer]
            for weight in _strings(group.attrs.get("weight_names", [])):
                a = np.asarray(group[weight][()])
                last = weight.rsplit("/", 1)[-1].split(":")[0]
                role = "state" if last in STATE_NAMES else last if last in ("kernel", "bias", "gamma", "beta") else None
                ckpt.entries.append(Entry(weight, layer, a, keras_layout(a.ndim) if a.ndim >= 2 else "", role))
    except (KeyError, OSError, ValueError) as err:
        raise CheckpointError(f"--weights: the Keras .h5 file is truncated or corrupt: a layer or weight it lists is "
                              f"missing ({str(err)[:200]}).", path=path) from None
    if not ckpt.entries:
        raise CheckpointError("--weights: the Keras .h5 file holds no layer weights.", path=path)
    return ckpt


def _config_order(config):
    try:
        return [layer["config"]["name"] for layer in config["config"]["layers"]]
    except (KeyError, TypeError):
        return None


def _strings(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values).ravel()]


def _natural(text):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _not_hdf5(path, err):
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        return "--weights: expected a Keras weights file (HDF5); found an empty file."
    if head != b"\x89HDF\r\n\x1a\n":
        return "--weights: expected a Keras weights file (HDF5); the file does not start with the HDF5 signature."
    return f"--weights: the HDF5 file is truncated or corrupt ({str(err)[:200]})."


def _h5py():
    import h5py

    return h5py
