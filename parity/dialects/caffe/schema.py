"""Caffe's message schema: the fields of each caffe.proto message, their types and defaults.

The tables are data, transcribed with a citation per default in proto_net.py (net, solver,
layer frame, legacy V1/V0 layers) and proto_layers.py (every `*_param` message). This
module turns them into FieldSpecs and checks a parsed prototxt Message against them the
way Caffe's reader would, with errors that point at line:col and suggest fixes.

Two deliberate choices, both Caffe's own behaviour:
- A non-repeated field given twice is an error by default. Caffe reads prototxt with
  `TextFormat::Parse` (src/caffe/util/io.cpp:38), and protobuf's Parse, unlike Merge,
  forbids singular overwrites ("Non-repeated field ... is specified multiple times").
  `allow_overwrites=True` gives Merge's last-one-wins instead, matching `Message.get`.
- `validate` canonicalises values in place to what Caffe would store: an integer in a
  float field becomes a float, 0/1/t/f in a bool field a bool, an enum given by number
  its name. Consumers can then rely on the Python type.
"""

import difflib
from collections import namedtuple
from dataclasses import dataclass

from ...errors import SpecError
from . import proto_layers, proto_net
from .prototxt import Enum, Message

_INT_RANGES = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1),
               "uint32": (0, 2**32 - 1), "uint64": (0, 2**64 - 1)}
_ZERO = {"float": 0.0, "double": 0.0, "bool": False, "string": "", "bytes": "",
         **{t: 0 for t in _INT_RANGES}}

ENUMS = {**proto_net.ENUMS, **proto_layers.ENUMS}
_LEGACY = {**proto_net.LEGACY, **proto_layers.LEGACY}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # "optional", "repeated" or "required"
    type: str  # a scalar type name, a key of ENUMS, or a key of MESSAGES
    default: object = None  # the proto's [default = ...]; None where it declares none
    legacy: str = None  # the deprecation note, for fields caffe.proto marks deprecated

    @property
    def repeated(self):
        return self.label == "repeated"

    @property
    def kind(self):
        if self.type in ENUMS:
            return "enum"
        return "scalar" if self.type in _ZERO else "message"

    @property
    def has_default(self):
        return self.default is not None

    def implicit_default(self):
        """What protobuf reads for an unset field without [default]: zero, empty, the
        first enum value declared (not the one numbered 0), or None for a message."""
        if self.has_default:
            return self.default
        if self.kind == "enum":
            return Enum(next(iter(ENUMS[self.type])))
        return _ZERO.get(self.type)




def _spec(message, name, label, type_, default=None):
    if type_ in ENUMS and default is not None:
        default = Enum(default)  # so a default compares and prints like a parsed value
    return FieldSpec(name, label, type_, default, _LEGACY.get((message, name)))


MESSAGES = {
    message: {name: _spec(message, name, *row) for name, row in table.items()}
    for message, table in {**proto_net.MESSAGES, **proto_layers.MESSAGES}.items()
}

Setting = namedtuple("Setting", "value explicit")
Setting.__doc__ = "A field's effective value, and whether the file set it (False: a default)."
LegacyUse = namedtuple("LegacyUse", "path line col note")


def field_spec(message_type, name):
    """The FieldSpec of `name` in `message_type`; KeyError if caffe.proto has no such field."""
    return _table(message_type)[name]


def defaults(message_type, implicit=False):
    """{field: default} of the singular fields with a proto [default]; with implicit=True
    also the zero/empty/first-enum value protobuf gives the other singular scalar fields."""
    out = {}
    for spec in _table(message_type).values():
        if spec.repeated or spec.kind == "message":
            continue
        if spec.has_default:
            out[spec.name] = spec.default
        elif implicit:
            out[spec.name] = spec.implicit_default()
    return out


def is_explicit(msg, name):
    """Whether the file itself set `name` (as opposed to Caffe filling in a default)."""
    return msg.has(name)


def resolved(msg, message_type):
    """{field: Setting} for every field of the message type, in proto order: what the
    file says where it says it, the default (marked explicit=False) where it does not.
    Repeated fields give a list; an unset message field gives None."""
    out = {}
    for spec in _table(message_type).values():
        if spec.repeated:
            values = msg.get_all(spec.name)
            out[spec.name] = Setting(values, bool(values))
        elif msg.has(spec.name):
            out[spec.name] = Setting(msg.get(spec.name), True)
        else:
            out[spec.name] = Setting(spec.implicit_default(), False)
    return out


def legacy_uses(msg, message_type, prefix=""):
    """Where the file uses fields caffe.proto marks deprecated (V1 `layers`, solver_type,
    ...): a LegacyUse(path, line, col, note) for the first use of each, outermost first.
    Blocks that are themselves legacy are not searched further."""
    table = _table(message_type)
    found, seen = [], set()
    for index, f in _indexed(msg):
        spec = table.get(f.name)
        if spec is None:
            continue
        where = f"{prefix}{f.name}" + (f"[{index}]" if spec.repeated else "")
        if spec.legacy:
            if f.name not in seen:
                seen.add(f.name)
                found.append(LegacyUse(where, f.line, f.col, spec.legacy))
        elif spec.kind == "message" and isinstance(f.value, Message):
            found.extend(legacy_uses(f.value, spec.type, where + "."))
    return found


def validate(msg, message_type, path="<string>", *, allow_overwrites=False):
    """Check a parsed Message against caffe.proto's `message_type` (e.g. "NetParameter",
    "SolverParameter"); raise SpecError at the first unknown field, wrongly typed value,
    bad enum value, repeated singular field or missing required field."""
    table = _table(message_type)
    first = {}
    for i, f in enumerate(msg.fields):
        spec = table.get(f.name)
        if spec is None:
            raise _unknown_field(f, message_type, table, path)
        if not spec.repeated:
            if f.name in first and not allow_overwrites:
                raise SpecError(
                    f"field '{f.name}' given twice in {message_type} (first at line "
                    f"{first[f.name].line}); it is not repeated, and Caffe's parser rejects that",
                    path=path, line=f.line, col=f.col)
            first.setdefault(f.name, f)
        if spec.kind == "message":
            if not isinstance(f.value, Message):
                raise _error(f, path, f"expected a '{{ ... }}' block for '{f.name}' in "
                                      f"{message_type}, found {_found(f.value)}")
            validate(f.value, spec.type, path, allow_overwrites=allow_overwrites)
        else:
            value = _check_scalar(f, spec, message_type, path)
            if value is not f.value:
                msg._set_value(i, value)
    for spec in table.values():
        if spec.label == "required" and spec.name not in first:
            raise SpecError(f"{message_type} is missing its required field '{spec.name}'",
                            path=path, line=msg.line, col=msg.col)


# --- helpers -------------------------------------------------------------------------------

def _table(message_type):
    try:
        return MESSAGES[message_type]
    except KeyError:
        raise ValueError(f"no Caffe message type {message_type!r} in the schema") from None


def _indexed(msg):
    counts = {}
    for f in msg.fields:
        counts[f.name] = counts.get(f.name, -1) + 1
        yield counts[f.name], f


def _error(f, path, message, hint=None):
    return SpecError(message, path=path, line=f.value_line or f.line,
                     col=f.value_col or f.col, hint=hint)


def _found(value):
    if isinstance(value, Message):
        return "a '{ ... }' block"
    if isinstance(value, Enum):
        return f"identifier {value}"
    if isinstance(value, str):
        return f'string "{value}"' if len(value) <= 40 else f'string "{value[:37]}..."'
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value!r}"


def _unknown_field(f, message_type, table, path):
    message = f"unknown field '{f.name}' in {message_type}"
    close = difflib.get_close_matches(f.name, list(table), n=1, cutoff=0.6)
    if close:
        return SpecError(f"{message}; did you mean '{close[0]}'?", path=path, line=f.line, col=f.col)
    # A common slip: a layer setting written directly in the layer, not in its *_param.
    homes = [name for name, spec in table.items()
             if spec.kind == "message" and name.endswith("_param")
             and f.name in MESSAGES[spec.type]]
    hint = None
    if homes:
        shown = ", ".join(f"{h} {{ }}" for h in homes[:3]) + (", ..." if len(homes) > 3 else "")
        hint = f"('{f.name}' belongs inside a parameter block: {shown})"
    return SpecError(message, path=path, line=f.line, col=f.col, hint=hint)


def _check_scalar(f, spec, message_type, path):
    """The value as Caffe would store it, or SpecError if Caffe would reject it."""
    v, t = f.value, spec.type
    what = f"'{f.name}' in {message_type}"
    if spec.kind == "enum":
        values = ENUMS[t]
        if isinstance(v, Enum) and v in values:
            return v
        if type(v) is int and v in values.values():
            return Enum(next(name for name, number in values.items() if number == v))
        hint = None
        if isinstance(v, str):
            close = difflib.get_close_matches(v.upper(), list(values), n=1, cutoff=0.6)
            if not isinstance(v, Enum) and v in values:
                hint = "(enum values are written without quotes)"
            elif close:
                hint = f"(did you mean {close[0]}?)"
        shown = f"'{v}'" if isinstance(v, Enum) else _found(v)
        raise _error(f, path, f"invalid value {shown} for {what}; expected one of "
                              f"{', '.join(values)}", hint)
    if t == "bool":
        if isinstance(v, bool):
            return v
        if type(v) is int and v in (0, 1):  # protobuf's text parser takes 0/1 and t/f too
            return bool(v)
        if isinstance(v, Enum) and v in ("t", "f"):
            return v == "t"
        raise _error(f, path, f"expected true or false for {what}, found {_found(v)}")
    if t in ("string", "bytes"):
        if isinstance(v, str) and not isinstance(v, Enum):
            return v
        hint = f'(write {f.name}: "{v}")' if isinstance(v, Enum) else None
        raise _error(f, path, f"expected a quoted string for {what}, found {_found(v)}", hint)
    if t in ("float", "double"):
        if type(v) is float:
            return v
        if type(v) is int:
            try:
                return float(v)
            except OverflowError:
                pass
        raise _error(f, path, f"expected a number for {what}, found {_found(v)}")
    if type(v) is not int:
        raise _error(f, path, f"expected an integer for {what}, found {_found(v)}")
    lo, hi = _INT_RANGES[t]
    if not lo <= v <= hi:
        raise _error(f, path, f"{v} is out of range for {what}, a {t} ({lo} to {hi})")
    return v
