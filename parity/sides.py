"""Each side's spec, samples and input: what `check` (two sides) and `record` (one side) prepare alike."""

from dataclasses import dataclass

import numpy as np

from . import data, dialects, resources
from .dialects import spec_options
from .errors import SpecError


def prepare_sides(specs, opts, overrides, options, labels, spec_sets=None):
    """Load the specs (with their --a-set/--b-set options), read and select the samples, and make each
    side's input: what `check` and `parity record` (one side alone) share. Returns (sides, samples, inputs)."""
    spec_sets = spec_sets or [()] * len(specs)
    sides = [dialects.load(spec, spec_options.parse(items, option.replace("input", "set")))
             for spec, items, option in zip(specs, spec_sets, options)]
    micro = getattr(opts, "micro_batch", None)
    resources.check_memory(tuple(sides), samples=getattr(opts, "samples", None),
                           micro_batch=micro)  # before any data or engine
    classes = next((s.num_classes for s in sides if s.num_classes), None)
    stored = [stored_shape(s) for s in sides if not s.rebind]
    samples = data.select(data.load(opts.data, stored or [(28, 28, 1)], classes), opts.samples)
    # A Caffe Data layer takes the samples' own shape: translate such a spec again now that it is known.
    sides = [s.rebind(sample_shape(samples, s)) if s.rebind else s for s in sides]
    # the samples are known now (--samples may have left them at all the data holds): before any engine
    resources.check_memory(tuple(sides), samples=len(samples.y), micro_batch=micro)
    for label, side in zip(labels, sides):
        data.check_labels(samples, side.num_classes, f"{label} ({side.path})")
    inputs = [side_input(samples, side, override, option) for side, override, option in zip(sides, overrides, options)]
    return sides, samples, inputs


@dataclass
class SideInput:
    x: np.ndarray  # the side's own layout, transformed, float64
    transform: object
    notes: list
    stored_of: object = None  # () -> the same values in the samples' stored layout, to compare the sides

    @property
    def stored(self):
        """Made when read (the input row at step 0, isolation, a trace's inputs), never kept: a check holds
        one float64 copy of each side's batch, not two."""
        return self.stored_of()

    def describe(self, samples):
        if self.transform is None:
            return f"[{self.x.min():.4g}, {self.x.max():.4g}] (the spec's own preprocess)"
        lo, hi = self.transform.value_range(samples)
        return f"[{lo:.4g}, {hi:.4g}] ({self.transform.name})"


def stored_shape(side):
    """A side's per-sample input shape as samples are stored: (H, W, C) or flat."""
    shape = tuple(side.input_shape)
    if side.input_layout == "chw" and len(shape) == 3:
        return (shape[1], shape[2], shape[0])
    return shape


def sample_shape(samples, side):
    stored = samples.x.shape[1:]
    if side.input_layout != "chw":
        return stored
    if len(stored) == 2:
        return (1, *stored)
    return (stored[2], stored[0], stored[1]) if len(stored) == 3 else stored


def side_input(samples, side, override, option):
    x = data.for_side(samples.x, side.input_shape, side.input_layout, samples.source, side.path)
    if override is not None:
        transform = data.parse_transform(override, option)
    elif side.transform is not None:  # a Caffe Data layer: its own transform_param and nothing else
        transform = data.InputTransform(scale=side.transform["scale"], mean=side.transform["mean"],
                                        name=f"transform_param scale={side.transform['scale']:g}, "
                                             f"mean={side.transform['mean']:g}")
    elif side.preprocess is not None:
        try:
            out = np.asarray(side.preprocess(x.astype(np.float64)), dtype=np.float64)
        except Exception as err:
            raise SpecError(f"preprocess(x) raised {type(err).__name__}: {err}", path=side.path) from None
        return SideInput(out.reshape(x.shape), None, ["input through the spec's own preprocess(x)"],
                         lambda: out.reshape(len(x), -1))
    else:
        transform = data.default_transform(samples)
    return SideInput(transform.apply(x, np.float64), transform, [], lambda: transform.apply(samples.x, np.float64))
