"""Caffe's fillers (include/caffe/filler.hpp), for a Caffe side's own initialisation (--weights a|b)."""

import numpy as np

from ..errors import SpecError


def fill(filler, shape, rng):
    kind = filler.get("type", "constant")
    shape = tuple(int(s) for s in shape)
    count = int(np.prod(shape)) if shape else 1
    # filler.hpp:150-153 — fan_in = count / shape(0), fan_out = count / shape(1)
    fan_in = count / shape[0] if shape else 1
    fan_out = count / shape[1] if len(shape) > 1 else fan_in
    norm = filler.get("variance_norm", "FAN_IN")
    n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "AVERAGE": (fan_in + fan_out) / 2}.get(norm, fan_in)
    if kind == "constant":
        return np.full(shape, filler.get("value", 0.0), np.float32)
    if kind == "gaussian":
        return rng.normal(filler.get("mean", 0.0), filler.get("std", 1.0), shape).astype(np.float32)
    if kind == "uniform":
        return rng.uniform(filler.get("min", 0.0), filler.get("max", 1.0), shape).astype(np.float32)
    if kind == "xavier":  # filler.hpp:163 — scale = sqrt(3 / n): LeCun-uniform unless AVERAGE
        limit = np.sqrt(3.0 / n)
        return rng.uniform(-limit, limit, shape).astype(np.float32)
    if kind == "msra":  # filler.hpp:208 — std = sqrt(2 / n), untruncated
        return rng.normal(0.0, np.sqrt(2.0 / n), shape).astype(np.float32)
    raise SpecError(f"filler type {kind!r} is not emulated (constant, gaussian, uniform, xavier, msra are).")
