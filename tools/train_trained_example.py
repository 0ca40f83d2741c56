"""Train configs/trained/keras_cnn.py for a few hundred steps on the bundled MNIST subset and save it with
Keras's own `save_weights` as configs/trained/cnn.weights.h5: the trained checkpoint of the conversion example
(`parity check configs/trained/keras_cnn.py configs/trained/caffe_port.prototxt --weights
configs/trained/cnn.weights.h5 --steps 0`).

    python tools/train_trained_example.py [--steps 300] [--out configs/trained/cnn.weights.h5]

Deterministic on the CPU: Keras's seed is fixed, the batches are drawn from a seeded permutation.
"""

import argparse
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--out", default=str(ROOT / "configs" / "trained" / "cnn.weights.h5"))
    opts = ap.parse_args(argv)
    import keras

    from parity.data import BUNDLED

    keras.utils.set_random_seed(0)
    spec = importlib.util.spec_from_file_location("keras_cnn", ROOT / "configs" / "trained" / "keras_cnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.build()
    with np.load(BUNDLED) as f:
        x = f["x"].reshape(-1, 28, 28, 1).astype(np.float32) / 255.0  # 8-bit pixels -> [0, 1], as parity feeds Keras
        y = f["y"].astype(np.int64)
    rng = np.random.default_rng(0)
    for step in range(opts.steps):
        batch = rng.choice(len(x), opts.batch, replace=False)
        loss = model.train_on_batch(x[batch], y[batch])
        if step % 50 == 0 or step == opts.steps - 1:
            print(f"step {step}: loss {float(np.asarray(loss)):.4f}")
    accuracy = float(np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == y))
    model.save_weights(opts.out)
    print(f"accuracy on the {len(x)} bundled images: {accuracy:.3f}; saved {opts.out} "
          f"({Path(opts.out).stat().st_size:,} bytes)")


if __name__ == "__main__":
    sys.exit(main())
