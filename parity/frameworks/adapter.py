"""The contract's Python adapter protocol: what an adapter must have, and how parity reads its parameters
into tensors. The python dialect describes an adapter with it; the adapter engine runs one with it."""

import numpy as np

from ..description import Tensor
from ..errors import SpecError
from ..weights import infer_layouts

REQUIRED = ("input_shape", "get_params", "set_params", "loss", "step")


def missing_methods(obj):
    return [name for name in REQUIRED if not hasattr(obj, name)]


def call(obj, name, source, *args):
    """The adapter's own method; whatever it raises is the spec's error, named with the method."""
    try:
        return getattr(obj, name)(*args)
    except Exception as err:
        raise SpecError(f"the adapter's {name}() raised {type(err).__name__}: {err}", path=source) from None


def read_params(value, what, source):
    """{name: float array} from get_params() (or grads()), checked."""
    if not isinstance(value, dict) or not value:
        raise SpecError(f"the adapter's {what} must return a non-empty dict of name -> array; "
                        f"received {type(value).__name__}.", path=source)
    out = {}
    for key, arr in value.items():
        arr = np.asarray(arr)
        if not np.issubdtype(arr.dtype, np.floating):
            raise SpecError(f"the adapter's {what}[{key!r}] must be a float array; received dtype {arr.dtype}.",
                            path=source)
        out[str(key)] = arr
    return out


def adapter_tensors(obj, params, source):
    """The adapter's tensors in get_params() order, with layouts declared in `layouts` or inferred."""
    input_shape = tuple(int(s) for s in obj.input_shape)
    declared = dict(getattr(obj, "layouts", None) or {})
    unknown = sorted(set(declared) - set(params))
    if unknown:
        raise SpecError(f"layouts names {unknown}, which get_params() does not return "
                        f"(it returns {list(params)}).", path=source)
    layouts = infer_layouts({k: v.shape for k, v in params.items()}, int(np.prod(input_shape)), declared, owner=source)
    return group(params, layouts)


def group(params, layouts):
    """Each array of 2+ dims is a kernel naming a layer; the 1-D array after it is its bias."""
    tensors, layer, has_bias = [], None, True
    for key, arr in params.items():
        if arr.ndim >= 2:
            layer, has_bias, role = key, False, "kernel"
        elif layer is not None and not has_bias:
            has_bias, role = True, "bias"
        else:
            layer, has_bias, role = key, True, "bias"
        tensors.append(Tensor(layer, key, role, tuple(arr.shape), layouts[key], by_key=True))
    return tensors
