"""Import TensorFlow quietly: its C++ start-up lines (oneDNN, CUDA probing) are not findings."""

import os
import sys


def quiet_import():
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
