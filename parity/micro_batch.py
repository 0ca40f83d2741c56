"""--micro-batch: which sides can compute a full-batch step as exact sums over micro-batches.

Refused (exit 2, naming the layer) where a forward pass uses batch statistics: batch normalisation in
training mode normalises each sample with the mean and variance of the samples beside it, so no sum over
micro-batches gives the full batch's values. An adapter's protocol takes the whole batch (`loss(x, y)`,
`step(x, y, lr)`): it gets the whole batch, and its side says so; so does a PyTorch spec's own
`step(model, optimizer, x, y)` (its compared losses and gradients are still summed over micro-batches),
and a data-parallel side (--a-replicas/--b-replicas), whose replicas each compute their share whole.
"""

from .errors import UsageError


def prepare(sides, size, replicas=(1, 1)):
    """Check both sides' descriptions before any engine or sample is allocated; note what an adapter, a
    spec's own step and a data-parallel side get (their results are the same; only memory is not saved)."""
    for side, count in zip(sides, replicas):
        if side.engine == "adapter":
            side.notes.append(f"--micro-batch {size} does not apply to a Python adapter: it gets the whole batch")
            continue
        if count > 1:
            side.notes.append(f"--micro-batch {size} is not built for a data-parallel side: each of its {count} "
                              "replicas computes its share of every step whole")
        elif getattr(side.handle, "has_own_step", False):
            side.notes.append(f"--micro-batch {size}: the spec's own step(model, optimizer, x, y) gets the whole "
                              "batch; the compared losses and gradients are summed over micro-batches")
        for layer in getattr(side.description, "layers", None) or []:
            if layer.kind == "batchnorm" and not layer.attrs.get("use_global_stats"):
                raise UsageError(
                    f"--micro-batch {size}: layer '{layer.name}' is batch normalisation in training mode: its "
                    "forward pass uses the statistics of the whole batch, which micro-batches would change, so "
                    "the full-batch step cannot be computed from them. Expected a model without batch "
                    "statistics (or with them frozen); run without --micro-batch.",
                    path=side.path, line=layer.line)
