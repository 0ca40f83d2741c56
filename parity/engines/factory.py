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
# A replicated side (--a-replicas N > 1) is a run mode of its engine: the framework's own data parallelism.
REPLICATED_MODULES = {"keras": "keras_replicated", "torch": "torch_ddp"}
ENGINES = {}  # engine name -> constructor(side, label, dtype, device, sgd_lr, lr) -> Engine
REPLICATED = {}  # engine name -> constructor(side, label, dtype, device, sgd_lr, lr, replicas) -> Engine


def register(name, replicated=False):
    def add(constructor):
        (REPLICATED if replicated else ENGINES)[name] = constructor
        return constructor
    return add


def make_engine(side, label, dtype, device=None, sgd_lr=None, lr=None, replicas=1):
    """A fresh engine for `side` computing in `dtype`.

    `sgd_lr`: train with plain SGD at this rate instead of the side's own optimizer (--optimizer sgd).
    `lr`: the rate for a side whose spec names none (a Caffe net without a solver: plain SGD at --lr).
    `device`: what select_device returned (None: the framework's own choice).
    `replicas`: more than 1 runs the side data-parallel on its framework's own distributed engine.
    """
    if replicas > 1:
        if side.engine not in REPLICATED:
            module = REPLICATED_MODULES.get(side.engine)
            if module is None:
                raise UsageError(f"--{label.lower()}-replicas {replicas}: side {label} ({side.path}) runs on the "
                                 f"{side.engine!r} engine, which has no data-parallel mode; Keras and PyTorch "
                                 "specs have one.")
            importlib.import_module(f"parity.engines.{module}")
        return REPLICATED[side.engine](side, label, dtype, device=device, sgd_lr=sgd_lr, lr=lr, replicas=replicas)
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


def reserve_replicas(count):
    """Before TensorFlow starts its devices: make room for `count` data-parallel replicas. TensorFlow fixes
    its logical devices when it initialises (tf.config.set_logical_device_configuration raises after), so
    this runs before any spec is loaded; it asks lazy to split the CPU into `count` logical devices as soon
    as TensorFlow is imported (now, if it already is). PyTorch needs nothing: its replicas are processes."""
    if count > 1:
        from .. import lazy

        lazy.reserve_cpu_devices(count)


def replica_devices(count, device, label):
    """The TensorFlow devices `count` replicas run on: the first `count` GPUs where there are as many (and
    --device is not cpu), else `count` logical CPU devices (reserve_replicas made them)."""
    from .. import lazy

    tf = lazy.tensorflow()
    gpus = tf.config.list_logical_devices("GPU")
    if device != "/CPU:0" and len(gpus) >= count:
        return [d.name for d in gpus[:count]]
    cpus = tf.config.list_logical_devices("CPU")
    if len(cpus) < count:
        raise UsageError(f"--{label.lower()}-replicas {count}: TensorFlow has {len(cpus)} CPU device(s) and "
                         f"{len(gpus)} GPU(s); it was started before parity could split the CPU into {count} "
                         "logical devices. Run the check in a fresh process (the parity command does).")
    return [d.name for d in cpus[:count]]
