"""Rebuild data/mnist_train_3000.npz from the original MNIST IDX files.

Usage: python tools/build_mnist_subset.py FOLDER_WITH_MNIST_IDX_FILES [COUNT]
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from parity.data import _read_idx_folder  # noqa: E402


def main():
    folder = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    samples = _read_idx_folder(folder)
    out = Path(__file__).resolve().parents[1] / "data" / f"mnist_train_{count}.npz"
    np.savez_compressed(out, x=samples.x[:count], y=samples.y[:count].astype(np.uint8))
    print(f"wrote {out}: {count} samples from {samples.source}")


if __name__ == "__main__":
    main()
