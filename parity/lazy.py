"""The heavy frameworks, imported only when a side needs them (`parity --help` and `diff-spec` never do).

Dialects (to build or load a model) and engines (to run it) both import them through here.
"""

import os
import sys

from .errors import UsageError


def tensorflow():
    """TensorFlow, imported quietly: its C++ start-up lines (oneDNN, CUDA probing) are not findings."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
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
    return tensorflow


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
