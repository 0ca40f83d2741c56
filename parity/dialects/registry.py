"""The dialects, each a module that registers a loader for its file suffixes; `load(spec)` picks one.

A new dialect adds its module to DIALECTS; the module decorates its loader with `@loader(".suffix")`.
"""

import importlib
from pathlib import Path

from ..errors import SpecError

DIALECTS = ("python", "keras.saved", "toml_spec", "caffe.loader", "matconvnet.loader")  # under parity.dialects
LOADERS = {}  # file suffix -> loader(path) (or loader(path, name) for .py)
TAKES_OPTIONS = set()  # suffixes whose specs take options from outside (--a-set NAME=VALUE): loader(..., options=)


def loader(*suffixes, options=False):
    def register(fn):
        for suffix in suffixes:
            LOADERS[suffix] = fn
            if options:
                TAKES_OPTIONS.add(suffix)
        return fn
    return register


def import_all():
    """Import every dialect module, so that each registers its loaders."""
    for module in DIALECTS:
        importlib.import_module(f"parity.dialects.{module}")


def load(spec, options=None):
    """Load SPEC (a path, `*.py:NAME` for a Python spec) into a Side; `options` ({name: value}) are the
    spec's own: a MatConvNet init function's vl_argparse options, a Python spec's keyword arguments."""
    import_all()
    path_text, name = spec, None
    if ".py:" in spec:
        path_text, _, name = spec.rpartition(":")
    path = Path(path_text)
    suffix = path.suffix.lower()
    fn = LOADERS.get(suffix)
    if fn is None:
        known = ", ".join(sorted(LOADERS))
        raise SpecError(f"cannot tell the dialect of {spec!r}: expected one of {known}.")
    if not path.exists():
        if path.is_symlink():
            raise SpecError(f"is a broken symbolic link (to {path.readlink()}); expected a spec file.", path=path_text)
        raise SpecError("no such file.", path=path_text)
    if path.is_dir():
        raise SpecError("is a folder; expected a spec file.", path=path_text)
    if options and suffix not in TAKES_OPTIONS:
        raise SpecError(f"takes no options (--a-set/--b-set give a MatConvNet init function's vl_argparse options "
                        f"and a Python spec's keyword arguments; this is a {suffix} file).", path=path_text)
    kwargs = {"options": options} if options else {}
    return fn(path, name, **kwargs) if suffix == ".py" else fn(path, **kwargs)
