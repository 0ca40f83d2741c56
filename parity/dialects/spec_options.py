"""Options for a spec from outside the file: `--a-set NAME=VALUE` on the command line, or a
MatConvNet file's own `% parity: NAME=VALUE` comment. What they set is the spec's own: a MatConvNet
init function's vl_argparse options (as `cnn_mnist_init('batchNormalization', false)` passes them),
a Python spec's keyword arguments to NAME().
"""

import inspect

from ..errors import SpecError, UsageError


def read_value(text):
    """'3' -> 3, '0.5' -> 0.5, 'true'/'false' -> bool, anything else (quotes stripped) -> text."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text.strip().strip("'\"")


def parse(items, option):
    """('a=1', 'b=x') from a repeatable option -> {'a': 1, 'b': 'x'}; a later NAME wins."""
    options = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise UsageError(f"{option} takes NAME=VALUE (e.g. {option} batchNormalization=false); "
                             f"received {item!r}.")
        options[name.strip()] = read_value(value)
    return options


def keyword_arguments(factory, name, options, path):
    """The keyword arguments a Python spec's NAME() accepts, checked against `options`."""
    if not options:
        return {}
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: let the call itself judge
        return dict(options)
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return dict(options)
    accepted = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    unknown = [key for key in options if key not in accepted]
    if unknown:
        listed = ", ".join(accepted) if accepted else "none: it takes no arguments"
        raise SpecError(f"{name}() has no option {', '.join(map(repr, unknown))} (given with --a-set/--b-set, or "
                        f"--set); the options it accepts: {listed}.", path=path)
    return dict(options)
