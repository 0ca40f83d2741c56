"""--micro-batch: which sides can compute a full-batch step as exact sums over micro-batches.

Refused (exit 2, naming the layer) where a forward pass uses batch statistics: batch normalisation in
training mode normalises each sample with the mean and variance of the samples beside it, so no sum over
micro-batches gives the full batch's values. An adapter's protocol takes the whole batch (`loss(x, y)`,
`step(x, y, lr)`): it gets the whole batch, and its side says so.
"""

from .errors import UsageError

WHOLE_BATCH_ENGINES = {"torch": "PyTorch"}  # engines without micro-batching yet (their step runs whole)


def prepare(sides, size):
    """Check both sides' descriptions before any engine or sample is allocated; note what an adapter gets."""
    for side in sides:
        if side.engine == "adapter":
            side.notes.append(f"--micro-batch {size} does not apply to a Python adapter: it gets the whole batch")
            continue
        if side.engine in WHOLE_BATCH_ENGINES:  # the results are the same; only the memory is not saved
            side.notes.append(f"--micro-batch {size} is not built yet for a {WHOLE_BATCH_ENGINES[side.engine]} "
                              "side: it computes each step on the whole batch")
        for layer in getattr(side.description, "layers", None) or []:
            if layer.kind == "batchnorm" and not layer.attrs.get("use_global_stats"):
                raise UsageError(
                    f"--micro-batch {size}: layer '{layer.name}' is batch normalisation in training mode: its "
                    "forward pass uses the statistics of the whole batch, which micro-batches would change, so "
                    "the full-batch step cannot be computed from them. Expected a model without batch "
                    "statistics (or with them frozen); run without --micro-batch.",
                    path=side.path, line=layer.line)
