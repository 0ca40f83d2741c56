"""The neutral description on disk as TOML (schema in docs/description-format.md).

TOML has no null: a table lists the keys whose value is None in `null = [...]`.
"""

import math
import re
import tomllib
from dataclasses import asdict

from ..errors import SpecError
from .neutral import SCHEMA_VERSION, Description, InputSpec, Layer, Loss, Optimizer, Param, Penalty


def dumps(desc):
    doc = {"schema_version": SCHEMA_VERSION, "dialect": desc.dialect, "source": desc.source,
           "input_shape": list(desc.input_shape), "notes": list(desc.notes), "input": asdict(desc.input)}
    if desc.optimizer:
        doc["optimizer"] = asdict(desc.optimizer)
    if desc.loss:
        doc["loss"] = asdict(desc.loss)
    doc["layers"] = [_layer(layer) for layer in desc.layers]
    return "".join(_emit(doc, []))


def _layer(layer):
    out = asdict(layer)
    out["params"] = [asdict(p) for p in layer.params]
    out["penalties"] = {role: asdict(p) for role, p in layer.penalties.items()}
    return out


def loads(text, path):
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        at = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
        where = dict(line=int(at.group(1)), col=int(at.group(2))) if at else {}
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(err))
        raise SpecError(f"is not valid TOML: {message}.", path=path, **where) from None
    doc = _restore(doc)
    version = doc.get("schema_version")
    if version is None:
        raise SpecError(f"has no schema_version; expected schema_version = {SCHEMA_VERSION} at the top, as "
                        "`parity show --format toml` writes it.", path=path)
    if version != SCHEMA_VERSION:
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        raise SpecError(f"has schema_version {version!r}; this parity reads version {SCHEMA_VERSION}"
                        f"{' (a newer parity wrote it)' if newer else ''}.", path=path)
    try:
        layers = []
        for raw in doc.get("layers", []):
            params = [Param(**{**p, "shape": tuple(p["shape"])}) for p in raw.pop("params", [])]
            penalties = {role: Penalty(**p) for role, p in raw.pop("penalties", {}).items()}
            layers.append(Layer(**raw, params=params, penalties=penalties))
        opt = Optimizer(**doc["optimizer"]) if "optimizer" in doc else None
        loss = Loss(**doc["loss"]) if "loss" in doc else None
        return Description(doc["dialect"], doc.get("source", str(path)), tuple(doc["input_shape"]), layers, loss, opt,
                           doc.get("notes", []), InputSpec(**doc.get("input", {})))
    except (KeyError, TypeError) as err:
        raise SpecError(f"does not follow the description schema: {err}", path=path) from None


def _restore(node):
    if isinstance(node, dict):
        nulls = node.pop("null", [])
        out = {k: _restore(v) for k, v in node.items()}
        out.update({k: None for k in nulls})
        return out
    if isinstance(node, list):
        return [_restore(v) for v in node]
    return node


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items() if v is not None) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key):
    key = str(key)
    return key if key.replace("_", "").replace("-", "").isalnum() else _scalar(key)


def _is_table_list(value):
    return isinstance(value, list) and value and all(isinstance(v, dict) for v in value)


def _emit(table, path, array=False):
    simple = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_table_list(v)}
    nulls = [k for k, v in simple.items() if v is None]
    if path:
        yield f"\n[[{'.'.join(map(_key, path))}]]\n" if array else f"\n[{'.'.join(map(_key, path))}]\n"
    for key, value in simple.items():
        if value is not None:
            yield f"{_key(key)} = {_scalar(value)}\n"
    if nulls:
        yield f"null = {_scalar(nulls)}\n"
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _emit(value, path + [key])
        elif _is_table_list(value):
            for item in value:
                yield from _emit(item, path + [key], array=True)
