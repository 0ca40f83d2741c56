"""One loader per dialect, registered by file suffix; each returns a `Side`."""

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SpecError

_LOADERS = {}


def loader(*suffixes):
    def register(fn):
        for suffix in suffixes:
            _LOADERS[suffix] = fn
        return fn
    return register


@dataclass
class Side:
    """A loaded spec: its description and a way to make a fresh engine at a given precision."""

    path: str
    dialect: str
    description: object  # spec.Description
    input_shape: tuple
    num_classes: int | None
    make_engine: object  # (label, dtype, device, sgd_lr) -> Engine
    preprocess: object = None  # a .py spec's own preprocess(x) -> x
    notes: list = field(default_factory=list)
    is_adapter: bool = False
    input_layout: str = "hwc"  # how the side lays out one sample: hwc (Keras), chw (Caffe), flat
    transform: dict | None = None  # the spec's own input transform (a Caffe Data layer's transform_param)
    rebind: object = None  # (sample shape) -> Side, for specs whose input shape comes from the samples


def load(spec):
    """Load SPEC (a path, `*.py:NAME` for a Python spec) into a Side."""
    path_text, name = spec, None
    if ".py:" in spec:
        path_text, _, name = spec.rpartition(":")
    path = Path(path_text)
    suffix = path.suffix.lower()
    if suffix not in _LOADERS:
        _import_all()
    fn = _LOADERS.get(suffix)
    if fn is None:
        known = ", ".join(sorted(_LOADERS))
        raise SpecError(f"cannot tell the dialect of {spec!r}: expected one of {known}.")
    if not path.exists():
        if path.is_symlink():
            raise SpecError(f"is a broken symbolic link (to {path.readlink()}); expected a spec file.", path=path_text)
        raise SpecError("no such file.", path=path_text)
    if path.is_dir():
        raise SpecError("is a folder; expected a spec file.", path=path_text)
    return fn(path, name) if suffix == ".py" else fn(path)


def _import_all():
    from . import (  # noqa: F401  (registers their loaders)
        keras_saved,
        python,
        toml_spec,  # noqa: F401
    )
    from .caffe import loader as caffe_loader  # noqa: F401
    from .matconvnet import loader as matconvnet_loader  # noqa: F401


_import_all()
