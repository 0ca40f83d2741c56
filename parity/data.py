"""Samples for both sides: the bundled MNIST subset, .npz / .h5 / MNIST IDX folders, random:N.

Samples are kept as stored (MNIST: uint8 pixels 0-255). Each side then gets them in its
own layout (`for_side`) and through its own input transform (`InputTransform`).
"""

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError, UsageError, file_start

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "mnist_train_3000.npz"
RANDOM_SEED = 20261122  # fixed: random:N must give the same samples on every run
DEFAULT_RANDOM = 256


@dataclass
class Samples:
    x: np.ndarray  # (N, ...) as stored
    y: np.ndarray  # (N,) int64 class labels, 0-based
    source: str

    @property
    def eight_bit(self):
        return self.x.dtype == np.uint8

    @property
    def fingerprint(self):
        h = hashlib.sha256(np.ascontiguousarray(self.x).tobytes())
        h.update(np.ascontiguousarray(self.y).tobytes())
        return h.hexdigest()[:16]


@dataclass(frozen=True)
class InputTransform:
    """Caffe order: subtract the mean, then scale. `unit` is scale 1/255 on 8-bit data."""

    scale: float = 1.0
    mean: float = 0.0
    name: str = "raw"

    def apply(self, x, dtype):
        x = x.astype(np.float64)
        return ((x - self.mean) * self.scale).astype(dtype)

    def value_range(self, samples):
        lo, hi = (0.0, 255.0) if samples.eight_bit else (float(samples.x.min()), float(samples.x.max()))
        a, b = (lo - self.mean) * self.scale, (hi - self.mean) * self.scale
        return (min(a, b), max(a, b))


RAW = InputTransform()
UNIT = InputTransform(scale=1.0 / 255.0, name="unit")


def parse_transform(text, option):
    """`raw`, `unit`, `scale=X`, `mean=X`, or `scale=X,mean=Y` (as --a-input / --b-input take them)."""
    text = text.strip()
    if text == "raw":
        return RAW
    if text == "unit":
        return UNIT
    values = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("scale", "mean") or key in values:
            raise UsageError(
                f"{option}: expected raw, unit, scale=X, mean=X or scale=X,mean=Y; received {text!r}."
            )
        try:
            values[key] = float(value)
        except ValueError:
            raise UsageError(f"{option}: {key} must be a number; received {value.strip()!r}.") from None
    return InputTransform(scale=values.get("scale", 1.0), mean=values.get("mean", 0.0), name=text)


def default_transform(samples):
    """Every non-Caffe side sees 8-bit image data scaled to [0, 1], other data as stored."""
    return UNIT if samples.eight_bit else RAW


def load(spec, input_shapes, num_classes):
    """Read `--data` (None: bundled MNIST where the specs' inputs fit it, else random:256).

    `input_shapes` are the sides' per-sample input shapes; random:N draws the first one's.
    """
    if spec is None:
        if all(int(np.prod(shape)) == 28 * 28 for shape in input_shapes):
            return _read_npz(BUNDLED, "bundled MNIST subset (first 3,000 training images)")
        spec = f"random:{DEFAULT_RANDOM}"
    if spec == "random" or spec.startswith("random:"):
        return _random(spec, input_shapes[0], num_classes)
    path = Path(spec)
    if not path.exists():
        raise DataError(f"--data: no such file or folder: {spec}.")
    if path.is_dir():
        return _read_idx_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _read_npz(path, str(path))
    if suffix in (".h5", ".hdf5"):
        return _read_h5(path)
    raise DataError(f"--data: {spec}: expected a .npz or .h5 file with x and y, a folder of MNIST IDX files, "
                    "or random[:N].")


def select(samples, count):
    if count is None:
        return samples
    if count <= 0:
        raise UsageError(f"--samples must be a positive integer; received {count}.")
    if count > len(samples.y):
        raise UsageError(f"--samples {count} is more than the {len(samples.y)} samples in {samples.source}.")
    return Samples(samples.x[:count], samples.y[:count], samples.source)


def check_labels(samples, num_classes, side_name):
    if num_classes is None or len(samples.y) == 0:
        return
    top = int(samples.y.max())
    if samples.y.min() == 1 and top == num_classes:
        raise DataError(
            f"labels in {samples.source} run from 1 to {top}, and {side_name} has {num_classes} outputs: they look "
            "1-based, MatConvNet's convention (cause label-offset). parity takes 0-based class labels for every "
            "side and hands a MatConvNet side label c as its class c+1 itself: subtract 1 from y.")
    if samples.y.min() < 0 or top >= num_classes:
        raise DataError(
            f"labels in {samples.source} run from {int(samples.y.min())} to {top}, but {side_name} has "
            f"{num_classes} outputs (labels 0..{num_classes - 1}); pass --data with matching labels."
        )


def for_side(x, input_shape, layout="hwc", source=None, spec=None):
    """Samples in one side's layout: (N, H, W[, C]) stored -> the side's `input_shape`.

    A flat input takes the sample's values in row-major order (28x28x1 -> 784).
    `source` (the samples) and `spec` (the side's file) name both ends in an error.
    """
    n = x.shape[0]
    per_sample = int(np.prod(x.shape[1:]))
    if int(np.prod(input_shape)) != per_sample:
        raise DataError(
            f"{'the samples in ' + str(source) + ': ' if source else ''}each sample holds {per_sample} values "
            f"(shape {tuple(x.shape[1:])}) but the spec{' ' + str(spec) if spec else ''}'s input is "
            f"{tuple(input_shape)} ({int(np.prod(input_shape))} values); expected samples of that size."
        )
    if layout == "chw" and x.ndim == 4 and x.shape[-1] > 1:
        x = x.transpose(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
    return x.reshape((n, *input_shape))


def _random(spec, sample_shape, num_classes):
    _, _, count = spec.partition(":")
    try:
        n = int(count) if count else DEFAULT_RANDOM
    except ValueError:
        raise UsageError(f"--data {spec}: N in random:N must be an integer.") from None
    if n <= 0:
        raise UsageError(f"--data {spec}: N must be positive.")
    rng = np.random.default_rng(RANDOM_SEED)
    # 8-bit pixels, like the image data the specs are written for: every side's own
    # input transform then applies exactly as it would to real images.
    x = rng.integers(0, 256, size=(n, *sample_shape), dtype=np.uint8)
    y = rng.integers(0, max(1, num_classes or 1), size=n).astype(np.int64)
    return Samples(x, y, f"random:{n} (seed {RANDOM_SEED})")


def _checked(x, y, source):
    if x.dtype == object or y.dtype == object:
        raise DataError(f"{source}: x and y must be numeric arrays.")
    if x.ndim < 2:
        raise DataError(f"{source}: x must have a sample axis and at least one more; received shape {x.shape}.")
    if y.ndim != 1 and not (y.ndim == 2 and y.shape[1] == 1):
        raise DataError(f"{source}: y must hold one integer label per sample; received shape {y.shape}.")
    y = y.reshape(-1)
    if len(y) != len(x):
        raise DataError(f"{source}: x holds {len(x)} samples but y holds {len(y)} labels.")
    if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
        raise DataError(f"{source}: labels must be integers.")
    if x.dtype != np.uint8 and not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        bad = ~np.isfinite(x.reshape(len(x), -1))
        raise DataError(f"{source}: expected finite sample values; found {int(bad.sum())} NaN or Inf values, the "
                        f"first in sample {int(np.argmax(bad.any(axis=1)))}.")
    return Samples(x, y.astype(np.int64), source)


def _read_npz(path, source):
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except OSError as err:
        raise DataError(f"{path}: cannot be read: {err.strerror or err}.") from None
    if head != b"PK":  # np.load would take anything else for a pickle: refuse it before np.load sees it
        raise DataError(f"{path}: expected a .npz archive (a zip file written by numpy.savez) holding x and y; "
                        f"found {file_start(path)}.")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("x", "y") if k not in f.files]
            if missing:
                raise DataError(f"{path}: expected arrays 'x' and 'y'; found {sorted(f.files)}.")
            return _checked(f["x"], f["y"], source)
    except DataError:
        raise
    except ValueError as err:
        # np.load refuses object arrays when allow_pickle=False: never unpickle data.
        raise DataError(f"{path}: holds pickled objects, which parity never loads ({err}).") from None
    except Exception as err:
        raise DataError(f"{path}: not a readable .npz file ({err}).") from None


def _read_h5(path):
    import h5py

    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in ("x", "y") if k not in f]
            if missing:
                raise DataError(f"{path}: expected datasets 'x' and 'y'; found {sorted(f.keys())}.")
            return _checked(np.asarray(f["x"]), np.asarray(f["y"]), str(path))
    except DataError:
        raise
    except Exception as err:
        raise DataError(f"{path}: not a readable HDF5 file: expected HDF5 holding datasets x and y, found "
                        f"{file_start(path)} ({err}).") from None




def _read_idx(path):
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except Exception as err:
            raise DataError(f"{path}: not a gzip file ({err}).") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path}: not an unsigned-byte MNIST IDX file (bad magic number).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if len(raw) != header + int(np.prod(dims)):
        raise DataError(f"{path}: header says {dims} but the file holds {len(raw) - header} bytes.")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def _read_idx_folder(folder):
    files = sorted(p for p in folder.iterdir() if "idx" in p.name)
    for prefix in ("train", "t10k", ""):
        images = [p for p in files if p.name.startswith(prefix) and "idx3" in p.name]
        labels = [p for p in files if p.name.startswith(prefix) and "idx1" in p.name]
        if images and labels:
            x, y = _read_idx(images[0]), _read_idx(labels[0])
            return _checked(x, y, f"{images[0]} + {labels[0].name}")
    raise DataError(f"--data {folder}: no MNIST IDX image and label files (*idx3*, *idx1*) in that folder.")
