"""The one place that turns a side into an engine, and that chooses the device engines run on.

A dialect names its side's engine (`side.engine`) and gives it what it needs (`side.handle`); each engine
module registers a constructor under that name with `@register(name)` and is imported only when a side
asks for it, so TensorFlow (or PyTorch) is loaded only by a run that needs it. A new engine adds its
module to MODULES and registers itself there.
"""

import importlib

from ..errors import InternalError, UsageError

MODULES = {  # engine name -> module under parity.engines that registers it
    "graph": "graph_engine",
    "keras-description": "keras_desc_engine",
    "keras": "keras_engine",
    "adapter": "adapter_engine",
    "torch": "torch_engine",
}
ENGINES = {}  # engine name -> constructor(side, label, dtype, device, sgd_lr, lr) -> Engine


def register(name):
    def add(constructor):
        ENGINES[name] = constructor
        return constructor
    return add


def make_engine(side, label, dtype, device=None, sgd_lr=None, lr=None):
    """A fresh engine for `side` computing in `dtype`.

    `sgd_lr`: train with plain SGD at this rate instead of the side's own optimizer (--optimizer sgd).
    `lr`: the rate for a side whose spec names none (a Caffe net without a solver: plain SGD at --lr).
    `device`: what select_device returned (None: the framework's own choice).
    """
    if side.engine not in ENGINES:
        module = MODULES.get(side.engine)
        if module is None:
            raise InternalError(f"no engine is registered as {side.engine!r} (side {side.path}); "
                                f"known: {', '.join(sorted(MODULES))}.")
        importlib.import_module(f"parity.engines.{module}")
    return ENGINES[side.engine](side, label, dtype, device=device, sgd_lr=sgd_lr, lr=lr)


def select_device(choice, framework="tensorflow"):
    """--device auto|cpu|gpu as the framework names a device: None for auto (the framework decides)."""
    if choice not in ("auto", "cpu", "gpu"):
        raise UsageError(f"--device: expected auto, cpu or gpu; received {choice!r}.")
    if choice == "auto":
        return None
    from .. import lazy

    if framework == "torch":
        torch = lazy.torch("--device")
        if choice == "gpu" and not torch.cuda.is_available():
            raise UsageError("--device gpu: PyTorch sees no GPU on this machine; use --device cpu or auto.")
        return "cuda" if choice == "gpu" else "cpu"
    tf = lazy.tensorflow()
    if choice == "gpu":
        if not tf.config.list_physical_devices("GPU"):
            raise UsageError("--device gpu: TensorFlow sees no GPU on this machine; use --device cpu or auto.")
        return "/GPU:0"
    return "/CPU:0"
