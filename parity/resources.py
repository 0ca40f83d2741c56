"""Resource limits for `parity check`: a memory estimate made before any engine is built.

A check keeps, per side and per parameter, about KEPT_PER_STEP float64 copies while it steps:
the engine's own weights, the previous step's weights, the synced starting weights, the
gradients (data term and full objective), the optimizer's state, and the float64 copies of
weights and gradients the comparison makes. Per sample of one pass (the full batch, or one
micro-batch under --micro-batch) each side holds its layers' outputs about ACTIVATION_COPIES times
(the forward pass the tape keeps, their gradients in the backward pass, the stage outputs the
comparison reads), in float32. The estimate is

    parameters × 2 sides × KEPT_PER_STEP × 8 bytes
    + samples per pass × activations per sample × 2 sides × ACTIVATION_COPIES × 4 bytes

counted from the specs' descriptions (shapes only: nothing is allocated to count them) and
checked against the memory this machine has available now. The samples themselves come on top; a
spec that fails this check could never run, one that passes it still may not. A check that does not
fit is refused with the --micro-batch value that would make it fit, where one would.
"""

import math
import os

from .errors import ParityError

KEPT_PER_STEP = 8
ACTIVATION_COPIES = 3
ACTIVATION_BYTES = 4  # float32: the compute precision of a default check
BYTES_PER_VALUE = 8  # float64: the comparison's precision
SIDES = 2


class ResourceError(ParityError):
    """The run cannot fit this machine: exit 2 before anything is allocated."""


def parameter_count(side):
    """(total parameters, (count, layer) of the largest layer) from a side's description."""
    total, largest = 0, (0, None)
    for layer in getattr(side.description, "layers", None) or []:
        count = 0
        for p in layer.params:
            try:
                count += math.prod(int(d) for d in p.shape)
            except (TypeError, ValueError):  # an unknown dimension: nothing to count
                continue
        total += count
        if count > largest[0]:
            largest = (count, layer)
    return total, largest


def activation_count(side):
    """Values of every layer's output for one sample, from the description's shapes (0 where unknown)."""
    total = 0
    for layer in getattr(side.description, "layers", None) or []:
        try:
            total += math.prod(int(d) for d in (layer.output_shape or ()))
        except (TypeError, ValueError):
            continue
    return total


def estimate_bytes(parameters, activations=0, samples=0):
    """Bytes a check needs: `activations` per sample (the larger side's), `samples` in one pass."""
    return (parameters * SIDES * KEPT_PER_STEP * BYTES_PER_VALUE
            + samples * activations * SIDES * ACTIVATION_COPIES * ACTIVATION_BYTES)


def available_bytes():
    """Memory available now: /proc/meminfo's MemAvailable (else free physical pages), capped by a
    cgroup v2 memory limit when the process runs under one (containers, CI); None if unknown."""
    found = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read().strip())
        if limit != "max":
            left = max(0, int(limit) - used)
            found = left if found is None else min(found, left)
    except (OSError, ValueError):
        pass
    return found


def human(n):
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} PB"  # pragma: no cover


def check_memory(sides, available=None, samples=None, micro_batch=None):
    """Raise ResourceError when the sides' parameters and the activations of one pass (`samples`, or
    `micro_batch` of them) cannot fit the available memory; name the --micro-batch that would fit."""
    counts = [parameter_count(s) for s in sides]
    parameters = max(total for total, _ in counts)  # both sides hold the larger net's size, at worst
    activations = max(activation_count(s) for s in sides)
    per_pass = min(samples or 0, micro_batch or samples or 0)
    need = estimate_bytes(parameters, activations, per_pass)
    have = available if available is not None else available_bytes()
    if have is None or need <= have:
        return need
    side, (total, (biggest, layer)) = max(zip(sides, counts), key=lambda sc: sc[1][0])
    where = f"layer '{layer.name}' ({layer.kind}, {biggest:,} parameters)" if layer is not None else "its layers"
    fixed = estimate_bytes(parameters)
    per_sample = estimate_bytes(0, activations, 1)
    fits = (have - fixed) // per_sample if per_sample and have > fixed else 0
    if fits >= 1 and per_pass > fits:
        hint = (f"--micro-batch {fits} would make it fit (about {human(fixed + fits * per_sample)}): each full-batch "
                "step is then computed exactly as sums over micro-batches of that many samples.")
    else:
        hint = "Expected a model that fits in memory; shrink the layer or run on a larger machine."
    activation_part = (f" + {per_pass:,} samples per pass × {activations:,} activation values per sample × "
                       f"{SIDES} sides × {ACTIVATION_COPIES} copies × {ACTIVATION_BYTES} bytes" if per_pass else "")
    raise ResourceError(
        f"this model has {total:,} parameters, most in {where}; checking it would need about {human(need)} "
        f"({need:,} bytes: parameters × {SIDES} sides × {KEPT_PER_STEP} copies kept per step × "
        f"{BYTES_PER_VALUE} bytes{activation_part}), but this machine has {human(have)} available. "
        "Nothing was allocated.",
        path=side.path, line=getattr(layer, "line", None), hint=hint)
