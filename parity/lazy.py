"""The heavy frameworks, imported only when a side needs them (`parity --help` and `diff-spec` never do).

Dialects (to build or load a model) and engines (to run it) both import them through here.
"""

import os
import sys

from .errors import UsageError


def tensorflow():
    """TensorFlow, imported quietly: its C++ start-up lines (oneDNN, CUDA probing) are not findings."""
    if "tensorflow" in sys.modules:
        return _with_reserved_devices(sys.modules["tensorflow"])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)  # the C++ logger writes to fd 2 before any setting applies
            import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return _with_reserved_devices(tensorflow)


_CPU_DEVICES = {"wanted": 1, "done": 1}  # logical CPU devices for data-parallel replicas: asked, configured


def reserve_cpu_devices(count):
    """Split the CPU into at least `count` logical devices before TensorFlow initialises them (now, if it is
    imported; else when it is): MirroredStrategy runs one replica per device. Without effect once TensorFlow
    has initialised its devices (engines.factory.replica_devices then says so)."""
    _CPU_DEVICES["wanted"] = max(count, _CPU_DEVICES["wanted"])
    if "tensorflow" in sys.modules:
        _with_reserved_devices(sys.modules["tensorflow"])


def _with_reserved_devices(tf):
    if _CPU_DEVICES["wanted"] > _CPU_DEVICES["done"]:
        _split_cpu(tf, _CPU_DEVICES["wanted"])
        _CPU_DEVICES["done"] = _CPU_DEVICES["wanted"]
    return tf


def _split_cpu(tf, count):
    cpus = tf.config.list_physical_devices("CPU")
    try:
        current = tf.config.get_logical_device_configuration(cpus[0]) or [None]
        if len(current) < count:
            tf.config.set_logical_device_configuration(
                cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(count)])
    except RuntimeError:
        pass  # already initialised: replica_devices says so when it finds too few


def torch(needed_by=None):
    """PyTorch, an optional dependency: without it, the contract's usage error saying how to install it."""
    if "torch" in sys.modules:
        return sys.modules["torch"]
    try:
        import torch as module
    except ImportError:
        who = f"{needed_by} needs" if needed_by else "this needs"
        raise UsageError(f"{who} PyTorch, which is not installed; install it with: pip install 'parity[torch]'.",
                         path=None) from None
    return module
