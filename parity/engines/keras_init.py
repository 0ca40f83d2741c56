"""Keras initializers, drawn with NumPy: a Keras description's own starting weights where no model
supplies them (a `.toml` spec run with --weights a|b). Same distributions as Keras, not the same draws."""

import numpy as np

from ..errors import SpecError
from ..frameworks import keras as facts

ALIASES = {"zeros": "Zeros", "ones": "Ones", "constant": "Constant", "randomnormal": "RandomNormal",
           "randomuniform": "RandomUniform", "truncatednormal": "TruncatedNormal",
           "variancescaling": "VarianceScaling", **{k.lower(): k for k in facts.VARIANCE_SCALING}}


def fans(shape):
    """keras/src/initializers/random_initializers.py:663 compute_fans."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    field = int(np.prod(shape[:-2]))
    return shape[-2] * field, shape[-1] * field


def _truncated(rng, mean, std, shape):
    """Normal draws redrawn outside two standard deviations, as keras.random.truncated_normal."""
    out = rng.normal(mean, std, shape)
    bad = np.abs(out - mean) > 2 * std
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = np.abs(out - mean) > 2 * std
    return out


def keras_fill(filler, shape, rng):
    shape = tuple(int(s) for s in shape)
    filler = filler or {"type": "Zeros"}
    raw = str(filler.get("type", "Zeros"))
    kind = ALIASES.get(raw.replace("_", "").lower(), raw)
    if kind == "Zeros":
        return np.zeros(shape)
    if kind == "Ones":
        return np.ones(shape)
    if kind == "Constant":
        return np.full(shape, float(filler.get("value", 0.0)))
    if kind == "RandomNormal":
        return rng.normal(filler.get("mean", 0.0), filler.get("stddev", 0.05), shape)
    if kind == "RandomUniform":
        return rng.uniform(filler.get("minval", -0.05), filler.get("maxval", 0.05), shape)
    if kind == "TruncatedNormal":
        return _truncated(rng, filler.get("mean", 0.0), filler.get("stddev", 0.05), shape)
    if kind in facts.VARIANCE_SCALING or kind == "VarianceScaling":
        scale, mode, dist = facts.VARIANCE_SCALING.get(kind) or (float(filler.get("scale", 1.0)),
                                                                  filler.get("mode", "fan_in"),
                                                                  filler.get("distribution", "truncated_normal"))
        fan_in, fan_out = fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out}.get(mode, (fan_in + fan_out) / 2.0)
        scale /= max(1.0, n)
        if dist == "truncated_normal":
            return _truncated(rng, 0.0, np.sqrt(scale) / 0.87962566103423978, shape)
        if dist == "untruncated_normal":
            return rng.normal(0.0, np.sqrt(scale), shape)
        limit = np.sqrt(3.0 * scale)
        return rng.uniform(-limit, limit, shape)
    raise SpecError(f"the Keras initializer {raw!r} is not emulated (Zeros, Ones, Constant, RandomNormal, "
                    "RandomUniform, TruncatedNormal and the VarianceScaling family are).")
