"""Where a check or a recording starts when `--weights` names a checkpoint file: the file fitted to the first
side it fits (A first), then converted to the other side as `--weights a|b` converts a side's own weights."""

from ..weights import starting_weights

MODES = ("zeros", "seed", "a", "b")


def is_checkpoint(mode):
    """Whether a parsed `--weights` value names a file rather than a mode (zeros, seed:N, a, b)."""
    return mode.partition(":")[0] not in MODES


def starting_point(mode, matches, engines, specs):
    """(canonical starting tensors by (layer index, role), notes) for `--weights` mode or FILE.

    `engines` are the sides' engines in order (one for `parity record`), `specs` their spec paths."""
    own = [e.get_weights() for e in engines]
    notes = []
    if is_checkpoint(mode):
        from . import read
        from .fit import choose

        sides = [(label, e.tensors, spec) for label, e, spec in zip("AB", engines, specs)]
        label, arrays, notes = choose(read(mode), sides)
        index = "AB".index(label)
        own[index] = {**own[index], **arrays}
        mode = label.lower()
    return starting_weights(mode, matches, own[0], own[-1]), notes
