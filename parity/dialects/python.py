"""`.py[:NAME]` specs: a function or class called with no arguments that returns a compiled
keras.Model or an object following the Python adapter protocol. Running it is the user's choice.
"""

import functools
import importlib.util
import sys
import warnings

import numpy as np

from ..errors import SpecError
from ..frameworks.adapter import adapter_tensors, call, missing_methods, read_params
from .registry import loader
from .side import Side
from .spec_options import keyword_arguments


@loader(".py", options=True)
def load_python(path, name=None, options=None):
    name = name or "build"
    module = _import(path)
    factory = getattr(module, name, None)
    if factory is None or not callable(factory):
        raise SpecError(f"defines no callable {name!r}; a .py spec names a function or class "
                        f"(default `build`) with `file.py:NAME`.", path=path)
    kwargs = keyword_arguments(factory, name, options, path)
    if kwargs:
        factory = functools.partial(factory, **kwargs)
    obj, notes = _build(factory, path, name)
    notes += [f"{name}({key}={value!r}) (from the command line)" for key, value in kwargs.items()]
    preprocess = getattr(module, "preprocess", None)
    if preprocess is not None and not callable(preprocess):
        raise SpecError("`preprocess` must be a function preprocess(x) -> x.", path=path)
    from .torch.spec import is_torch_spec

    if is_torch_spec(obj):
        return _torch_side(path, obj, factory, name, preprocess)
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(obj, keras.Model):
        from .keras.side import keras_side

        return keras_side(path, obj, lambda dtype: _rebuild_keras(factory, path, name, dtype), notes, preprocess)
    missing = missing_methods(obj)
    if missing:
        raise SpecError(
            f"{name}() returned a {type(obj).__name__}, which is neither a compiled keras.Model nor a Python "
            f"adapter: it lacks {', '.join(missing)}. An adapter has input_shape, get_params(), set_params(), "
            f"loss(x, y), step(x, y, lr) and optionally grads(x, y) and layouts.", path=path)
    return _adapter_side(path, obj, lambda: _build(factory, path, name)[0], preprocess)


def _torch_side(path, obj, factory, name, preprocess):
    from .torch.side import torch_side
    from .torch.spec import read_parts

    side = torch_side(path, read_parts(obj, path, name), lambda: read_parts(_build(factory, path, name)[0], path, name),
                      preprocess)
    return _named(side, name, dict(factory.keywords) if isinstance(factory, functools.partial) else {})


def _named(side, name, kwargs):
    """The function and keyword arguments that built a PyTorch side: the processes of a data-parallel run
    (engines/torch_ddp.py) build the spec again from them."""
    side.handle.name, side.handle.kwargs = name, kwargs
    if side.rebind is not None:
        rebind = side.rebind
        side.rebind = lambda shape: _named(rebind(shape), name, kwargs)
    return side


def _import(path):
    module_name = f"parity_spec_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None:
        raise SpecError("cannot be imported as a Python module.", path=path)
    module = importlib.util.module_from_spec(spec)
    if _mentions_tensorflow(path):
        from .. import lazy

        lazy.tensorflow()
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)  # so a spec can import its neighbours
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        raise SpecError(f"is not valid Python: {err.msg}.", path=path, line=err.lineno, col=err.offset) from None
    except Exception as err:
        raise SpecError(f"raised {type(err).__name__} on import: {err}", path=path) from None
    finally:
        sys.path.remove(folder)
    return module


def _mentions_tensorflow(path):
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return False
    return "keras" in text or "tensorflow" in text


def _build(factory, path, name):
    from .keras.side import fresh_keras_names

    fresh_keras_names()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            obj = factory()
        except Exception as err:
            raise SpecError(f"{name}() raised {type(err).__name__}: {err}", path=path) from None
    notes = [f"{w.category.__name__}: {w.message}" for w in caught
             if "keras" in str(w.filename) or "optimizer" in str(w.message).lower()]
    return obj, notes


def _rebuild_keras(factory, path, name, dtype):
    """A fresh model from the spec's own code, built with Keras's float type set to `dtype`."""
    import keras

    # Keras caches its default dtype policy on first use: floatx alone would not reach the layers.
    before = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        return _build(factory, path, name)[0]
    finally:
        keras.config.set_floatx(before[0])
        keras.config.set_dtype_policy(before[1])


class AdapterObject:
    """The adapter engine's handle on a side: the object the spec built first, then a fresh one per engine."""

    def __init__(self, first, rebuild):
        self._first, self.rebuild = first, rebuild

    def instance(self):
        first, self._first = self._first, None
        return first if first is not None else self.rebuild()


def _adapter_side(path, first, rebuild, preprocess):
    params = read_params(call(first, "get_params", str(path)), "get_params()", str(path))
    input_shape = tuple(int(s) for s in first.input_shape)
    tensors = adapter_tensors(first, params, str(path))
    from .adapter_description import describe_adapter

    return Side(str(path), "python-adapter", describe_adapter(path, tensors, input_shape), input_shape,
                _num_classes(tensors), "adapter", preprocess, handle=AdapterObject(first, rebuild))


def _num_classes(tensors):
    last = [t for t in tensors if t.role in ("kernel", "bias")]
    if not last:
        return None
    t = last[-1]
    shape = np.empty(t.shape, np.uint8)
    from ..weights import to_canonical

    return int(to_canonical(shape, t.layout).shape[-1])
