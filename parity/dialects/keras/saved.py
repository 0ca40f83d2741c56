"""Saved Keras models: `.keras` archives, legacy `.h5` files and `.json` model configs.

Loaded with Keras's safe mode and after a scan of the config: a Lambda layer (arbitrary
Python) is refused before Keras sees the file, and nothing is unpickled.
"""

import contextvars
import json
import zipfile

from ...errors import SpecError, file_start
from ..registry import loader

UNSAFE_CLASSES = {"Lambda"}
# Set by the CLI's --trust-lambda for one command: Lambda layers are then loaded (Keras safe_mode off).
TRUST_LAMBDA = contextvars.ContextVar("parity_trust_lambda", default=False)


@loader(".keras", ".h5", ".json")
def load_saved(path):
    config = _read_config(path)
    unsafe = sorted(_classes(config) & UNSAFE_CLASSES)
    if unsafe and not TRUST_LAMBDA.get():
        raise SpecError(f"holds a {', '.join(unsafe)} layer, which would run arbitrary Python code on load; "
                        "parity refuses to deserialise it. Rebuild the model in a .py spec instead, or pass "
                        "--trust-lambda if you trust the file's author.", path=path)
    from .side import keras_side

    return keras_side(path, _load(path, config), lambda dtype: _load(path, config, dtype))


def _read_config(path):
    suffix = path.suffix.lower()
    try:
        if suffix == ".keras":
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("config.json"))
        if suffix == ".h5":
            import h5py

            with h5py.File(path, "r") as f:
                raw = f.attrs.get("model_config")
                if raw is None:
                    raise SpecError("is an HDF5 file without a Keras model_config attribute.", path=path)
                config = json.loads(raw if isinstance(raw, str) else raw.decode())
                training = f.attrs.get("training_config")
                if training is not None:
                    config["__training_config__"] = json.loads(
                        training if isinstance(training, str) else training.decode())
                return config
        return json.loads(path.read_text())
    except SpecError:
        raise
    except zipfile.BadZipFile:
        raise SpecError(f"is not a Keras archive: expected a zip file holding config.json, found "
                        f"{file_start(path)}.", path=path) from None
    except KeyError:
        raise SpecError("is not a Keras archive: expected a zip file holding config.json, found a zip file "
                        "without one.", path=path) from None
    except UnicodeDecodeError as err:
        raise SpecError(f"does not hold a readable Keras config: expected UTF-8 JSON text, found byte "
                        f"0x{err.object[err.start]:02x} at offset {err.start}.", path=path) from None
    except json.JSONDecodeError as err:
        at = dict(line=err.lineno, col=err.colno) if suffix == ".json" else {}  # a .keras's config.json: no position
        raise SpecError(f"does not hold a readable Keras config: expected JSON, found invalid JSON ({err.msg}).",
                        path=path, **at) from None
    except OSError as err:
        if suffix == ".h5" and path.is_file():  # h5py's OSError: the bytes are not HDF5
            raise SpecError(f"expected an HDF5 file (a Keras model saved as .h5), found {file_start(path)} "
                            f"({err}).", path=path) from None
        raise SpecError(f"cannot be read: {err}", path=path) from None




def _classes(node):
    found = set()
    if isinstance(node, dict):
        if isinstance(node.get("class_name"), str):
            found.add(node["class_name"])
        for value in node.values():
            found |= _classes(value)
    elif isinstance(node, list):
        for value in node:
            found |= _classes(value)
    return found


def _retyped(node, dtype):
    """The config with every float dtype (plain or DTypePolicy) replaced by `dtype`."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "dtype" and value in ("float32", "float64", "float16"):
                out[key] = dtype
            elif key == "dtype" and isinstance(value, dict) and value.get("class_name") == "DTypePolicy":
                out[key] = {**value, "config": {**value.get("config", {}), "name": dtype}}
            else:
                out[key] = _retyped(value, dtype)
        return out
    if isinstance(node, list):
        return [_retyped(v, dtype) for v in node]
    return node


def _load(path, config, dtype=None):
    """The saved model as it is (dtype None), or rebuilt from its config computing in `dtype`."""
    from ... import lazy

    lazy.tensorflow()
    import keras

    archive = path.suffix.lower() != ".json"
    from .side import fresh_keras_names

    fresh_keras_names()
    try:
        if archive and dtype is None:
            return _load_archive(path, config)
        model_config = {k: v for k, v in config.items() if k != "__training_config__"}
        if dtype is not None:
            model_config = _retyped(model_config, dtype)
        model = keras.saving.deserialize_keras_object(model_config, safe_mode=not TRUST_LAMBDA.get())
        if not archive:
            if not config.get("compile_config"):
                raise SpecError("holds a model config without a training config (no optimizer or loss); save "
                                "it with model.to_json() after model.compile(), or as a .keras file.", path=path)
            model.compile_from_config(config["compile_config"])
            return model
        original = _load_archive(path, config)
        model.set_weights(original.get_weights())
        optimizer = original.optimizer.__class__.from_config(original.optimizer.get_config())
        model.compile(optimizer=optimizer, loss=original.loss)
        return model
    except SpecError:
        raise
    except Exception as err:
        raise SpecError(f"cannot be loaded as a Keras model: {type(err).__name__}: {err}", path=path) from None


def _load_archive(path, config):
    import keras

    if path.suffix.lower() != ".h5":
        return keras.saving.load_model(path, safe_mode=not TRUST_LAMBDA.get(), compile=True)
    # Keras 3 cannot recompile a legacy .h5 whose loss was saved as a function name ("mse"):
    # rebuild the compile step from the file's own training_config.
    model = keras.saving.load_model(path, safe_mode=not TRUST_LAMBDA.get(), compile=False)
    training = config.get("__training_config__")
    if not training:
        raise SpecError("holds a model without a training config (no optimizer or loss); save it after "
                        "model.compile().", path=path)
    optimizer = keras.optimizers.deserialize(training["optimizer_config"])
    model.compile(optimizer=optimizer, loss=_loss_name(training.get("loss")))
    return model


def _loss_name(loss):
    """A saved loss: a plain name, or a serialised function / Loss object."""
    if isinstance(loss, dict) and loss.get("class_name") == "function":
        return loss["config"]
    if isinstance(loss, dict):
        import keras

        return keras.losses.deserialize(loss)
    return loss
