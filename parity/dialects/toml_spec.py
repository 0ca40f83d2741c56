"""`.toml` specs: parity's own neutral description, as `parity show --format toml` writes it."""

from ..description.toml_io import loads
from ..errors import SpecError
from ..frameworks.described import DESCRIPTION_ENGINES
from .registry import loader
from .side import Side

RUNNABLE = set(DESCRIPTION_ENGINES)  # descriptions whose layers the description engine executes


@loader(".toml")
def load_toml(path):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise SpecError(f"expected UTF-8 TOML text, found byte 0x{err.object[err.start]:02x} at offset {err.start}.",
                        path=path) from None
    except OSError as err:
        raise SpecError(f"cannot be read as text: {err}", path=path) from None
    desc = loads(text, path)
    if desc.dialect not in RUNNABLE:
        raise SpecError(f"describes a {desc.dialect} model; parity runs descriptions of {sorted(RUNNABLE)} "
                        "(run the original spec instead).", path=path)

    side = Side(str(path), desc.dialect, desc, desc.input_shape, desc.num_classes, DESCRIPTION_ENGINES[desc.dialect],
                notes=list(desc.notes))
    side.input_layout = desc.input.layout
    side.transform = desc.input.transform
    return side
